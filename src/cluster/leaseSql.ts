/**
 * The statements of {@link createLeases} on the `user_leases` table (PostgreSQL store schema
 * versions 2 and 3). Every value is a parameter; every time is the database's: `clock_timestamp()`, the
 * server's clock when the row is read or written; not `now()`, the start of the transaction,
 * which may be long before when a row lock had to be waited for.
 *
 * @internal
 * @module
 */

/** `$n` milliseconds as an interval. */
const ms = (n: number) => `($${n}::integer * interval '1 millisecond')`;

/** Sets the lock timeout of the current transaction only. */
export const LOCK_TIMEOUT = "SELECT set_config('lock_timeout', $1, true)";

/** The holder of row `l` is gone: expired on the database's clock, or its database session ended. */
const HOLDER_GONE = `(l.expires_at <= clock_timestamp()
    OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = l.holder_pid))`;

/**
 * Reads and locks a user's lease row ($1 user, $2 owner). `free`: it may be taken now: released,
 * ours, adopted (taken from a dead holder without a stanza of the user: the process the user's
 * stanzas reach has the better claim), expired, or its holder's database session is gone (the
 * holder process died).
 */
export const LOCK_ROW = `
SELECT owner, expires_at AS "expiresAt",
  GREATEST(0, CEIL(EXTRACT(EPOCH FROM (expires_at - clock_timestamp())) * 1000))::bigint AS "expiresInMs",
  (owner IS NULL OR owner = $2 OR adopted OR ${HOLDER_GONE}) AS free
FROM user_leases l WHERE user_jid = $1 FOR UPDATE`;

/** The same row without a lock, for an answer when the lock was not granted in time. */
export const READ_ROW = `
SELECT owner, expires_at AS "expiresAt",
  GREATEST(0, CEIL(EXTRACT(EPOCH FROM (expires_at - clock_timestamp())) * 1000))::bigint AS "expiresInMs"
FROM user_leases WHERE user_jid = $1`;

/** The first lease of a user ($1 user, $2 owner, $3 ttl ms): token 1. */
export const INSERT_LEASE = `
INSERT INTO user_leases (user_jid, owner, token, expires_at, holder_pid)
VALUES ($1, $2, 1, clock_timestamp() + ${ms(3)}, pg_backend_pid())
ON CONFLICT (user_jid) DO NOTHING RETURNING token`;

/**
 * Takes a locked, free row ($1 user, $2 owner, $3 ttl ms): the token grows unless it was ours.
 * The lease is no longer adopted: a stanza of the user reached this process.
 */
export const TAKE_LEASE = `
UPDATE user_leases SET
  token = CASE WHEN owner = $2 THEN token ELSE token + 1 END,
  owner = $2, expires_at = clock_timestamp() + ${ms(3)}, holder_pid = pg_backend_pid(), adopted = false
WHERE user_jid = $1 RETURNING token`;

/**
 * Adopts the leases of a dead holder ($1 owner, $2 the dead holder's owner, or NULL for every
 * holder but $1; $3 ttl ms): every row it still holds whose holder is gone, skipping rows another
 * transaction has locked (a process taking that user now). Each token grows by one; the rows are
 * marked adopted.
 */
export const ADOPT = `
WITH orphans AS (
  SELECT user_jid FROM user_leases l
  WHERE l.owner IS NOT NULL AND l.owner <> $1 AND ($2::text IS NULL OR l.owner = $2) AND ${HOLDER_GONE}
  FOR UPDATE OF l SKIP LOCKED)
UPDATE user_leases l SET token = l.token + 1, owner = $1, expires_at = clock_timestamp() + ${ms(3)},
  holder_pid = pg_backend_pid(), adopted = true
FROM orphans WHERE l.user_jid = orphans.user_jid
RETURNING l.user_jid AS "user", l.token`;

/**
 * Renews every lease held ($1 owner, $2 ttl ms, $3 users, $4 their tokens) in one statement;
 * returns the users whose row still carries our owner and token.
 */
export const RENEW = `
UPDATE user_leases l SET expires_at = clock_timestamp() + ${ms(2)}, holder_pid = pg_backend_pid()
FROM unnest($3::text[], $4::bigint[]) AS h(user_jid, token)
WHERE l.user_jid = h.user_jid AND l.token = h.token AND l.owner = $1
RETURNING l.user_jid AS "user"`;

/** Gives leases back ($1 owner, $2 users, $3 their tokens): free at once for anyone. */
export const RELEASE = `
UPDATE user_leases l SET owner = NULL, holder_pid = NULL, expires_at = clock_timestamp()
FROM unnest($2::text[], $3::bigint[]) AS h(user_jid, token)
WHERE l.user_jid = h.user_jid AND l.token = h.token AND l.owner = $1`;
