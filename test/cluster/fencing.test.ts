/**
 * Fencing of the PostgreSQL store's writes by the users' lease tokens, on a real PostgreSQL: a
 * gateway process paused past its lease (SIGSTOP) that wakes up cannot write over the process
 * that took its user over.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { createLeases, type Leases } from "../../src/cluster/leases.js";
import type { AsyncStore } from "../../src/store/asyncTypes.js";
import { LeaseLostError } from "../../src/store/errors.js";
import { createPostgresStore } from "../../src/store/postgresStore.js";
import { postgresSchema, stopPostgresAfterAll } from "../store/helpers.js";

const U = "juliet@capulet.lit";
const ROOM = "coven@gw.example";
const TTL = 1_000;

stopPostgresAfterAll();
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const message = (id: string) => ({
  user: U,
  room: ROOM,
  stanzaId: id,
  timestamp: Date.now(),
  authorJid: `${ROOM}/b`,
  source: "live" as const,
  xml: `<message type="groupchat"><body>${id}</body></message>`,
});

/** A process of the gateway in this test's process: leases and a fenced store. */
async function gateway(where: { connectionString: string; schema: string }, owner: string, groupCommitMs?: number, ttlMs = TTL) {
  const leases: Leases = await createLeases({ ...where, owner, ttlMs });
  const store: AsyncStore = await createPostgresStore({ ...where, fencing: leases, retentionDays: Number.POSITIVE_INFINITY, maxConnections: 2, groupCommitMs });
  cleanup.push(() => leases.close(), () => store.close());
  return { leases, store };
}

async function stanzaIds(where: { connectionString: string; schema: string }): Promise<string[]> {
  const client = new pg.Client({ connectionString: where.connectionString, options: `-c search_path=${where.schema}` });
  await client.connect();
  try {
    return (await client.query("SELECT stanza_id FROM archive ORDER BY seq")).rows.map((r) => r.stanza_id);
  } finally {
    await client.end();
  }
}

/** The paused writer (test/cluster/pausedWriter.ts) as a child process, with its stdout as lines. */
function startPausedWriter(where: { connectionString: string; schema: string }) {
  const script = new URL("./pausedWriter.ts", import.meta.url).pathname;
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", script, where.connectionString, where.schema, U, String(TTL)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  cleanup.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGCONT");
      child.kill("SIGKILL");
    }
  });
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    lines.push(line);
    for (const wake of waiters.splice(0)) wake();
  });
  /** Resolves with the first line matching `pattern`, waiting for it. */
  const line = async (pattern: RegExp): Promise<string> => {
    for (;;) {
      const found = lines.find((l) => pattern.test(l));
      if (found) return found;
      if (child.exitCode !== null) throw new Error(`the paused writer exited (${child.exitCode}); it said: ${lines.join(" | ")}`);
      await new Promise<void>((wake) => waiters.push(wake));
    }
  };
  const send = (text: string) => child.stdin!.write(`${text}\n`);
  /** Whether it has said a line matching `pattern` so far, without waiting. */
  const said = (pattern: RegExp) => lines.some((l) => pattern.test(l));
  return { child, line, said, send };
}

describe("fencing the PostgreSQL store with user leases", () => {
  it("refuses a fencing option that is not a Leases, or whose lease time a batch could outlast, before connecting", async () => {
    const at = { connectionString: "postgresql://nobody@127.0.0.1:1/x" };
    const tokens = { tokenOf: () => 1, ttlMs: 1_000 };
    await expect(createPostgresStore({ ...at, fencing: {} as never })).rejects.toThrow(/fencing option must be the Leases of createLeases/);
    await expect(createPostgresStore({ ...at, fencing: tokens, groupCommitMs: 800 })).rejects.toThrow(
      /fencing option must be leases whose ttlMs is more than twice groupCommitMs \(1600 ms\), got 1000/,
    );
  });

  it("refuses the late write of a process paused (SIGSTOP) past its lease and stores nothing of it; the new owner's writes succeed", async () => {
    const where = await postgresSchema();
    const a = startPausedWriter(where);
    expect(await a.line(/^ready/)).toBe("ready 1");
    a.send("arm 500"); // A will archive m2 500 ms from now: it is frozen before that
    await a.line(/^armed$/);
    a.child.kill("SIGSTOP");

    const b = await gateway(where, "B");
    let lease = await b.leases.acquire(U);
    while (!("token" in lease)) {
      expect(lease.heldBy).toMatch(/^paused-/);
      await new Promise((r) => setTimeout(r, ("expiresInMs" in lease ? lease.expiresInMs : 0) + 20));
      lease = await b.leases.acquire(U);
    }
    expect(lease.token).toBe(2);
    await b.store.archive(message("m3"));
    expect(await b.store.commit()).toEqual([]);

    // Its timers are overdue. Whichever runs first: the renewal timer's local deadline (no renewal
    // for half a lease time) drops the lease, and m2 is refused before it is sent (token undefined);
    // or m2 goes out with token 1 and the database's check refuses it. Either way nothing is stored.
    a.child.kill("SIGCONT");
    expect(await a.line(/^(refused|stored|failed)/)).toMatch(/^refused LeaseLostError (1|undefined)$/);
    await a.line(/^lost /); // and A is told
    expect(await stanzaIds(where)).toEqual(["m1", "m3"]);
    await b.store.archive(message("m4"));
    await b.store.commit();
    expect(await stanzaIds(where)).toEqual(["m1", "m3", "m4"]);
    a.send("exit");
    a.child.stdin!.end();
    await new Promise((r) => a.child.once("exit", r));
  });

  it("lets PostgreSQL end a writer frozen inside its batch, so the takeover goes on, and the batch's replay is refused", async () => {
    const where = await postgresSchema();
    const a = startPausedWriter(where);
    expect(await a.line(/^ready/)).toBe("ready 1");
    a.send("freeze-in-batch 2500"); // longer than the lease (1 s), the writer's idle limit
    await a.line(/^in-batch$/);
    const b = await gateway(where, "B");
    let lease = await b.leases.acquire(U);
    while (!("token" in lease)) {
      await new Promise((r) => setTimeout(r, ("expiresInMs" in lease ? lease.expiresInMs : 0) + 20));
      lease = await b.leases.acquire(U);
    }
    expect(lease.token).toBe(2);
    expect(a.said(/^committed/)).toBe(false); // before A woke (it says nothing while frozen): its lock was gone
    await b.store.archive(message("m3"));
    await b.store.commit();
    expect(await a.line(/^committed/)).toBe("committed lost:m2:LeaseLostError");
    expect(await stanzaIds(where)).toEqual(["m1", "m1b", "m3"]);
    a.send("exit");
    a.child.stdin!.end();
    await new Promise((r) => a.child.once("exit", r));
  });

  it("makes a takeover wait for the holder's open batch, which commits before the new owner reads", async () => {
    const where = await postgresSchema();
    // A batch opened right after a commit stays open 800 ms; A renews every 20 s, so the test
    // can expire its lease by hand, as if it were paused.
    const a = await gateway(where, "A", 800, 60_000);
    const b = await gateway(where, "B");
    await a.leases.acquire(U);
    await a.store.putRoom({ user: U, room: ROOM, legacyId: "coven", type: "group" });
    await a.store.archive(message("m1"));
    await a.store.commit();
    await a.store.archive(message("m2")); // checked and written in a batch that commits ~800 ms from now
    const admin = new pg.Client({ connectionString: where.connectionString, options: `-c search_path=${where.schema}` });
    await admin.connect();
    await admin.query("UPDATE user_leases SET expires_at = now() WHERE user_jid = $1", [U]);
    await admin.end();
    const started = performance.now();
    expect(await b.leases.acquire(U)).toEqual({ token: 2 });
    expect(performance.now() - started).toBeGreaterThan(300); // it waited for A's batch
    expect(a.store.uncommitted).toBe(false);
    expect((await b.store.queryArchive({ user: U, room: ROOM })).messages.map((m) => m.stanzaId)).toEqual(["m1", "m2"]);
    await expect(a.store.archive(message("m3"))).rejects.toBeInstanceOf(LeaseLostError);
    await expect(a.store.putParticipant({ user: U, room: ROOM }, { nickname: "x", resource: "x", affiliation: "member", role: "participant", occupantId: "o" })).rejects.toThrow(
      /lease of juliet@capulet.lit was taken over: fencing token 1/,
    );
  });

  it("refuses the writes for a user whose lease this process never held, and lets the rest of the batch commit", async () => {
    const where = await postgresSchema();
    const a = await gateway(where, "A");
    await a.leases.acquire(U);
    await a.store.putRoom({ user: U, room: ROOM, legacyId: "coven", type: "group" });
    const other = { user: "romeo@montague.lit", room: ROOM, legacyId: "coven", type: "group" as const };
    const refused = a.store.putRoom(other);
    const kept = a.store.archive(message("m1"));
    await expect(refused).rejects.toMatchObject({ name: "LeaseLostError", condition: "service-unavailable", type: "wait", token: undefined });
    await kept;
    expect(await a.store.commit()).toEqual([]);
    expect(await stanzaIds(where)).toEqual(["m1"]);
    expect(await a.store.getRoom("romeo@montague.lit", ROOM)).toBeUndefined();
  });
});
