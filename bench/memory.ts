/**
 * memory: in process, no server. The heap of {@link ROOMS} idle room actors (created through a
 * RoomRegistry, `updateInfo` done, nobody joined), measured after a full collection, against
 * the same number of bare XState actors of a one-state machine (the floor any actor-per-room
 * design pays); then the heap of {@link PARTICIPANTS} participants (filled rooms of
 * {@link PER_ROOM}), and the process RSS.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createActor, createMachine, fromPromise } from "xstate";
import { RoomRegistry } from "../src/actors/registry.js";
import { LegacyRoom } from "../src/legacy/LegacyRoom.js";
import { LegacySession } from "../src/legacy/LegacySession.js";
import type { RoomHandle } from "../src/machines/roomEvents.js";
import { fromRequestRunner } from "../src/machines/requestRunner.js";
import { roomMachine } from "../src/machines/roomMachine.js";
import { openSqliteStore } from "../src/store/sqliteStore.js";
import { type Row, row } from "./stats.js";
import { gc, log } from "./xmpp.js";

const ROOMS = Number(process.env.BENCH_ROOMS ?? 100_000);
const PARTICIPANTS = Number(process.env.BENCH_PARTICIPANTS ?? 1_000_000);
const PER_ROOM = 100_000;
const KIB = 1024;
/**
 * Heap the room actors may take before the benchmark stops creating them and reports the
 * figure for the rooms it made (the default Node heap limit is about 4 GiB here).
 */
const HEAP_BUDGET = 2 * 2 ** 30;
/** Batches the rooms are made in; each batch is one run of the per-room figure. */
const RUNS = 5;
/** maxRooms of the registry whose other rooms passivate. */
const LIVE = 1_000;

/** A room with nothing to fetch; `participants` generated participants when filled. */
class IdleRoom extends LegacyRoom {
  participants = 0;

  override async updateInfo(): Promise<void> {
    this.name = `Room ${this.legacyId}`;
    this.type = "group";
  }

  override async fillParticipants(): Promise<void> {
    for (let i = 1; i <= this.participants; i++) await this.getParticipant(`p${i}`);
  }
}

class IdleSession extends LegacySession {
  override createRoom(legacyId: string): LegacyRoom {
    const room = new IdleRoom(this, legacyId);
    if (legacyId.startsWith("big")) room.participants = PER_ROOM;
    return room;
  }
}

const heap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

/** Runs the memory benchmark. */
export async function memoryBench(): Promise<Row[]> {
  const registry = new RoomRegistry({
    domain: "gw.example",
    outbox: { send() {}, sendAll() {} },
    mailboxSize: 100,
    callbackTimeoutMs: 30_000,
    maxRooms: ROOMS * 2,
  });
  const session = new IdleSession("bench@example.org");
  // Warm up: code compiled, caches allocated, before the first heap reading.
  for (let i = 0; i < 1000; i++) await (await registry.get(session, `warm${i}`)).read("info");

  // The floor: bare XState actors of a one-state machine, same count.
  const machine = createMachine({ id: "bare", context: { n: 0 }, initial: "idle", states: { idle: {} } });
  // In RUNS batches, so that the figure is a median with its spread.
  const bare: unknown[] = [];
  const bareRuns: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = heap();
    for (let i = 0; i < ROOMS / RUNS; i++) bare.push(createActor(machine).start());
    bareRuns.push((heap() - start) / (ROOMS / RUNS));
  }
  for (const a of bare) (a as { stop(): void }).stop();
  let before: number;
  bare.length = 0;
  log(`bare actor: ${bareRuns.map((b) => b.toFixed(0)).join(", ")} B`);

  // Where a room actor's heap goes: a machine built per room with provide(), as RoomActor does
  // today, against actors of the room machine sharing one provided machine.
  const actors = {
    updateInfo: fromPromise<void, RoomHandle>(async () => {}),
    fillParticipants: fromPromise<void, RoomHandle>(async () => {}),
    backfill: fromPromise<void, RoomHandle>(async () => {}),
    runRequest: fromRequestRunner(async (request) => ({ id: request.id, destroyed: false })),
  };
  const input = { mailboxSize: 100, callbackTimeoutMs: 30_000 };
  const SAMPLE = 5_000;
  before = heap();
  const provided = Array.from({ length: SAMPLE }, () => roomMachine.provide({ actors }));
  const perProvide = (heap() - before) / SAMPLE;
  provided.length = 0;
  const shared = roomMachine.provide({ actors });
  before = heap();
  const sharedActors = Array.from({ length: SAMPLE }, () => createActor(shared, { input }).start());
  await new Promise((r) => setTimeout(r, 50));
  const perSharedActor = (heap() - before) / SAMPLE;
  for (const a of sharedActors) a.stop();
  sharedActors.length = 0;
  log(`provide(): ${perProvide.toFixed(0)} B, shared-machine actor ${perSharedActor.toFixed(0)} B`);

  before = heap();
  const t0 = performance.now();
  let rooms = 0;
  const roomRuns: number[] = [];
  while (rooms < ROOMS && process.memoryUsage().heapUsed - before < HEAP_BUDGET) {
    const start = heap();
    const first = rooms;
    for (const end = Math.min(ROOMS, rooms + ROOMS / RUNS); rooms < end; rooms++) {
      const actor = await registry.get(session, `r${rooms}`);
      await actor.read("info");
    }
    roomRuns.push((heap() - start) / (rooms - first));
  }
  const createMs = performance.now() - t0;
  const perRoom = (heap() - before) / rooms;
  const roomsNote = rooms < ROOMS ? `stopped at ${rooms.toLocaleString("en")} rooms (heap budget ${HEAP_BUDGET / 2 ** 30} GiB): ${ROOMS.toLocaleString("en")} would take ${((perRoom * ROOMS) / 2 ** 30).toFixed(1)} GiB; ` : "";
  log(`room actor: ${perRoom.toFixed(0)} B, ${rooms} rooms`);

  before = heap();
  let fillMs = 0;
  const participantRuns: number[] = [];
  for (let i = 0; i < PARTICIPANTS / PER_ROOM; i++) {
    const start = heap();
    const t1 = performance.now();
    const actor = await registry.get(session, `big${i}`);
    await actor.read("info"); // while updateInfo runs the room is muted: getParticipants() would not wait for the fill
    await actor.room.getParticipants();
    fillMs += performance.now() - t1;
    participantRuns.push((heap() - start) / PER_ROOM);
  }
  const perParticipant = (heap() - before) / PARTICIPANTS;
  const rss = process.memoryUsage().rss;
  log(`participant: ${perParticipant.toFixed(0)} B`);

  registry.shutdown();
  gc();

  // With a store, rooms beyond maxRooms passivate: the actor stops, the state stays in the store.
  const dir = mkdtempSync(join(tmpdir(), "mucstate-bench-memory-"));
  const store = openSqliteStore(join(dir, "rooms.sqlite"), { retentionDays: Number.POSITIVE_INFINITY });
  const bounded = new RoomRegistry({ domain: "gw2.example", outbox: { send() {}, sendAll() {} }, mailboxSize: 100, callbackTimeoutMs: 30_000, maxRooms: LIVE, store });
  for (let i = 0; i < 1000; i++) await (await bounded.get(session, `warm${i}`)).read("info");
  before = heap();
  const t2 = performance.now();
  for (let i = 0; i < ROOMS; i++) await (await bounded.get(session, `p${i}`)).read("info");
  const passivateMs = performance.now() - t2;
  // The warm-up rooms were live before and are passivated after: the delta is ROOMS passivated rooms.
  const perPassivated = (heap() - before) / ROOMS;
  log(`passivated room: ${perPassivated.toFixed(0)} B, ${bounded.passivatedCount} passivated, ${bounded.size} live`);
  bounded.shutdown();
  store.close();
  rmSync(dir, { recursive: true, force: true });

  return [
    row(
      "memory",
      `heap per idle room actor (${rooms.toLocaleString("en")} rooms in ${roomRuns.length} batches)`,
      roomRuns.map((b) => b / KIB),
      "KiB",
      bareRuns.map((b) => b / KIB),
      `target ≤ 5 KiB; all rooms together ${(perRoom / KIB).toFixed(2)} KiB each; ${roomsNote}baseline: bare XState actor of a one-state machine; ${(rooms / (createMs / 1000)).toFixed(0)} rooms/s created`,
    ),
    row(
      "memory",
      `heap per passivated room (${ROOMS.toLocaleString("en")} rooms, maxRooms ${LIVE.toLocaleString("en")}, SQLite store)`,
      perPassivated,
      "B",
      undefined,
      `rooms beyond maxRooms stop their actor and keep their state in the store; ${(ROOMS / (passivateMs / 1000)).toFixed(0)} rooms/s (one putRoom commit each)`,
    ),
    row("memory", "what roomMachine.provide() per room would cost", perProvide / KIB, "KiB", undefined, `rooms share one machine (legacyActors.ts sharedRoomMachine); a bare actor of it takes ${(perSharedActor / KIB).toFixed(2)} KiB`),
    row("memory", `heap per participant (${PARTICIPANTS.toLocaleString("en")} in ${PARTICIPANTS / PER_ROOM} filled rooms, one run a room)`, participantRuns, "B", undefined, `target ≤ 600 B; all together ${perParticipant.toFixed(0)} B each; filled in ${(fillMs / 1000).toFixed(1)} s`),
    row("memory", "process RSS with all of the above", rss / 2 ** 20, "MiB", undefined, `${rooms + 1000 + PARTICIPANTS / PER_ROOM} room actors, ${PARTICIPANTS.toLocaleString("en")} participants`),
  ];
}
