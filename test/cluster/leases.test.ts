/**
 * User leases in a real PostgreSQL (the test bed): who may serve a user's rooms, and the tokens
 * that fence the store's writes. Two lease managers in one test stand for two gateway processes.
 */
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { type AcquireResult, createLeases, type LeaseOptions, type Leases } from "../../src/cluster/leases.js";
import { postgresSchema, stopPostgresAfterAll } from "../store/helpers.js";

const U = "juliet@capulet.lit";

stopPostgresAfterAll();
const opened: Leases[] = [];
const clients: pg.Client[] = [];
afterEach(async () => {
  for (const leases of opened.splice(0)) await leases.close();
  for (const client of clients.splice(0)) await client.end();
});

type Where = { connectionString: string; schema: string };

async function manager(where: Where, owner: string, options: Partial<LeaseOptions> = {}): Promise<Leases> {
  const leases = await createLeases({ ...where, owner, ...options });
  opened.push(leases);
  return leases;
}

/** Two processes on one fresh schema, and a plain connection to look at the rows. */
async function two(options: Partial<LeaseOptions> = {}) {
  const where = await postgresSchema();
  const a = await manager(where, "A", options);
  const b = await manager(where, "B", options);
  const admin = new pg.Client({ connectionString: where.connectionString, options: `-c search_path=${where.schema}` });
  await admin.connect();
  clients.push(admin);
  const row = async (user = U) => (await admin.query("SELECT owner, token::int AS token FROM user_leases WHERE user_jid = $1", [user])).rows[0];
  /** What a process paused past its lease looks like to the database. */
  const expire = (user = U) => admin.query("UPDATE user_leases SET expires_at = now() - interval '1 millisecond' WHERE user_jid = $1", [user]);
  /** The row with its `adopted` mark (schema version 3). */
  const adoptedRow = async (user = U) =>
    (await admin.query("SELECT owner, token::int AS token, adopted FROM user_leases WHERE user_jid = $1", [user])).rows[0];
  return { where, a, b, admin, row, expire, adoptedRow };
}

const tokenOf = (result: AcquireResult) => ("token" in result ? result.token : undefined);

describe("user leases in PostgreSQL", () => {
  it("grants a free user with token 1; another process is told who holds it and for how long", async () => {
    const { a, b, row } = await two();
    expect(await a.acquire(U)).toEqual({ token: 1 });
    const refused = await b.acquire(U);
    expect(refused).toMatchObject({ heldBy: "A" });
    if ("token" in refused) throw new Error("unreachable");
    // A lease of 10 s taken just before: in the future, and no later than the lease time.
    expect(refused.expiresInMs).toBeGreaterThan(0);
    expect(refused.expiresInMs).toBeLessThanOrEqual(10_000);
    expect(refused.expiresAt).toBeInstanceOf(Date);
    expect(await row()).toEqual({ owner: "A", token: 1 });
    expect(b.tokenOf(U)).toBeUndefined();
    expect(a.held()).toEqual(new Map([[U, 1]]));
  });

  it("keeps the token when the holder acquires again", async () => {
    const { a } = await two();
    expect(await a.acquire(U)).toEqual({ token: 1 });
    expect(await a.acquire(U)).toEqual({ token: 1 });
  });

  it("lets another process take an expired lease over with the next token, and tells the old holder at its renewal", async () => {
    const { a, b, row, expire } = await two();
    const lost: Array<[string, number]> = [];
    a.on("lost", (user, token) => lost.push([user, token]));
    await a.acquire(U);
    await expire();
    expect(await b.acquire(U)).toEqual({ token: 2 });
    expect(await row()).toEqual({ owner: "B", token: 2 });
    expect(await a.renew()).toEqual([U]);
    expect(lost).toEqual([[U, 1]]);
    expect(a.tokenOf(U)).toBeUndefined();
    expect(await a.acquire(U)).toMatchObject({ heldBy: "B" });
  });

  it("tells a holder that asks for its user again after a takeover that it lost it, before any renewal", async () => {
    const { a, b, expire } = await two();
    const lost: string[] = [];
    a.on("lost", (user) => lost.push(user));
    await a.acquire(U);
    await expire();
    await b.acquire(U);
    expect(await a.acquire(U)).toMatchObject({ heldBy: "B" });
    expect(lost).toEqual([U]);
    expect(a.tokenOf(U)).toBeUndefined();
  });

  it("bumps the token at every change of holder, never back", async () => {
    const { a, b, expire } = await two();
    const tokens: Array<number | undefined> = [];
    for (let round = 0; round < 6; round++) {
      const next = round % 2 === 0 ? a : b;
      if (round > 0) await expire();
      tokens.push(tokenOf(await next.acquire(U)));
      if (round === 3) await next.release(U); // a release frees it too, and the next holder still gets a new token
    }
    expect(tokens).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("renews every held lease on its timer, so no other process can take them", async () => {
    const { a, b } = await two({ ttlMs: 300, renewMs: 100 });
    const users = ["u1@x", "u2@x", "u3@x"];
    for (const u of users) await a.acquire(u);
    await new Promise((r) => setTimeout(r, 900)); // three lease times
    for (const u of users) expect(await b.acquire(u)).toMatchObject({ heldBy: "A" });
    expect(a.held().size).toBe(3);
  });

  it("counts a lease as lost when no renewal got through for half the lease time (the database hangs), before it can expire there", async () => {
    const { a, admin } = await two({ ttlMs: 3_000, renewMs: 500 });
    const lost: Array<[string, number]> = [];
    a.on("lost", (user, token) => lost.push([user, token]));
    await a.acquire(U);
    // Every renewal now waits for the lock: to the process, the database stopped answering.
    await admin.query("BEGIN");
    await admin.query("LOCK TABLE user_leases IN ACCESS EXCLUSIVE MODE");
    const lockedAt = performance.now();
    try {
      for (const deadline = lockedAt + 10_000; lost.length === 0 && performance.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
      const [{ left }] = (await admin.query("SELECT (extract(epoch FROM expires_at - clock_timestamp()) * 1000)::int AS left FROM user_leases WHERE user_jid = $1", [U])).rows;
      console.info(`lost ${Math.round(performance.now() - lockedAt)} ms after the database stopped answering; ${left} ms before the lease expires there`);
    } finally {
      await admin.query("ROLLBACK");
    }
    expect(lost).toEqual([[U, 1]]);
    expect(a.tokenOf(U)).toBeUndefined();
    expect(a.held().size).toBe(0);
  });

  it("lets a process take over at once, before expiry, when the holder's database session is gone (the holder died)", async () => {
    const { a, b, admin } = await two();
    await a.acquire(U);
    const { rows } = await admin.query("SELECT holder_pid FROM user_leases WHERE user_jid = $1", [U]);
    await admin.query("SELECT pg_terminate_backend($1)", [rows[0].holder_pid]);
    await new Promise((r) => setTimeout(r, 100)); // the backend's exit is asynchronous
    expect(await b.acquire(U)).toEqual({ token: 2 });
  });

  it("frees a released user at once, and releaseAll frees every held user in one go", async () => {
    const { a, b, row } = await two();
    for (const u of [U, "romeo@montague.lit", "nurse@capulet.lit"]) await a.acquire(u);
    await a.release(U);
    expect(a.tokenOf(U)).toBeUndefined();
    expect(await row()).toEqual({ owner: null, token: 1 });
    expect(await b.acquire(U)).toEqual({ token: 2 });
    await a.releaseAll();
    expect(a.held().size).toBe(0);
    expect(await b.acquire("romeo@montague.lit")).toEqual({ token: 2 });
    expect(await b.acquire("nurse@capulet.lit")).toEqual({ token: 2 });
    await a.release("nobody@x"); // not held: nothing to do
    await b.close(); // a clean shutdown releases everything
    expect(await a.acquire(U)).toEqual({ token: 3 });
    await expect(b.acquire(U)).rejects.toThrow(/leases of B are closed/);
  });

  it("gives each of 50 contested users to exactly one of two racing processes, new and expired leases alike", async () => {
    const { a, b, expire } = await two();
    const users = Array.from({ length: 50 }, (_, i) => `racer${i}@x`);
    for (const u of users.slice(25)) {
      await a.acquire(u);
      await expire(u);
      await a.release(u); // the other half: an existing row, free, with token 1
    }
    const results = await Promise.all(users.map((u) => Promise.all([a.acquire(u), b.acquire(u)])));
    for (const [i, [ra, rb]] of results.entries()) {
      const winners = [ra, rb].filter((r) => "token" in r);
      expect(winners, users[i]).toHaveLength(1);
      expect(tokenOf(winners[0]!)).toBe(i < 25 ? 1 : 2);
      const loser = "token" in ra ? rb : ra;
      expect(loser).toMatchObject({ heldBy: "token" in ra ? "A" : "B" });
    }
  });

  it("refuses bad options with a TypeError naming the option, before connecting", async () => {
    const where = { connectionString: "postgresql://nobody@127.0.0.1:1/x" };
    await expect(createLeases({ ...where, owner: "" })).rejects.toThrow(/owner option must be a non-empty string/);
    await expect(createLeases({ ...where, owner: "A", ttlMs: 50 })).rejects.toThrow(/ttlMs option must be an integer from 100 to 600000/);
    await expect(createLeases({ ...where, owner: "A", ttlMs: 1_000, renewMs: 500 })).rejects.toThrow(/renewMs option must be an integer from 1 to 499/);
    await expect(createLeases({ owner: "A" })).rejects.toThrow(/connectionString option must be given, or else pool/);
    await expect(createLeases({ ...where, owner: "A", schema: "x; DROP" })).rejects.toThrow(/schema option must be a lower-case identifier/);
    await expect(createLeases({ ...where, owner: "A", lockTimeoutMs: 0 })).rejects.toThrow(TypeError);
  });
});

describe("adopting a dead process's users (Leases.adopt)", () => {
  /** A holds `users`, then dies: its lease connection's server process is terminated. */
  async function deadHolder(users: string[]) {
    const setup = await two();
    for (const u of users) await setup.a.acquire(u);
    const { rows } = await setup.admin.query("SELECT DISTINCT holder_pid FROM user_leases WHERE owner = 'A'");
    for (const r of rows) await setup.admin.query("SELECT pg_terminate_backend($1)", [r.holder_pid]);
    await new Promise((r) => setTimeout(r, 100)); // the backend's exit is asynchronous
    return setup;
  }

  it("takes every lease of the dead holder with the next token, marked adopted, and tells the listeners; a live holder's users stay with it", async () => {
    const { b, where, adoptedRow } = await deadHolder([U, "romeo@montague.lit"]);
    const c = await manager(where, "C");
    await c.acquire("nurse@capulet.lit");
    const heard: Array<[string, number]> = [];
    b.on("adopted", (user, token) => heard.push([user, token]));
    const adopted = await b.adopt("A");
    expect(new Map([...adopted].sort())).toEqual(new Map([["juliet@capulet.lit", 2], ["romeo@montague.lit", 2]]));
    expect(heard.sort()).toEqual([["juliet@capulet.lit", 2], ["romeo@montague.lit", 2]]);
    expect(await adoptedRow()).toEqual({ owner: "B", token: 2, adopted: true });
    expect([b.tokenOf(U), b.isAdopted(U)]).toEqual([2, true]);
    expect((await b.adopt("C")).size).toBe(0); // C is alive
    expect(await adoptedRow("nurse@capulet.lit")).toEqual({ owner: "C", token: 1, adopted: false });
    expect((await b.adopt("B")).size).toBe(0);
  });

  it("takes the expired leases of a holder that hangs (its connection is still there)", async () => {
    const { a, b, expire, adoptedRow } = await two();
    await a.acquire(U);
    expect((await b.adopt("A")).size).toBe(0); // alive and within its lease
    await expire();
    expect(await b.adopt("A")).toEqual(new Map([[U, 2]]));
    expect(await adoptedRow()).toEqual({ owner: "B", token: 2, adopted: true });
  });

  it("lets the process a stanza of the user reaches take an adopted lease at once (ejabberd routes the user there); the adopter hears lost at its renewal", async () => {
    const { b, where, adoptedRow } = await deadHolder([U]);
    await b.adopt("A");
    const lost: Array<[string, number]> = [];
    b.on("lost", (user, token) => lost.push([user, token]));
    const d = await manager(where, "D");
    expect(await d.acquire(U)).toEqual({ token: 3 });
    expect(await adoptedRow()).toEqual({ owner: "D", token: 3, adopted: false });
    expect(await b.renew()).toEqual([U]);
    expect(lost).toEqual([[U, 2]]);
    expect([b.tokenOf(U), b.isAdopted(U)]).toEqual([undefined, false]);
  });

  it("makes an adopted lease firm when the adopter acquires it (a stanza of the user reached it): same token, and others are refused", async () => {
    const { b, where, adoptedRow } = await deadHolder([U]);
    await b.adopt("A");
    expect(await b.acquire(U)).toEqual({ token: 2 });
    expect([b.tokenOf(U), b.isAdopted(U)]).toEqual([2, false]);
    expect(await adoptedRow()).toEqual({ owner: "B", token: 2, adopted: false });
    const d = await manager(where, "D");
    expect(await d.acquire(U)).toMatchObject({ heldBy: "B" });
  });

  it("without an owner name, takes the free leases of every other holder, and none of a live one or a released one", async () => {
    const { b, where, admin, adoptedRow } = await deadHolder([U]);
    const c = await manager(where, "C");
    await c.acquire("nurse@capulet.lit");
    await admin.query(
      `INSERT INTO user_leases (user_jid, owner, token, expires_at, holder_pid) VALUES
         ('romeo@montague.lit', 'F', 2, now() - interval '1 millisecond', NULL),
         ('tybalt@capulet.lit', NULL, 4, now(), NULL)`,
    );
    const adopted = await b.adopt();
    expect(new Map([...adopted].sort())).toEqual(new Map([["juliet@capulet.lit", 2], ["romeo@montague.lit", 3]]));
    expect(await adoptedRow()).toEqual({ owner: "B", token: 2, adopted: true });
    expect(await adoptedRow("nurse@capulet.lit")).toEqual({ owner: "C", token: 1, adopted: false });
    expect(await adoptedRow("tybalt@capulet.lit")).toEqual({ owner: null, token: 4, adopted: false });
  });

  it("refuses a bad owner name, and adopts nothing once closed", async () => {
    const { b } = await two();
    await expect(b.adopt("")).rejects.toThrow(/adopt: from must be an owner name/);
    await b.close();
    await expect(b.adopt("A")).rejects.toThrow(/closed/);
  });
});
