/**
 * fanout: legacy → XMPP groupchat messages per second to one joined user, with 1 and with 5
 * joined resources, every message archived in a real SQLite file. The legacy side is driven in
 * process (`participant.sendText()` in a loop, waiting for the outbox to flush every
 * {@link FLUSH_EVERY} messages); the rate counts messages until every resource has all of them.
 *
 * Baseline, same Prosody, same client resources, interleaved round by round: a bare component
 * on another domain writing pre-built groupchat stanzas of the same shape (body, stanza-id,
 * occupant-id), one per resource per message, waiting for `drain` above 256 KiB buffered.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xml } from "@xmpp/component";
import type { Gateway } from "../src/createGateway.js";
import { createMemoryStore } from "../src/store/memoryStore.js";
import { openSqliteStore } from "../src/store/sqliteStore.js";
import { startProsody } from "../src/testbed/prosody.js";
import { type Row, median, row } from "./stats.js";
import {
  type Client,
  PASSWORD,
  type Stanza,
  connectClient,
  log,
  pushAll,
  startComponent,
  startFixtureGateway,
  stopClients,
  stopComponent,
  stopGateway,
  within,
  joinRoom,
} from "./xmpp.js";

const ROUNDS = 5;
const FLUSH_EVERY = 100;
/** Messages per round, by number of resources (5 resources: five stanzas per message). */
const MESSAGES: Record<number, number> = { 1: 20_000, 5: 6_000 };
const ROOM = "fan";

/** Counts, per client, the groupchat messages from `from` whose body starts with `tag`. */
export function counter(clients: Client[], from: string) {
  let tag = "";
  let target = 0;
  let counts: number[] = [];
  let done: (() => void) | undefined;
  const onStanza = (i: number) => (s: Stanza) => {
    if (s.name !== "message" || s.attrs.from !== from || !tag) return;
    if (!s.getChildText("body")?.startsWith(tag)) return;
    if (++counts[i]! === target && counts.every((c) => c >= target)) done?.();
  };
  const listeners = clients.map((c, i) => {
    const l = onStanza(i);
    c.on("stanza", l as never);
    return l;
  });
  return {
    /** Resolves once every client got `n` messages tagged `t`. */
    expect(t: string, n: number): Promise<void> {
      tag = t;
      target = n;
      counts = clients.map(() => 0);
      return within(new Promise<void>((r) => (done = r)), 120_000, `${n} messages tagged ${t} on ${clients.length} resources`);
    },
    stop() {
      for (const [i, c] of clients.entries()) c.removeListener("stanza", listeners[i] as never);
    },
  };
}


/** One mucstate round: `n` messages from bob, each to every joined resource; returns messages/s. */
export async function oursRound(gateway: Gateway, clients: Client[], n: number, tag: string): Promise<number> {
  const session = (await gateway.sessions.get("alice@localhost"))!;
  const room = await session.getRoom(ROOM);
  const bob = await room.getParticipant("bob");
  const count = counter(clients, `${ROOM}@${gateway.domain}/bob`);
  const received = count.expect(tag, n);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    bob.sendText(`${tag} message number ${i}`);
    if (i % FLUSH_EVERY === FLUSH_EVERY - 1) await gateway.connection.outbox.flushed();
  }
  await received;
  count.stop();
  return n / ((performance.now() - t0) / 1000);
}

/** One baseline round: the same number of pre-built stanzas from a bare component. */
export async function bareRound(push: Awaited<ReturnType<typeof startComponent>>, clients: Client[], n: number, tag: string): Promise<number> {
  const room = `${ROOM}@push.localhost`;
  const stanzas = [];
  for (let i = 0; i < n; i++) {
    const id = `${tag}-${String(i).padStart(12, "0")}-abcdefgh`.slice(-21);
    for (const c of clients) {
      stanzas.push(
        xml(
          "message",
          { from: `${room}/bob`, to: c.jid!.toString(), type: "groupchat", id },
          xml("body", {}, `${tag} message number ${i}`),
          xml("stanza-id", { xmlns: "urn:xmpp:sid:0", id, by: room }),
          xml("occupant-id", { xmlns: "urn:xmpp:occupant-id:0", id: "Yq3iHBWvTu0NfdbRMPB8w2eK" }),
        ),
      );
    }
  }
  const count = counter(clients, `${room}/bob`);
  const received = count.expect(tag, n);
  const t0 = performance.now();
  await pushAll(push, stanzas);
  await received;
  count.stop();
  return n / ((performance.now() - t0) / 1000);
}

/** Runs the fanout benchmark. */
export async function fanoutBench(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), "mucstate-bench-fanout-"));
  const prosody = await startProsody({ components: ["muc.localhost", "mem.localhost", "push.localhost"] });
  const store = openSqliteStore(join(dir, "fanout.sqlite"), { retentionDays: Number.POSITIVE_INFINITY });
  const rows: Row[] = [];
  try {
    await prosody.registerUser("alice", PASSWORD);
    const rooms = [{ id: ROOM, participants: [{ nick: "bob" }], userNick: "alice" }];
    const gateway = await startFixtureGateway(prosody, "muc.localhost", ["alice@localhost"], rooms, store);
    // The same gateway with an in-memory store: what the SQLite commits cost.
    const memory = await startFixtureGateway(prosody, "mem.localhost", ["alice@localhost"], rooms, createMemoryStore({ retentionDays: Number.POSITIVE_INFINITY }));
    const push = await startComponent(prosody, "push.localhost");
    const clients = await Promise.all([0, 1, 2, 3, 4].map((i) => connectClient(prosody.c2sPort, "alice", `r${i}`)));
    try {
      let joined = 0;
      for (const resources of [1, 5]) {
        for (; joined < resources; joined++) await joinRoom(clients[joined]!, `${ROOM}@muc.localhost`);
        const active = clients.slice(0, resources);
        const n = MESSAGES[resources]!;
        const withMemory = resources === 1;
        if (withMemory) await joinRoom(clients[0]!, `${ROOM}@mem.localhost`);
        await oursRound(gateway, active, 500, `warm${resources}o`);
        await bareRound(push, active, 500, `warm${resources}b`);
        if (withMemory) await oursRound(memory, active, 500, `warm${resources}m`);
        const ours: number[] = [];
        const bare: number[] = [];
        const mem: number[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          bare.push(await bareRound(push, active, n, `b${resources}r${r}`));
          ours.push(await oursRound(gateway, active, n, `o${resources}r${r}`));
          if (withMemory) mem.push(await oursRound(memory, active, n, `m${resources}r${r}`));
          log(`fanout ${resources}: bare ${bare.at(-1)!.toFixed(0)}/s, ours ${ours.at(-1)!.toFixed(0)}/s, memory store ${mem.at(-1)?.toFixed(0)}/s`);
        }
        const label = resources === 1 ? "1 resource" : `${resources} resources`;
        rows.push(
          row(
            "fanout",
            `legacy → XMPP, ${label}, archived (median of ${ROUNDS})`,
            ours,
            "msg/s",
            bare,
            `target ratio ≥ 0.8; ${(median(ours) * resources).toFixed(0)} stanzas/s delivered; ${n} messages a round; baseline: bare component, pre-built stanzas`,
          ),
        );
        if (withMemory) {
          rows.push(row("fanout", `legacy → XMPP, ${label}, in-memory store (no SQLite commit)`, mem, "msg/s", bare, "same gateway, createMemoryStore(): what the SQLite archive costs"));
        }
      }
    } finally {
      await stopClients(clients);
      await stopComponent(push);
      await stopGateway(gateway);
      await stopGateway(memory);
    }
  } finally {
    store.close();
    await prosody.stop({ removeDir: true });
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
