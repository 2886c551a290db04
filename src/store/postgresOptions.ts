/**
 * The options of {@link createPostgresStore} and their up-front checks.
 * @module
 */
import type pg from "pg";
import { check, checkIntegerRange } from "../optionChecks.js";
import { DEFAULT_GROUP_COMMIT_MS } from "./groupCommit.js";
import type { FencingTokens } from "./postgresFencing.js";
import type { StoreOptions } from "./storeOptions.js";

/** Options of {@link createPostgresStore}: where the database is, and the {@link StoreOptions}. */
export interface PostgresStoreOptions extends StoreOptions {
  /** `postgresql://user:password@host:port/database`; give this or {@link pool}. */
  connectionString?: string;
  /** A pool of yours (at least 2 connections; the store leaves it open); give this or {@link connectionString}. */
  pool?: pg.Pool;
  /**
   * Most connections of the pool the store makes from `connectionString` (2 to 1000): one is
   * the writer, the others serve reads.
   * @defaultValue 10
   */
  maxConnections?: number;
  /**
   * With `connectionString`: keep the tables in this schema (created if missing) instead of
   * `public`, e.g. one schema per gateway sharing a database. A plain lower-case identifier.
   */
  schema?: string;
  /**
   * Fence every write for a user's rooms with the user's lease: give the {@link Leases} of this
   * process (from {@link createLeases}, on the same database and schema). A write whose user's
   * token is not the current one (the lease was taken over or released, or never held) rejects
   * with {@link LeaseLostError} and stores nothing; the check runs in the write's transaction.
   * Writes that name no user (`putAvatar`, `markAllBackfill`, `purgeOlderThan`) are not fenced.
   * @defaultValue none: writes are not fenced (one gateway process)
   */
  fencing?: FencingTokens;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Checks the connection options; throws a `TypeError` naming the first bad one.
 * @internal
 */
export function checkPostgresOptions(options: PostgresStoreOptions): void {
  check(typeof options === "object" && options !== null, "createPostgresStore", "given an options object", options);
  const { connectionString, pool, schema, fencing } = options;
  check((connectionString === undefined) !== (pool === undefined), "connectionString", "given, or else pool (exactly one of them)", connectionString);
  if (connectionString !== undefined) check(typeof connectionString === "string" && connectionString !== "", "connectionString", "a non-empty string", connectionString);
  if (pool !== undefined) check(typeof pool === "object" && pool !== null && typeof pool.connect === "function", "pool", "a pg.Pool", pool);
  checkIntegerRange("maxConnections", options.maxConnections, 2, 1_000, "connections");
  check(pool === undefined || options.maxConnections === undefined, "maxConnections", "left out with pool (size your pool yourself)", options.maxConnections);
  if (fencing !== undefined) {
    const ok = typeof fencing === "object" && fencing !== null && typeof fencing.tokenOf === "function";
    check(ok && Number.isInteger(fencing.ttlMs) && fencing.ttlMs > 0, "fencing", "the Leases of createLeases() (tokenOf and ttlMs)", fencing);
    // A batch idles until its commit; the writer may idle in a transaction for ttlMs (postgresFencing.ts).
    const idle = 2 * (options.groupCommitMs ?? DEFAULT_GROUP_COMMIT_MS);
    check(fencing.ttlMs > idle, "fencing", `leases whose ttlMs is more than twice groupCommitMs (${idle} ms)`, fencing.ttlMs);
  }
  checkSchemaOption(schema, pool);
}

/** Checks a `schema` option: a plain identifier, only without `pool`. @internal */
export function checkSchemaOption(schema: unknown, pool: unknown): void {
  if (schema === undefined) return;
  check(typeof schema === "string" && IDENTIFIER.test(schema), "schema", "a lower-case identifier ([a-z_][a-z0-9_]*)", schema);
  check(pool === undefined, "schema", "left out with pool (set search_path on your pool)", schema);
}
