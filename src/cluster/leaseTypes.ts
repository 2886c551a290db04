/**
 * The types of the user leases (`createLeases` in leases.ts).
 * @module
 */
import type { FencingTokens } from "../store/postgresFencing.js";

/** What {@link Leases.acquire} answers: the lease and its token, or who holds it. */
export type AcquireResult =
  | { token: number }
  | {
      /** The `owner` of the process that holds the lease. */
      heldBy: string;
      /** When it expires unless renewed, on the database's clock. */
      expiresAt: Date;
      /** How long until then, in ms, as the database counts (0 when it has expired). */
      expiresInMs: number;
    };

/** The events of {@link Leases}, by name. */
export interface LeaseEvents {
  /**
   * A renewal found that another process took `user` over (or the row was changed), or no
   * renewal got through for half of `ttlMs` (the database is away or too slow: the lease could
   * expire there before a later renewal): stop that user's rooms; the store refuses their writes
   * from now on.
   */
  lost: (user: string, token: number) => void;
  /**
   * {@link Leases.adopt} took `user`'s lease from a dead holder: start the user's legacy session
   * here, so that their rooms go on while their client is silent.
   */
  adopted: (user: string, token: number) => void;
  /** A renewal or a release failed (the database could not be reached); the next one retries. */
  error: (error: unknown) => void;
}

/**
 * The leases of one gateway process: which users it owns, renewed on a timer.
 *
 * @remarks
 * It is also the {@link FencingTokens} of a fenced PostgreSQL store: give it as the store's
 * `fencing` option, so that a write for a user whose lease this process lost is refused.
 */
export interface Leases extends FencingTokens {
  /** This process's owner name. */
  readonly owner: string;
  /** The lease time, in ms. */
  readonly ttlMs: number;
  /**
   * Takes `user`'s lease if it is free (never leased, released, expired on the database's clock,
   * or its holder's database session is gone), or renews it if this process holds it. The token
   * grows by one whenever the lease changes hands, and stays the same while one process holds it.
   * @returns `{ token }`, or `{ heldBy, expiresAt, expiresInMs }` when another process holds it.
   */
  acquire(user: string): Promise<AcquireResult>;
  /**
   * Takes every lease that the process named `from` (its {@link owner}) still holds and that is
   * free now (its database session is gone, or the lease expired): the users of a dead process,
   * taken by the process that replaces it. Without `from`, the free leases of every other holder
   * (for a deployment whose replacement cannot know the dead process's name; after a restart of
   * the whole cluster that is every user, in this one process, until their stanzas move them).
   * Each token grows by one. Rows another process is taking at this moment are skipped.
   *
   * @remarks
   * An adopted lease is held and renewed like any other, but it is **weak** until a stanza of the
   * user reaches this process ({@link acquire} makes it firm): a process that receives the user's
   * stanza may take it at once, since ejabberd routes the user there (the adopter may have taken
   * another dead process's slot). The adopter then hears `lost`, and the store refuses its writes.
   * @returns The users adopted, with their tokens; `adopted` is emitted for each.
   */
  adopt(from?: string): Promise<ReadonlyMap<string, number>>;
  /** True while `user`'s lease is held by adoption only ({@link adopt}): no stanza of theirs has been served here since. */
  isAdopted(user: string): boolean;
  /** The token of `user`'s lease if this process holds it, as far as it knows. */
  tokenOf(user: string): number | undefined;
  /** The users this process holds, with their tokens. */
  held(): ReadonlyMap<string, number>;
  /** Renews every held lease now, in one statement; resolves with the users found lost. */
  renew(): Promise<string[]>;
  /** Gives `user`'s lease back (anyone may take it at once); no-op when not held. */
  release(user: string): Promise<void>;
  /** Gives every held lease back, in one statement: on a clean shutdown. */
  releaseAll(): Promise<void>;
  /** Listens to an event; returns a function that stops listening. */
  on<K extends keyof LeaseEvents>(type: K, listener: LeaseEvents[K]): () => void;
  /** Stops renewing, releases every lease and the connection; idempotent. Later `acquire` calls reject. */
  close(): Promise<void>;
}
