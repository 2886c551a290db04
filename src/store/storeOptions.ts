/**
 * The options every {@link Store} factory takes ({@link createMemoryStore}, {@link openSqliteStore}).
 * @module
 */

/** Options shared by {@link Store} factories. */
export interface StoreOptions {
  /**
   * Delete archived messages older than this many days, checked every `retentionIntervalMs`
   * (slidge's `MAM_MAX_DAYS`). `Infinity` keeps messages forever.
   * @defaultValue 7
   */
  retentionDays?: number;
  /**
   * How often the retention purge runs; the first purge runs one interval after opening.
   * @defaultValue 21_600_000 (6 h)
   */
  retentionIntervalMs?: number;
  /**
   * SQLite store: shortest time between two group commits of archived messages, in ms (0 to
   * 1000). Under load a message waits at most this long before the outbox sends it; a larger
   * value commits less often. The first message after a quiet spell commits at the end of its
   * event-loop turn.
   * @defaultValue 2
   */
  groupCommitMs?: number;
  /**
   * Called with errors the store meets outside a call: a failed group commit (its writes are
   * rolled back) or a failed retention purge.
   * @defaultValue prints a warning through `process.emitWarning`
   */
  onError?: (error: unknown) => void;
}
