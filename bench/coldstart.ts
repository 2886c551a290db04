/**
 * coldstart: a SQLite file holding {@link ROOMS} persisted rooms (written with `putRoom`), then,
 * timed: open the store, `createGateway`, `start()` (connected to Prosody), and a client's first
 * stanza for one of those rooms answered (a disco#info: the room activates lazily, nothing is
 * scanned at start). Median of {@link ROUNDS} starts of the same file (warm page cache). Also the
 * store alone: open the file and load one room, against a bare better-sqlite3 open + SELECT.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xml as clientXml } from "@xmpp/client";
import Database from "better-sqlite3";
import { createGateway } from "../src/createGateway.js";
import { LegacyRoom } from "../src/legacy/LegacyRoom.js";
import { LegacySession } from "../src/legacy/LegacySession.js";
import { openSqliteStore } from "../src/store/sqliteStore.js";
import { startProsody } from "../src/testbed/prosody.js";
import { type Row, median, row } from "./stats.js";
import { pragmas } from "./store.js";
import { PASSWORD, connectClient, log, nextStanza, stopClients, stopGateway } from "./xmpp.js";

const ROOMS = 100_000;
const USERS = 1_000;
const ROUNDS = 5;
const DOMAIN = "muc.localhost";
const NO_RETENTION = { retentionDays: Number.POSITIVE_INFINITY };

/** The user of persisted room `i` (alice owns every 1,000th room; the others are strangers). */
const userOf = (i: number) => (i % USERS === 0 ? "alice@localhost" : `user${i % USERS}@example.org`);

class ColdRoom extends LegacyRoom {
  override async updateInfo(): Promise<void> {
    this.name = `Room ${this.legacyId}`;
    this.type = "group";
  }
}

class ColdSession extends LegacySession {
  override createRoom(legacyId: string): LegacyRoom {
    return new ColdRoom(this, legacyId);
  }
}

/** Writes the rooms; returns the time it took. */
function persistRooms(path: string): number {
  const t0 = performance.now();
  const store = openSqliteStore(path, NO_RETENTION);
  for (let i = 0; i < ROOMS; i++) store.putRoom({ user: userOf(i), room: `c${i}@${DOMAIN}`, legacyId: `c${i}`, name: `Room c${i}`, type: "group", userNick: "alice" });
  store.close();
  return performance.now() - t0;
}

/** Store alone: open + load one room, against bare better-sqlite3 (alternating, median). */
function storeOpen(path: string): Row {
  const storeMs: number[] = [];
  const bareMs: number[] = [];
  for (let round = 0; round < 6; round++) {
    const i = 54_000 + round * USERS;
    let start = performance.now();
    const store = openSqliteStore(path, NO_RETENTION);
    store.getRoom(userOf(i), `c${i}@${DOMAIN}`);
    storeMs.push(performance.now() - start);
    store.close();

    start = performance.now();
    const bare = new Database(path);
    pragmas(bare);
    bare.prepare("SELECT * FROM rooms WHERE user_jid = ? AND room_jid = ?").get(userOf(i), `c${i}@${DOMAIN}`);
    bareMs.push(performance.now() - start);
    bare.close();
  }
  return row("coldstart", `store alone: open ${ROOMS.toLocaleString("en")} rooms + load one`, storeMs, "ms", bareMs, "baseline: bare better-sqlite3 open + SELECT");
}

/** Runs the coldstart benchmark. */
export async function coldstartBench(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), "mucstate-bench-coldstart-"));
  const path = join(dir, "rooms.sqlite");
  const rows: Row[] = [];
  try {
    const writeMs = persistRooms(path);
    log(`persisted ${ROOMS} rooms in ${writeMs.toFixed(0)} ms`);
    const prosody = await startProsody({ components: [DOMAIN] });
    try {
      await prosody.registerUser("alice", PASSWORD);
      const alice = await connectClient(prosody.c2sPort, "alice", "cold");
      const phases = { open: [] as number[], start: [] as number[], answer: [] as number[], total: [] as number[] };
      try {
        for (let round = 0; round < ROUNDS; round++) {
          const room = `c${(round + 7) * USERS}@${DOMAIN}`;
          const t0 = performance.now();
          const store = openSqliteStore(path, NO_RETENTION);
          const t1 = performance.now();
          const gateway = createGateway({ domain: DOMAIN, secret: prosody.secret, service: prosody.service, plugin: { createSession: (user) => new ColdSession(user) }, store });
          await gateway.start();
          const t2 = performance.now();
          const answered = nextStanza(alice, (s) => s.is("iq") && s.attrs.id === `cold${round}`, 30_000, "disco#info answer");
          await alice.send(clientXml("iq", { type: "get", to: room, id: `cold${round}` }, clientXml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
          const answer = await answered;
          const t3 = performance.now();
          if (answer.attrs.type !== "result") throw new Error(`disco#info of ${room} failed: ${answer.toString()}`);
          phases.open.push(t1 - t0);
          phases.start.push(t2 - t1);
          phases.answer.push(t3 - t2);
          phases.total.push(t3 - t0);
          log(`coldstart round ${round}: ${(t3 - t0).toFixed(1)} ms`);
          await stopGateway(gateway);
          store.close();
        }
      } finally {
        await stopClients([alice]);
      }
      const detail = `open store ${median(phases.open).toFixed(1)} ms + createGateway/start ${median(phases.start).toFixed(1)} ms + first disco#info ${median(phases.answer).toFixed(1)} ms`;
      rows.push(
        row("coldstart", `${ROOMS.toLocaleString("en")} persisted rooms → first stanza answered (median of ${ROUNDS})`, phases.total, "ms", undefined, `target ≤ 2000 ms; ${detail}; first start ${phases.total[0]!.toFixed(0)} ms`),
      );
    } finally {
      await prosody.stop({ removeDir: true });
    }
    rows.push(storeOpen(path));
    rows.push(row("coldstart", `writing the ${ROOMS.toLocaleString("en")} rooms (putRoom, one commit each)`, writeMs / 1000, "s", undefined, "set-up"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
