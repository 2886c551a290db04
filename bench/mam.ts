/**
 * mam: MAM page latency on a room archive of {@link ARCHIVE_SIZE} messages, written through the
 * store's `archiveMany`. First `store.queryArchive()` alone, for every kind of page a client asks
 * for; then end to end: a real client's MAM query (XEP-0313) through Prosody to the gateway
 * until the iq result after the page, with the store-level time of the same kind as baseline.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xml as clientXml } from "@xmpp/client";
import type { MamQuery } from "../src/store/mam.js";
import { openSqliteStore } from "../src/store/sqliteStore.js";
import type { ArchiveInput, Store } from "../src/store/types.js";
import { startProsody } from "../src/testbed/prosody.js";
import { type Row, median, quantile, row } from "./stats.js";
import { type Client, PASSWORD, connectClient, log, nextStanza, startFixtureGateway, stopClients, stopGateway } from "./xmpp.js";

const ARCHIVE_SIZE = Number(process.env.BENCH_ARCHIVE ?? 1_000_000);
const BATCH = 5_000;
const QUERIES = 300;
const E2E_QUERIES = 200;
const USER = "alice@localhost";
const ROOM = "big@muc.localhost";
const KEY = { user: USER, room: ROOM };
const T0 = Date.UTC(2024, 0, 1);
const AUTHORS = 50;

const author = (n: number) => `${ROOM}/u${n % AUTHORS}`;
/** A message id away from both ends, so that pages before and after it are full. */
const pick = (i: number) => `s${50 + ((i * 7919) % (ARCHIVE_SIZE - 100))}`;

function message(n: number): ArchiveInput {
  const xml = `<message xmlns="jabber:client" type="groupchat" from="${author(n)}" to="${USER}" id="s${n}"><body>message number ${n}</body><stanza-id xmlns="urn:xmpp:sid:0" id="s${n}" by="${ROOM}"/></message>`;
  return { ...KEY, stanzaId: `s${n}`, legacyId: `l${n}`, timestamp: T0 + n * 1000, authorJid: author(n), source: "backfill", xml };
}

/** Fills the archive; returns messages/s. */
function fill(store: Store): number {
  store.putRoom({ ...KEY, legacyId: "big", type: "group" });
  const t0 = performance.now();
  for (let n = 0; n < ARCHIVE_SIZE; n += BATCH) store.archiveMany(Array.from({ length: Math.min(BATCH, ARCHIVE_SIZE - n) }, (_, i) => message(n + i)));
  return ARCHIVE_SIZE / ((performance.now() - t0) / 1000);
}

/** The kinds of page a client asks for, as store queries. */
const KINDS: Array<[string, (i: number) => MamQuery]> = [
  ["last page (before='', max 50)", () => ({ before: "", max: 50 })],
  ["page before an id (max 50)", (i) => ({ before: pick(i), max: 50 })],
  ["page after an id (max 50)", (i) => ({ after: pick(i), max: 50 })],
  ["catch-up since a date (start, max 50)", (i) => ({ start: T0 + ((i * 7919) % ARCHIVE_SIZE) * 1000, max: 50 })],
  ["with = one of 50 authors, last page", (i) => ({ with: author(i), before: "", max: 50 })],
  ["ids (3 ids)", (i) => ({ ids: [pick(i), pick(i + 1), pick(i + 2)] })],
];

/** p50 and p99 of `queryArchive`, per kind. */
function storeLatencies(store: Store): Map<string, { p50: number; p99: number }> {
  const out = new Map<string, { p50: number; p99: number }>();
  for (const [name, make] of KINDS) {
    for (let i = 0; i < 20; i++) store.queryArchive(KEY, make(QUERIES + i));
    const times: number[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const query = make(i);
      const start = performance.now();
      store.queryArchive(KEY, query);
      times.push(performance.now() - start);
    }
    out.set(name, { p50: median(times), p99: quantile(times, 0.99) });
  }
  return out;
}

/** The same pages as XEP-0313 queries from a client (RSM `before`/`after`, max 50). */
const E2E: Array<[string, (i: number) => ReturnType<typeof clientXml>[]]> = [
  ["last page (before='', max 50)", () => [clientXml("before")]],
  ["page before an id (max 50)", (i) => [clientXml("before", {}, pick(i))]],
  ["page after an id (max 50)", (i) => [clientXml("after", {}, pick(i))]],
];

async function query(alice: Client, n: number, rsm: ReturnType<typeof clientXml>[]): Promise<number> {
  const id = `q${n}`;
  let results = 0;
  const count = (s: { name: string; getChild(name: string, ns?: string): unknown }) => {
    if (s.name === "message" && s.getChild("result", "urn:xmpp:mam:2")) results++;
  };
  alice.on("stanza", count as never);
  const answered = nextStanza(alice, (s) => s.is("iq") && s.attrs.id === id, 30_000, `MAM answer ${id}`);
  const t0 = performance.now();
  await alice.send(
    clientXml(
      "iq",
      { type: "set", to: ROOM, id },
      clientXml("query", { xmlns: "urn:xmpp:mam:2", queryid: id }, clientXml("set", { xmlns: "http://jabber.org/protocol/rsm" }, clientXml("max", {}, "50"), ...rsm)),
    ),
  );
  const answer = await answered;
  const ms = performance.now() - t0;
  alice.removeListener("stanza", count as never);
  if (answer.attrs.type !== "result") throw new Error(`MAM query failed: ${answer.toString()}`);
  if (results !== 50) throw new Error(`MAM query ${id}: ${results} results, expected 50`);
  return ms;
}

/** Runs the mam benchmark. */
export async function mamBench(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), "mucstate-bench-mam-"));
  const path = join(dir, "mam.sqlite");
  const rows: Row[] = [];
  try {
    const writer = openSqliteStore(path, { retentionDays: Number.POSITIVE_INFINITY });
    const rate = fill(writer);
    writer.close();
    log(`archived ${ARCHIVE_SIZE} at ${rate.toFixed(0)}/s`);
    rows.push(row("mam", `archiveMany: ${ARCHIVE_SIZE.toLocaleString("en")} messages into one room, batches of ${BATCH}`, rate, "msg/s", undefined, "set-up of the archive below"));

    const store = openSqliteStore(path, { retentionDays: Number.POSITIVE_INFINITY });
    const local = storeLatencies(store);
    for (const [name, { p50, p99 }] of local) {
      rows.push(row("mam", `store.queryArchive: ${name}, p50`, p50, "ms", undefined, `p99 ${p99.toFixed(2)} ms; ${ARCHIVE_SIZE.toLocaleString("en")} messages in the room`));
    }

    const prosody = await startProsody({ components: ["muc.localhost"] });
    try {
      await prosody.registerUser("alice", PASSWORD);
      const gateway = await startFixtureGateway(prosody, "muc.localhost", [USER], [{ id: "big", userNick: "alice" }], store);
      const alice = await connectClient(prosody.c2sPort, "alice", "mam");
      try {
        let n = 0;
        for (const [name, make] of E2E) {
          for (let i = 0; i < 20; i++) await query(alice, n++, make(E2E_QUERIES + i));
          const times: number[] = [];
          for (let i = 0; i < E2E_QUERIES; i++) times.push(await query(alice, n++, make(i)));
          const p99 = quantile(times, 0.99);
          rows.push(
            row("mam", `through Prosody: ${name}, p50`, median(times), "ms", local.get(name)!.p50, `p99 ${p99.toFixed(2)} ms; client iq → 50 results + fin; baseline: store.queryArchive alone`),
          );
        }
      } finally {
        await stopClients([alice]);
        await stopGateway(gateway);
      }
    } finally {
      store.close();
      await prosody.stop({ removeDir: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
