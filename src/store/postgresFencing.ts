/**
 * Fencing of the PostgreSQL store's writes by the users' lease tokens (see {@link createLeases}).
 *
 * @remarks
 * With the `fencing` option, every write for a user's rooms reads the user's token from
 * {@link FencingTokens.tokenOf} when it is called, and runs, in the write's own transaction and
 * before its statements, a check that the token is still the user's current one:
 *
 * ```sql
 * SELECT 1 FROM user_leases WHERE user_jid = $1 AND token = $2 AND owner IS NOT NULL FOR KEY SHARE
 * ```
 *
 * No row: the write rejects with {@link LeaseLostError} and sends nothing else. A row: it is
 * locked `FOR KEY SHARE` until the batch commits, and a takeover locks the row `FOR UPDATE`
 * before it bumps the token, so the two serialise: either the batch commits first (and the new
 * owner, which restores after its takeover, reads it), or the takeover does (and the check
 * fails). A renewal (a plain `UPDATE` of `expires_at`) does not wait for the batch.
 *
 * A paused writer holding an open batch would hold that lock, so with fencing the writer
 * connection gets `idle_in_transaction_session_timeout` = the lease time: PostgreSQL ends a
 * frozen writer's session, its batch rolls back, and the takeover goes on. When the process
 * wakes, its writer replays the batch on a new connection, and each replayed write meets the
 * check again.
 *
 * @internal
 * @module
 */
import type pg from "pg";
import { LeaseLostError } from "./errors.js";
import type { Write } from "./postgresWrite.js";

/** Where the fenced store reads each user's current fencing token: a {@link Leases}. */
export interface FencingTokens {
  /** The fencing token of the lease this process holds for `user`, or `undefined`. */
  tokenOf(user: string): number | undefined;
  /** The lease time, in ms: how long a writer may idle inside a transaction. */
  readonly ttlMs: number;
}

/** Wraps a write for `user`'s rooms so that it first checks the user's token. @internal */
export type Fence = <R>(user: string, write: Write<R>) => Write<R>;

const CHECK = "SELECT 1 FROM user_leases WHERE user_jid = $1 AND token = $2 AND owner IS NOT NULL FOR KEY SHARE";

/**
 * The {@link Fence} of `tokens`, or one that leaves writes as they are when there is none.
 * `transaction` numbers the writer's transactions: a user checked in the open transaction is not
 * checked again in it (its row stays locked until the commit), so a batch pays one check per user.
 * @internal
 */
export function fenceOf(tokens: FencingTokens | undefined, transaction: () => number): Fence {
  if (!tokens) return (_user, write) => write;
  const checked = { transaction: -1, tokens: new Map<string, number>() };
  return (user, write) => {
    const token = tokens.tokenOf(user); // the token at the call, not when the queue reaches it
    return async (db) => {
      if (token === undefined) throw new LeaseLostError(user, token);
      if (checked.transaction !== transaction()) {
        checked.transaction = transaction();
        checked.tokens.clear();
      }
      if (checked.tokens.get(user) !== token) {
        if ((await db.query(CHECK, [user, token])).rowCount === 0) throw new LeaseLostError(user, token);
        checked.tokens.set(user, token);
      }
      return write(db);
    };
  };
}

/** Sets what a fenced writer connection needs; see the module notes. @internal */
export async function prepareFencedWriter(client: pg.ClientBase, tokens: FencingTokens | undefined): Promise<void> {
  if (tokens) await client.query("SELECT set_config('idle_in_transaction_session_timeout', $1, false)", [String(Math.max(1, Math.round(tokens.ttlMs)))]);
}

/** A new writer connection from `pool`, prepared for fencing. @internal */
export async function connectWriter(pool: pg.Pool, tokens: FencingTokens | undefined): Promise<pg.PoolClient> {
  const client = await pool.connect();
  try {
    await prepareFencedWriter(client, tokens);
  } catch (error) {
    client.release(true);
    throw error;
  }
  return client;
}

/** Wraps `write` so that it first checks the token of each of `users`, once each. @internal */
export function fenceEach<R>(fence: Fence, users: Iterable<string>, write: Write<R>): Write<R> {
  let fenced = write;
  for (const user of users) fenced = fence(user, fenced);
  return fenced;
}
