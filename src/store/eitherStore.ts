/**
 * The store as the gateway's runtime sees it: a synchronous {@link Store} (memory, SQLite) or an
 * {@link AsyncStore} (PostgreSQL), called through the same code.
 *
 * @remarks
 * A method of a {@link GatewayStore} returns its value at once (synchronous stores) or a promise
 * of it. {@link andThen} continues at once with a plain value and only waits for a promise, so
 * the SQLite path runs exactly as it did before the runtime learned about promises: no
 * microtask, no promise allocated per call (see docs/benchmarks.md, "Store calls": wrapping SQLite
 * with `fromSyncStore` cost the round trip measurably). Errors follow the same rule: a
 * synchronous store throws, an asynchronous one rejects; {@link attempt} catches both.
 *
 * @module
 */
import type { AsyncStore } from "./asyncTypes.js";
import type { Store } from "./types.js";

/** A store the gateway runs on: synchronous (memory, SQLite) or asynchronous (PostgreSQL). */
export type GatewayStore = Store | AsyncStore;

/** A value now, or a promise of it. */
export type Awaitable<T> = T | Promise<T>;

/** True when `value` is a promise (or any thenable): the store answered asynchronously. */
export function isPromise<T>(value: Awaitable<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === "function";
}

/**
 * Calls `next` with `value`: at once when it is a plain value, else once the promise resolves
 * (a rejection skips `next` and rejects the result).
 *
 * @example
 * ```ts
 * andThen(store.getRoom(user, room), (record) => record?.name); // a string now (SQLite) or a promise of one (PostgreSQL)
 * ```
 */
export function andThen<T, R>(value: Awaitable<T>, next: (value: T) => Awaitable<R>): Awaitable<R> {
  return isPromise(value) ? value.then(next) : next(value);
}

/**
 * Runs `call`; what it throws (a synchronous store) or rejects with (an asynchronous one) goes to
 * `failed`, whose result stands instead.
 */
export function attempt<T>(call: () => Awaitable<T>, failed: (error: unknown) => T): Awaitable<T> {
  let value: Awaitable<T>;
  try {
    value = call();
  } catch (error) {
    return failed(error);
  }
  return isPromise(value) ? value.then(undefined, failed) : value;
}

/** Hands a rejection of `value`, if it is a promise, to `onError`: for writes nobody waits for. */
export function reportRejection(value: Awaitable<unknown>, onError: ((error: unknown) => void) | undefined): void {
  if (isPromise(value)) value.then(undefined, (error) => onError?.(error));
}
