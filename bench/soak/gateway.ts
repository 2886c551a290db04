/**
 * The soak's gateway process: a mucstate gateway whose legacy network is {@link SoakNetwork},
 * started by `bench/soak/run.ts` with `fork()`, so that the RSS and heap it reports are the
 * gateway's alone (the clients and the ledger live in the parent). It takes orders and answers
 * over IPC (see {@link ToGateway} and {@link FromGateway}).
 */
import { Session } from "node:inspector";
import { join } from "node:path";
import { writeHeapSnapshot } from "node:v8";
import type { InspectionEvent } from "xstate";
import { createGateway } from "../../src/createGateway.js";
import type { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { openSqliteStore } from "../../src/store/sqliteStore.js";
import { gc, sleep } from "../xmpp.js";
import { heapSpaceSize, memoryBreakdown } from "./memory.js";
import { SoakNetwork } from "./network.js";
import { type PrefillPlan, prefillStore } from "./prefill.js";

/** Where the gateway connects and how it is bounded (environment of the child, as JSON). */
export interface GatewayConfig {
  domain: string;
  service: string;
  secret: string;
  storePath: string;
  maxRooms: number;
  idleMs: number;
  participants: number;
  /** What {@link prefillStore} writes before the gateway starts. */
  prefill: Omit<PrefillPlan, "domain" | "participants">;
}

/** Orders from the parent. */
export type ToGateway =
  | { type: "legacy"; id: string; user: string; room: string; nick: string; held: boolean }
  | { type: "stats" }
  | { type: "stop" };

/** What the gateway process measures when asked. */
export interface GatewayStats {
  /**
   * Resident set size, read {@link RSS_SETTLE_MS} after the sample's low-memory GC (see
   * {@link lowMemoryGc}): what the process holds once V8 has compacted its old space.
   */
  rssMiB: number;
  /**
   * RSS and V8's committed old space read {@link RSS_SETTLE_MS} after an ordinary full GC (`gc()`),
   * just before the low-memory one: they also count the partly empty old-space pages that such a
   * GC leaves, which depend on when V8 last compacted (see the README's soak section).
   */
  fullGcRssMiB: number;
  fullGcOldSpaceMiB: number;
  /** V8 heap used after the low-memory GC, and what V8 holds for it (RSS includes the latter). */
  heapMiB: number;
  heapTotalMiB: number;
  /** The young generation's share of {@link heapTotalMiB}: V8 grows it under allocation load. */
  newSpaceMiB: number;
  externalMiB: number;
  /**
   * Resident size of the C heap (glibc's main arena, the `[heap]` mapping; Linux only, else 0):
   * SQLite's page cache lives there, and better-sqlite3 builds SQLite with a 16 MB one.
   */
  mallocMiB: number;
  /** Other anonymous memory (V8's heap, other threads' arenas), file-backed memory, V8's committed physical memory and old space: see {@link memoryBreakdown}. */
  anonMiB: number;
  filesMiB: number;
  v8PhysicalMiB: number;
  oldSpaceMiB: number;
  /** Room actors running (active and parked). */
  running: number;
  /** Rooms passivated right now. */
  passivated: number;
  /** Room actors started: first activations and re-activations after passivation. */
  activations: number;
  /** Rooms activated for the first time in this run (their `updateInfo` ran). */
  roomsActivated: number;
  /** Deepest mailbox now, and all mailboxes together. */
  mailboxMax: number;
  mailboxTotal: number;
  /** Deepest mailbox seen so far (looked at every second). */
  mailboxPeak: number;
  outbox: number;
  errors: number;
  drops: number;
  warnings: number;
  firstError?: string;
}

/** Answers to the parent. */
export type FromGateway =
  | { type: "ready"; prefilled: number; prefillS: number }
  | { type: "legacy-failed"; id: string; error: string }
  | ({ type: "stats" } & GatewayStats)
  | { type: "stopped"; refused: number; abandoned: number };

const MiB = 1024 * 1024;
/** How long after each of a sample's two GCs (ordinary, then low-memory) its RSS is read. */
const RSS_SETTLE_MS = 500;

const inspector = new Session();
inspector.connect();
/**
 * V8's low-memory GC, through the inspector's "collect garbage" (V8 answers it with
 * `Isolate::LowMemoryNotification`): full GCs that compact every fragmented old-space page and
 * shrink the young generation. An ordinary `gc()` compacts only some pages, so the RSS it leaves
 * moves with V8's heuristics (on one machine the old space went 36 → 53 MiB over a soak while the
 * heap in use grew 3 MiB).
 */
const lowMemoryGc = () => new Promise<void>((resolve, reject) => inspector.post("HeapProfiler.collectGarbage", (e) => (e ? reject(e) : resolve())));

async function main(): Promise<void> {
  const config = JSON.parse(process.env.SOAK_GATEWAY ?? "") as GatewayConfig;
  const network = new SoakNetwork(config.participants);
  const faults = { errors: 0, drops: 0, warnings: 0, first: undefined as string | undefined };
  const fault = (kind: "errors" | "drops" | "warnings", what: string) => {
    faults[kind]++;
    faults.first ??= `${kind}: ${what}`;
  };
  // Counts room actors as they start (an actor that is its own root: a room, not one of its callbacks).
  let roomActors = 0;
  const inspect = (e: InspectionEvent) => {
    if (e.type === "@xstate.actor" && e.actorRef.sessionId === e.rootId) roomActors++;
  };
  const store = openSqliteStore(config.storePath, { retentionDays: 1 });
  const t0 = performance.now();
  const prefilled = prefillStore(store, { ...config.prefill, domain: config.domain, participants: config.participants });
  const prefillS = (performance.now() - t0) / 1000;
  const gateway = createGateway({
    domain: config.domain,
    secret: config.secret,
    service: config.service,
    plugin: network,
    store,
    maxRooms: config.maxRooms,
    idleMs: config.idleMs,
    uploadService: false,
    inspect,
    onError: (e) => fault("errors", String((e as Error)?.stack ?? e)),
    onDrop: (s, reason) => fault("drops", `${reason}: ${s.toString().slice(0, 200)}`),
    onWarning: (m) => fault("warnings", m),
  });
  const reply = (m: FromGateway) => process.send?.(m);
  /** Room objects the plugin keeps, as a plugin holding its rooms would: half the legacy messages go through them. */
  const held = new Map<string, LegacyRoom>();

  async function legacy(order: Extract<ToGateway, { type: "legacy" }>): Promise<void> {
    const k = `${order.user}\n${order.room}`;
    let room = order.held ? held.get(k) : undefined;
    if (!room) {
      const session = await gateway.sessions.get(order.user);
      if (!session) throw new Error(`no session for ${order.user}`);
      room = await session.getRoom(order.room);
      held.set(k, room);
    }
    const participant = await room.getParticipant(order.nick);
    participant.sendText(`soak ${order.id}`);
  }

  function mailboxes(): { mailboxMax: number; mailboxTotal: number } {
    let mailboxMax = 0;
    let mailboxTotal = 0;
    for (const r of gateway.registry.all()) {
      const depth = r.snapshot.context.mailbox.length;
      mailboxMax = Math.max(mailboxMax, depth);
      mailboxTotal += depth;
    }
    return { mailboxMax, mailboxTotal };
  }
  // `SOAK_HEAP_SNAPSHOTS=DIR` writes a heap snapshot into DIR after each sample's figures, to
  // diff in DevTools. Each holds the gateway for a second or more, and leaves ~130 MiB in the C
  // heap, so the RSS figures of such a run mean nothing.
  const snapshots = process.env.SOAK_HEAP_SNAPSHOTS;
  let snapshotCount = 0;
  let mailboxPeak = 0;
  setInterval(() => (mailboxPeak = Math.max(mailboxPeak, mailboxes().mailboxMax)), 1000).unref();

  async function stats(): Promise<GatewayStats> {
    gc();
    // V8 gives the pages a full GC freed back to the system from a background thread: RSS read
    // at once may still count them (seen: 23 MiB for one sample).
    await sleep(RSS_SETTLE_MS);
    const fullGcRss = process.memoryUsage().rss;
    const fullGcOldSpace = heapSpaceSize("old_space");
    await lowMemoryGc();
    const heapUsed = process.memoryUsage().heapUsed;
    await sleep(RSS_SETTLE_MS);
    const mem = process.memoryUsage();
    const { mailboxMax, mailboxTotal } = mailboxes();
    const memory = memoryBreakdown();
    return {
      rssMiB: mem.rss / MiB,
      fullGcRssMiB: fullGcRss / MiB,
      fullGcOldSpaceMiB: fullGcOldSpace / MiB,
      heapMiB: heapUsed / MiB,
      heapTotalMiB: mem.heapTotal / MiB,
      newSpaceMiB: heapSpaceSize("new_space") / MiB,
      externalMiB: mem.external / MiB,
      mallocMiB: memory.mainArena / MiB,
      anonMiB: memory.anonymous / MiB,
      filesMiB: memory.files / MiB,
      v8PhysicalMiB: memory.v8Physical / MiB,
      oldSpaceMiB: memory.oldSpace / MiB,
      running: gateway.registry.size,
      passivated: gateway.registry.passivatedCount,
      activations: roomActors,
      roomsActivated: network.activations,
      mailboxMax,
      mailboxTotal,
      mailboxPeak: Math.max(mailboxPeak, mailboxMax),
      outbox: gateway.connection.outbox.size,
      errors: faults.errors,
      drops: faults.drops,
      warnings: faults.warnings,
      ...(faults.first !== undefined && { firstError: faults.first }),
    };
  }

  process.on("message", (order: ToGateway) => {
    if (order.type === "legacy") {
      legacy(order).catch((e) => reply({ type: "legacy-failed", id: order.id, error: String(e) }));
    } else if (order.type === "stats") {
      void stats().then((st) => {
        reply({ type: "stats", ...st });
        if (snapshots) writeHeapSnapshot(join(snapshots, `gateway-${String(++snapshotCount).padStart(2, "0")}.heapsnapshot`));
      });
    } else if (order.type === "stop") {
      void gateway
        .stop()
        .then((tally) => reply({ type: "stopped", ...tally }))
        .finally(() => process.disconnect?.());
    }
  });
  await gateway.start();
  reply({ type: "ready", prefilled, prefillS });
}

main().catch((e) => {
  console.error("soak gateway:", e);
  process.exit(1);
});
