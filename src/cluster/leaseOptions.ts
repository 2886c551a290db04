/**
 * The options of {@link createLeases} and their up-front checks.
 * @module
 */
import type pg from "pg";
import { check, checkFunction, checkIntegerRange, checkNonEmptyString } from "../optionChecks.js";
import { checkSchemaOption } from "../store/postgresOptions.js";

/** Options of {@link createLeases}. */
export interface LeaseOptions {
  /** `postgresql://user:password@host:port/database`; give this or {@link pool}. */
  connectionString?: string;
  /**
   * A pool of yours on the store's database; give this or {@link connectionString}. The lease
   * manager keeps one of its connections for its lifetime (the pool stays open on close).
   */
  pool?: pg.Pool;
  /**
   * With `connectionString`: the schema of the store (as its `schema` option), so that the
   * store's fencing and the leases read the same `user_leases` table.
   */
  schema?: string;
  /**
   * This process's name in the lease rows: unique per process *run* (a restarted process must
   * take a new one, e.g. `${hostname}-${pid}-${startTime}`), 1 to 200 characters.
   */
  owner: string;
  /**
   * How long a lease lasts without renewal, in ms (100 to 600 000). Another process may take a
   * user over once its lease has expired on the database's clock, or at once when the holder's
   * database session is gone (the holder died).
   * @defaultValue 10 000
   */
  ttlMs?: number;
  /**
   * How often the held leases are renewed (all in one statement), in ms; less than half of
   * `ttlMs`, so that a lease whose renewals fail for half its time (then counted as lost, see
   * `LeaseEvents.lost`) was renewed at least once in that half.
   * @defaultValue a third of `ttlMs`
   */
  renewMs?: number;
  /**
   * How long a takeover waits for the row lock a fenced store's open batch holds on the lease
   * (see {@link PostgresStoreOptions.fencing}) before it answers "held", in ms (1 to 60 000).
   * @defaultValue 2 000
   */
  lockTimeoutMs?: number;
}

/** The defaults of {@link LeaseOptions}. @internal */
export const LEASE_DEFAULTS = { ttlMs: 10_000, lockTimeoutMs: 2_000 } as const;

/**
 * Checks the options before any I/O; throws a `TypeError` naming the first bad one.
 * @internal
 */
export function checkLeaseOptions(options: LeaseOptions): void {
  check(typeof options === "object" && options !== null, "createLeases", "given an options object", options);
  const { connectionString, pool, schema, owner, ttlMs, renewMs } = options;
  check((connectionString === undefined) !== (pool === undefined), "connectionString", "given, or else pool (exactly one of them)", connectionString);
  if (connectionString !== undefined) checkNonEmptyString("connectionString", connectionString);
  if (pool !== undefined) check(typeof pool === "object" && pool !== null, "pool", "a pg.Pool", pool);
  if (pool !== undefined) checkFunction("pool", pool.connect);
  checkSchemaOption(schema, pool);
  check(typeof owner === "string" && owner.trim() !== "" && owner.length <= 200, "owner", "a non-empty string of at most 200 characters", owner);
  checkIntegerRange("ttlMs", ttlMs, 100, 600_000, "ms");
  const ttl = ttlMs ?? LEASE_DEFAULTS.ttlMs;
  checkIntegerRange("renewMs", renewMs, 1, Math.ceil(ttl / 2) - 1, "ms, less than half of ttlMs");
  checkIntegerRange("lockTimeoutMs", options.lockTimeoutMs, 1, 60_000, "ms");
}
