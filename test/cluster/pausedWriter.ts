/**
 * A gateway process for the fencing test: it holds a user's lease and writes through a fenced
 * PostgreSQL store, and the test pauses it with SIGSTOP. Lines on stdin drive it, lines on stdout
 * report:
 *
 * - at start: `ready <token>` once it holds the lease, stored the room and one message (`m1`);
 * - `arm <ms>` → `armed`, and `<ms>` later it archives `m2`: then `stored`, or `refused <error name> <token>`;
 * - `freeze-in-batch <ms>` → archives and commits `m1b`, then archives `m2` in an open batch, says `in-batch` and freezes its event
 *   loop for `<ms>` before the commit; then `committed` with `lost:<id>:<error name>` for each lost message;
 * - a lost lease → `lost <user>`;
 * - `exit` → closes the store and the leases, and exits.
 *
 * Arguments: connection string, schema, user, lease time in ms.
 */
import { createInterface } from "node:readline";
import { createLeases } from "../../src/cluster/leases.js";
import { LeaseLostError } from "../../src/store/errors.js";
import { createPostgresStore } from "../../src/store/postgresStore.js";

const [connectionString = "", schema = "", user = "", ttl = "1000"] = process.argv.slice(2);
const ROOM = "coven@gw.example";
const say = (line: string) => process.stdout.write(`${line}\n`);
const message = (id: string) => ({
  user,
  room: ROOM,
  stanzaId: id,
  timestamp: Date.now(),
  authorJid: `${ROOM}/a`,
  source: "live" as const,
  xml: `<message type="groupchat"><body>${id}</body></message>`,
});

const leases = await createLeases({ connectionString, schema, owner: `paused-${process.pid}`, ttlMs: Number(ttl) });
const onError = (error: unknown) => say(`store-error ${error instanceof Error ? error.message : String(error)}`);
const options = { fencing: leases, retentionDays: Number.POSITIVE_INFINITY, maxConnections: 2, groupCommitMs: 400, onError };
const store = await createPostgresStore({ connectionString, schema, ...options });
leases.on("lost", (lost) => say(`lost ${lost}`));
const lease = await leases.acquire(user);
if (!("token" in lease)) throw new Error(`the paused writer could not take ${user}: held by ${lease.heldBy}`);
await store.putRoom({ user, room: ROOM, legacyId: "coven", type: "group" });
await store.archive(message("m1"));
await store.commit();
say(`ready ${lease.token}`);

for await (const line of createInterface({ input: process.stdin })) {
  const [command, arg] = line.split(" ");
  if (command === "arm") {
    setTimeout(() => {
      store.archive(message("m2")).then(
        () => say("stored"),
        (error: unknown) => say(error instanceof LeaseLostError ? `refused ${error.name} ${error.token}` : `failed ${String(error)}`),
      );
    }, Number(arg));
    say("armed");
  } else if (command === "freeze-in-batch") {
    // m2 is written in an open batch; before its commit, the event loop freezes for `arg` ms. A
    // batch right after a commit stays open groupCommitMs (the first after a quiet spell would not).
    await store.archive(message("m1b"));
    await store.commit();
    store.archive(message("m2")).then(() => {
      say("in-batch");
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(arg));
    });
    store.afterCommit((lost) => say(`committed ${lost.map((m) => `lost:${m.stanzaId}:${(m.error as Error).name}`).join(" ")}`.trim()));
  } else if (command === "exit") {
    break;
  }
}
await store.close();
await leases.close();
process.stdin.destroy();
