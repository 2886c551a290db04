/**
 * Ownership of users by gateway processes: a lease per user (bare JID) in PostgreSQL, with a
 * fencing token. See docs/scale-out.md, "Ownership (leases)".
 *
 * @module
 */
import pg from "pg";
import { sql } from "../store/postgresArchive.js";
import { migratePostgres } from "../store/postgresMigrations.js";
import { checkLeaseOptions, LEASE_DEFAULTS, type LeaseOptions } from "./leaseOptions.js";
import type { AcquireResult, LeaseEvents, Leases } from "./leaseTypes.js";
import { ADOPT, INSERT_LEASE, LOCK_ROW, LOCK_TIMEOUT, READ_ROW, RELEASE, RENEW, TAKE_LEASE } from "./leaseSql.js";

export type { LeaseOptions } from "./leaseOptions.js";
export type { AcquireResult, LeaseEvents, Leases } from "./leaseTypes.js";

type Row = { owner: string | null; expiresAt: Date; expiresInMs: number; free?: boolean };

class PgLeases implements Leases {
  readonly owner: string;
  readonly ttlMs: number;
  readonly #pool: pg.Pool;
  readonly #ownsPool: boolean;
  readonly #lockTimeout: string;
  readonly #held = new Map<string, number>();
  /** When each held lease was last confirmed (`performance.now()` before the statement went out). */
  readonly #confirmed = new Map<string, number>();
  /** Held users whose lease was adopted ({@link adopt}) and no stanza of theirs has reached this process since. */
  readonly #adopted = new Set<string>();
  readonly #listeners = { lost: new Set<LeaseEvents["lost"]>(), adopted: new Set<LeaseEvents["adopted"]>(), error: new Set<LeaseEvents["error"]>() };
  #client: pg.PoolClient;
  #broken = false;
  #tail: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout;
  #renewing = false;
  #closed: Promise<void> | undefined;

  constructor(pool: pg.Pool, ownsPool: boolean, client: pg.PoolClient, options: LeaseOptions) {
    this.owner = options.owner;
    this.ttlMs = options.ttlMs ?? LEASE_DEFAULTS.ttlMs;
    this.#pool = pool;
    this.#ownsPool = ownsPool;
    this.#lockTimeout = String(options.lockTimeoutMs ?? LEASE_DEFAULTS.lockTimeoutMs);
    this.#client = this.#watch(client);
    const renewMs = options.renewMs ?? Math.floor(this.ttlMs / 3);
    this.#timer = setInterval(() => void this.#renewOnTimer(), renewMs).unref();
  }

  acquire(user: string): Promise<AcquireResult> {
    if (typeof user !== "string" || user === "") return Promise.reject(new TypeError(`acquire: user must be a bare JID, got ${String(user)}`));
    if (this.#closed) return Promise.reject(new Error(`acquire(${user}): the leases of ${this.owner} are closed`));
    return this.#serial(async (db) => {
      const sentAt = performance.now();
      await db.query("BEGIN");
      try {
        const result = await this.#take(db, user);
        await db.query("COMMIT");
        if ("token" in result) this.#hold(user, result.token, sentAt);
        else this.#forget(user); // it was taken over before a renewal could tell
        return result;
      } catch (error) {
        await db.query("ROLLBACK").catch(() => {});
        if ((error as { code?: unknown }).code !== "55P03") throw error;
        // The lock was not granted in time: a fenced store's open batch of the holder has it.
        const [row] = await sql<Row>(db, READ_ROW, [user]);
        return held(row);
      }
    });
  }

  adopt(from?: string): Promise<ReadonlyMap<string, number>> {
    if (from !== undefined && (typeof from !== "string" || from === "")) return Promise.reject(new TypeError(`adopt: from must be an owner name, got ${String(from)}`));
    if (this.#closed) return Promise.reject(new Error(`adopt(${from ?? ""}): the leases of ${this.owner} are closed`));
    if (from === this.owner) return Promise.resolve(new Map());
    return this.#serial(async (db) => {
      const sentAt = performance.now();
      const rows = await sql<{ user: string; token: number }>(db, ADOPT, [this.owner, from ?? null, this.ttlMs]);
      const adopted = new Map(rows.map((r) => [r.user, r.token]));
      for (const [user, token] of adopted) {
        this.#hold(user, token, sentAt);
        this.#adopted.add(user);
      }
      for (const [user, token] of adopted) this.#emit("adopted", user, token);
      return adopted;
    });
  }

  tokenOf(user: string): number | undefined {
    return this.#held.get(user);
  }

  isAdopted(user: string): boolean {
    return this.#adopted.has(user);
  }

  held(): ReadonlyMap<string, number> {
    return new Map(this.#held);
  }

  renew(): Promise<string[]> {
    const users = [...this.#held.keys()];
    if (users.length === 0) return Promise.resolve([]);
    const tokens = users.map((u) => this.#held.get(u)!);
    return this.#serial(async (db) => {
      const sentAt = performance.now();
      const kept = new Set((await sql<{ user: string }>(db, RENEW, [this.owner, this.ttlMs, users, tokens])).map((r) => r.user));
      const lost = users.filter((user, i) => !kept.has(user) && this.#held.get(user) === tokens[i]);
      for (const user of lost) this.#forget(user);
      for (const user of kept) if (this.#held.has(user)) this.#confirmed.set(user, sentAt);
      return lost;
    });
  }

  release(user: string): Promise<void> {
    return this.#releaseUsers([user]);
  }

  releaseAll(): Promise<void> {
    return this.#releaseUsers([...this.#held.keys()]);
  }

  on<K extends keyof LeaseEvents>(type: K, listener: LeaseEvents[K]): () => void {
    const listeners = this.#listeners[type] as Set<LeaseEvents[K]>;
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      clearInterval(this.#timer);
      await this.releaseAll().catch((error) => this.#emit("error", error));
      await this.#tail;
      this.#client.removeAllListeners("error").on("error", () => {});
      this.#client.release(this.#broken);
      if (this.#ownsPool) await this.#pool.end().catch(() => {});
    })();
    return this.#closed;
  }

  /** Inside the open transaction: lock the row, then take it if it is free. */
  async #take(db: pg.ClientBase, user: string): Promise<AcquireResult> {
    await db.query(LOCK_TIMEOUT, [this.#lockTimeout]);
    for (let attempt = 0; attempt < 2; attempt++) {
      const [row] = await sql<Row>(db, LOCK_ROW, [user, this.owner]);
      if (row && !row.free) return held(row);
      const text = row ? TAKE_LEASE : INSERT_LEASE;
      const [taken] = await sql<{ token: number }>(db, text, [user, this.owner, this.ttlMs]);
      if (taken) return { token: taken.token };
      // Another process inserted the user's first lease meanwhile: read its row (a new snapshot).
    }
    throw new Error(`acquire(${user}): the lease row changed twice while it was being taken`);
  }

  #hold(user: string, token: number, confirmedAt: number): void {
    this.#held.set(user, token);
    this.#confirmed.set(user, confirmedAt);
    this.#adopted.delete(user); // an acquire took it for a stanza of the user (TAKE_LEASE clears the mark)
  }

  /** Drops a user this process held and found taken over (or may have been), and tells the listeners. */
  #forget(user: string): void {
    const token = this.#held.get(user);
    if (token === undefined) return;
    this.#held.delete(user);
    this.#confirmed.delete(user);
    this.#adopted.delete(user);
    this.#emit("lost", user, token);
  }

  /**
   * The local deadline: a lease whose last confirmation went out more than half a lease time ago
   * (renewals failing or hanging; a healthy one is confirmed every `renewMs`, less than that)
   * counts as lost now, at least `ttlMs / 2 - renewMs` before it can expire on the database's
   * clock: the database set its expiry after the confirmation went out.
   */
  #expireOverdue(): void {
    const cutoff = performance.now() - this.ttlMs / 2;
    for (const [user, at] of this.#confirmed) if (at < cutoff) this.#forget(user);
  }

  async #releaseUsers(users: string[]): Promise<void> {
    const mine = users.filter((u) => this.#held.has(u));
    if (mine.length === 0) return;
    const tokens = mine.map((u) => this.#held.get(u)!);
    for (const user of mine) [this.#held.delete(user), this.#confirmed.delete(user), this.#adopted.delete(user)]; // from now on this process writes nothing for them
    await this.#serial((db) => sql(db, RELEASE, [this.owner, mine, tokens]));
  }

  async #renewOnTimer(): Promise<void> {
    if (this.#closed) return;
    this.#expireOverdue();
    if (this.#renewing) return;
    this.#renewing = true;
    try {
      await this.renew();
    } catch (error) {
      this.#emit("error", error);
    } finally {
      this.#renewing = false;
    }
  }

  /** Runs `op` on the lease connection after every earlier one (one statement stream). */
  #serial<R>(op: (db: pg.ClientBase) => Promise<R>): Promise<R> {
    const result = this.#tail.then(async () => {
      if (this.#broken) {
        this.#client.release(true);
        this.#client = this.#watch(await this.#pool.connect());
        this.#broken = false;
      }
      return op(this.#client).catch((error: unknown) => {
        const code = (error as { code?: unknown }).code;
        if (typeof code !== "string" || code.startsWith("08") || code.startsWith("57P")) this.#broken = true;
        throw error;
      });
    });
    this.#tail = result.catch(() => {});
    return result;
  }

  #watch(client: pg.PoolClient): pg.PoolClient {
    client.on("error", (error) => {
      if (client === this.#client) this.#broken = true;
      this.#emit("error", error);
    });
    return client;
  }

  #emit<K extends keyof LeaseEvents>(type: K, ...args: Parameters<LeaseEvents[K]>): void {
    for (const listener of this.#listeners[type]) {
      try {
        (listener as (...a: Parameters<LeaseEvents[K]>) => void)(...args);
      } catch {
        // a listener's own failure must not stop the renewal of the other leases
      }
    }
  }
}

function held(row: Row | undefined): AcquireResult {
  // A row released between the lock timeout and this read: free now, but report it as busy.
  return { heldBy: row?.owner ?? "", expiresAt: row?.expiresAt ?? new Date(0), expiresInMs: row?.expiresInMs ?? 0 };
}

/**
 * Connects to the store's database, applies the store's migrations if needed (the lease table
 * is part of the PostgreSQL store's schema, version 2) and starts renewing.
 *
 * @remarks
 * A lease row per user holds its owner, its fencing token and its expiry; every time is the
 * database's (`now()`), never a process's clock, so processes on machines whose clocks disagree
 * agree on who holds what. A process may take a user over when the lease expired, was released,
 * or when the holder's lease connection is gone from the server (a killed process: its lease is
 * free at once, not after `ttlMs`). A hung process keeps its connection, so its leases last until
 * they expire. Each held lease is renewed every `renewMs`, all in one statement; a renewal that
 * finds a lease taken over emits `lost`.
 *
 * @throws TypeError for a bad option, before connecting.
 *
 * @example
 * ```ts
 * const leases = await createLeases({ connectionString, owner: `${hostname()}-${process.pid}-${Date.now()}` });
 * const store = await createPostgresStore({ connectionString, fencing: leases });
 * leases.on("lost", (user) => stopRoomsOf(user));
 * const lease = await leases.acquire("juliet@capulet.lit");
 * if ("token" in lease) serve("juliet@capulet.lit");
 * process.on("SIGTERM", async () => { await store.close(); await leases.close(); });
 * ```
 */
export async function createLeases(options: LeaseOptions): Promise<Leases> {
  checkLeaseOptions(options);
  const ownsPool = options.pool === undefined;
  const schema = options.schema;
  const pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: 2, ...(schema && { options: `-c search_path=${schema}` }) });
  if (ownsPool) pool.on("error", () => {}); // an idle connection that broke; the next use reconnects
  let client: pg.PoolClient | undefined;
  try {
    client = await pool.connect();
    client.on("error", () => {});
    await migratePostgres(client, undefined, schema);
    return new PgLeases(pool, ownsPool, client, options);
  } catch (error) {
    client?.release(true);
    if (ownsPool) await pool.end().catch(() => {});
    throw error;
  }
}
