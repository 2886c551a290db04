/**
 * Child process of the crash test: archives live messages forever, each one followed by a
 * duplicate delivery of the previous legacy message, and prints the number of every message
 * once `archive()` returned (the moment the gateway would fan it out). The test kills it with
 * SIGKILL. Usage: `node --import tsx test/store/crashWriter.ts <database file>`.
 */
import { writeSync } from "node:fs";
import { openSqliteStore } from "../../src/store/sqliteStore.js";

const path = process.argv[2];
if (!path) throw new Error("usage: crashWriter.ts <database file>");
const key = { user: "juliet@capulet.lit", room: "coven@gw.example" };
const store = openSqliteStore(path, { retentionDays: Number.POSITIVE_INFINITY });
store.putRoom({ ...key, legacyId: "coven", type: "group" });

const live = (n: number, stanzaId: string) => ({
  ...key,
  stanzaId,
  legacyId: `legacy-${n}`,
  timestamp: Date.UTC(2024, 0, 1) + n,
  authorJid: `${key.room}/witch`,
  source: "live" as const,
  xml: `<message type="groupchat"><body>${n}</body></message>`,
});

for (let n = 0; ; n++) {
  store.archive(live(n, `s-${n}`));
  if (n > 0) store.archive(live(n - 1, `dup-${n - 1}`));
  writeSync(1, `${n}\n`);
}
