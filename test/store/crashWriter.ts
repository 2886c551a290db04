/**
 * Child process of the crash test: archives live messages forever, a few per event-loop turn,
 * each one followed by a duplicate delivery of the previous legacy message, and "fans out" each
 * through a real {@link Outbox} gated by the store's group commit: the outbox's connection
 * prints the number of every message it writes. The test kills it with SIGKILL. Usage:
 * `node --import tsx test/store/crashWriter.ts <database file>`.
 */
import { writeSync } from "node:fs";
import { xml } from "@xmpp/component";
import { openSqliteStore } from "../../src/store/sqliteStore.js";
import { Outbox } from "../../src/transport/outbox.js";

const path = process.argv[2];
if (!path) throw new Error("usage: crashWriter.ts <database file>");
const key = { user: "juliet@capulet.lit", room: "coven@gw.example" };
const store = openSqliteStore(path, { retentionDays: Number.POSITIVE_INFINITY });
store.putRoom({ ...key, legacyId: "coven", type: "group" });

const connection = {
  status: "online",
  socket: null,
  on: () => connection,
  async write(data: string) {
    for (const [, id] of data.matchAll(/ id="(\d+)"/g)) writeSync(1, `${id}\n`);
  },
};
const outbox = new Outbox(connection, { domain: "gw.example", barrier: store });

const live = (n: number, stanzaId: string) => ({
  ...key,
  stanzaId,
  legacyId: `legacy-${n}`,
  timestamp: Date.UTC(2024, 0, 1) + n,
  authorJid: `${key.room}/witch`,
  source: "live" as const,
  xml: `<message type="groupchat"><body>${n}</body></message>`,
});

let n = 0;
function turn(): void {
  // 1 to 40 messages a turn, so that batches of many sizes are cut by the kill.
  for (let k = 1 + (n % 40); k > 0; k--, n++) {
    store.archive(live(n, `s-${n}`));
    if (n > 0) store.archive(live(n - 1, `dup-${n - 1}`));
    outbox.send(xml("message", { from: key.room, to: key.user, id: String(n) }));
  }
  setImmediate(turn);
}
turn();
