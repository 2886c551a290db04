import Database from "better-sqlite3";
import { rmSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
const { MIGRATIONS } = await import("/work/main/dist/store/migrations.js");
const xmlText = `<message xmlns="jabber:client" type="groupchat" from="room@muc.localhost/bob" to="alice@localhost" id="XXXX"><body>m message number 1234</body><stanza-id xmlns="urn:xmpp:sid:0" id="abcdefabcdefabcdef" by="room@muc.localhost"/><occupant-id xmlns="urn:xmpp:occupant-id:0" id="abcdefabcdefabcdefabcdefabcdefabcdef"/></message>`;
function run(name, { ckpt, savepoint = true, select = true, trigger = true, fk = true, indexes = 4 }) {
  rmSync("/tmp/mb/db", { recursive: true, force: true }); mkdirSync("/tmp/mb/db");
  const db = new Database("/tmp/mb/db/r.sqlite");
  db.pragma("journal_mode = WAL"); db.pragma("synchronous = NORMAL"); db.pragma(`foreign_keys = ${fk ? "ON" : "OFF"}`);
  if (ckpt !== undefined) db.pragma(`wal_autocheckpoint = ${ckpt}`);
  for (const m of MIGRATIONS) db.exec(m);
  if (!trigger) db.exec("DROP TRIGGER archive_count_insert");
  if (indexes < 4) db.exec("DROP INDEX archive_author");
  db.prepare("INSERT INTO rooms (user_jid, room_jid, legacy_id, type) VALUES ('a','r','r','group')").run();
  const ins = db.prepare("INSERT INTO archive (room_id, stanza_id, legacy_id, timestamp, author_jid, live_run, xml) VALUES (?, ?, ?, ?, ?, ?, ?)");
  const sel = db.prepare("SELECT seq FROM archive WHERE room_id = ? AND stanza_id = ?");
  const write = (n) => { if (select) sel.get(1, `s${n}`); ins.run(1, `s${n}`, null, Date.now(), "room@muc.localhost/bob", 1, xmlText); };
  const tx = db.transaction(write);
  const begin = db.prepare("BEGIN"), commit = db.prepare("COMMIT");
  const N = 100000, B = 100;
  const t0 = performance.now();
  for (let n = 0; n < N; ) { begin.run(); for (let i = 0; i < B; i++, n++) savepoint ? tx(n) : write(n); commit.run(); }
  const t = performance.now() - t0;
  console.log(name.padEnd(30), `${((t * 1000) / N).toFixed(1)} µs/msg`);
  db.close();
}
run("current", {});
run("autocheckpoint 10000", { ckpt: 10000 });
run("no savepoint", { savepoint: false });
run("no select", { select: false });
run("no trigger", { trigger: false });
run("no fk", { fk: false });
run("3 indexes", { indexes: 3 });
run("all off", { savepoint: false, select: false, trigger: false, fk: false, ckpt: 10000 });
