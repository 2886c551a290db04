/**
 * Keeps a room's steps in order when some of them wait for the store: a step that returns a
 * promise holds every later step until it settles. Steps that return at once (always, with the
 * synchronous stores) run at once, so a room on SQLite never waits here.
 */
import { type Awaitable, isPromise } from "../store/eitherStore.js";

/** A queue of steps run one after another; see the module comment. */
export class InOrder {
  /** The end of the last step that waits, while one does. */
  #tail: Promise<void> | undefined;
  readonly #onError: (error: unknown) => void;

  /** `onError` gets what a step throws or rejects with; the next step runs anyway. */
  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  /** True while a step waits: later steps are queued behind it. */
  get busy(): boolean {
    return this.#tail !== undefined;
  }

  /** Runs `step` now when nothing waits, else after the steps queued before it. */
  run(step: () => Awaitable<void>): void {
    if (this.#tail) {
      this.#follow(this.#tail.then(() => this.#call(step)));
      return;
    }
    const result = this.#call(step);
    if (!isPromise(result)) return;
    // A step it ran (re-entrantly) may already wait: the next steps wait for both.
    const before = this.#tail;
    this.#follow(before ? Promise.all([before, result]).then(() => undefined) : result);
  }

  /** Resolves once no step waits (at once when none does). */
  idle(): Promise<void> {
    return this.#tail ? this.#tail.then(() => this.idle()) : Promise.resolve();
  }

  #call(step: () => Awaitable<void>): Awaitable<void> {
    try {
      const result = step();
      return isPromise(result) ? result.then(undefined, this.#onError) : undefined;
    } catch (error) {
      this.#onError(error);
      return undefined;
    }
  }

  #follow(step: Promise<void>): void {
    const tail: Promise<void> = step.then(() => {
      if (this.#tail === tail) this.#tail = undefined;
    });
    this.#tail = tail;
  }
}
