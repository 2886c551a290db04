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
  readonly #onError: ((error: unknown) => void) | undefined;

  /** `onError` gets what a step throws or rejects with; the next step runs anyway. */
  constructor(onError?: (error: unknown) => void) {
    this.#onError = onError;
  }

  /** True while a step waits: later steps are queued behind it. */
  get busy(): boolean {
    return this.#tail !== undefined;
  }

  /** Runs `step` now when nothing waits, else after the steps queued before it. */
  run(step: () => Awaitable<void>): void {
    if (this.#tail) {
      this.#follow(this.#tail.then(() => callStep(step, this.#onError)));
      return;
    }
    const result = callStep(step, this.#onError);
    if (isPromise(result)) this.wait(result);
  }

  /** Holds the next steps until `step` (a step run outside the queue, its errors handled) settles. */
  wait(step: Promise<void>): void {
    // A step it ran (re-entrantly) may already wait: the next steps wait for both.
    const before = this.#tail;
    this.#follow(before ? Promise.all([before, step]).then(() => undefined) : step);
  }

  /** Resolves once no step waits (at once when none does). */
  idle(): Promise<void> {
    return this.#tail ? this.#tail.then(() => this.idle()) : Promise.resolve();
  }

  #follow(step: Promise<void>): void {
    const tail: Promise<void> = step.then(() => {
      if (this.#tail === tail) this.#tail = undefined;
    });
    this.#tail = tail;
  }
}

/**
 * Runs one step: what it throws or rejects with goes to `onError` (if any), and the promise of a
 * step that waits never rejects. A room runs its steps with this until one waits, and only then
 * makes its {@link InOrder} (an idle room on a synchronous store holds none).
 */
export function callStep(step: () => Awaitable<void>, onError: ((error: unknown) => void) | undefined): Awaitable<void> {
  try {
    const result = step();
    return isPromise(result) ? result.then(undefined, (error: unknown) => onError?.(error)) : undefined;
  } catch (error) {
    onError?.(error);
    return undefined;
  }
}
