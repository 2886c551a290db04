/**
 * Bounds on a room's signal callbacks (`onComposing`, `onPaused`, `onDisplayed`): they run
 * outside the mailbox, so nothing else stops a plugin whose network hangs from collecting a
 * pending call for every keystroke of every client. Each call gets the gateway's callback timeout;
 * chat states run one at a time with only the latest one waiting; displayed markers run one at a
 * time, in order, with a bounded queue.
 */

/** A chat state that has a callback. */
export type SignalState = "composing" | "paused";

/** What {@link SignalLanes} needs from its room. */
export interface SignalLanesOptions {
  /** How long a call may run before it is given up (the gateway's `callbackTimeoutMs`). */
  timeoutMs: number;
  /** Reports a call that failed or timed out (the gateway's `onWarning`). */
  warn: (what: string, error: unknown) => void;
  /** Most displayed markers waiting behind the one in flight. @defaultValue {@link MAX_WAITING_MARKERS} */
  maxWaitingMarkers?: number;
}

/** Displayed markers that may wait behind the one in flight; beyond it the oldest waiting one is dropped. */
export const MAX_WAITING_MARKERS = 16;

/** Thrown into `warn` when a signal's callback outlives its timeout. */
export class SignalTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`the ${what} callback did not settle within ${ms} ms; it was given up`);
    this.name = "SignalTimeoutError";
  }
}

interface WaitingMarker {
  call: () => Promise<void>;
  done: (ok: boolean) => void;
}

/**
 * One room's signal callbacks; see the module comment.
 *
 * @remarks
 * A chat state that arrives while another one's call is in flight waits, replacing any state
 * already waiting (a `paused` replaces a waiting `composing`): the legacy network hears the
 * latest state, never a stale one after a newer one. A displayed marker beyond the queue bound
 * drops the oldest waiting marker (a later marker covers the messages before it, XEP-0333 §3).
 * A call that times out is given up with a warning (it is not cancelled: the plugin's promise
 * is left to settle on its own) and the next signal runs.
 */
export class SignalLanes {
  readonly #options: SignalLanesOptions;
  #stateBusy = false;
  #nextState: { state: SignalState; call: (state: SignalState) => Promise<void> } | undefined;
  #markerBusy = false;
  readonly #markers: WaitingMarker[] = [];

  constructor(options: SignalLanesOptions) {
    this.#options = options;
  }

  /** Runs `call(state)` now, or after the call in flight, unless a newer state replaces it first. */
  chatState(state: SignalState, call: (state: SignalState) => Promise<void>): void {
    this.#nextState = { state, call };
    if (!this.#stateBusy) void this.#drainStates();
  }

  /**
   * Runs `call` after the markers before it; resolves true when it succeeded, false when it
   * failed, timed out (both warned) or was dropped from a full queue.
   */
  displayed(call: () => Promise<void>): Promise<boolean> {
    return new Promise((done) => {
      this.#markers.push({ call, done });
      const max = this.#options.maxWaitingMarkers ?? MAX_WAITING_MARKERS;
      // The one in flight is not in the queue any more.
      while (this.#markers.length > max) this.#markers.shift()!.done(false);
      if (!this.#markerBusy) void this.#drainMarkers();
    });
  }

  async #drainStates(): Promise<void> {
    this.#stateBusy = true;
    for (let next = this.#nextState; next; next = this.#nextState) {
      this.#nextState = undefined;
      await this.#bounded(next.state, () => next.call(next.state));
    }
    this.#stateBusy = false;
  }

  async #drainMarkers(): Promise<void> {
    this.#markerBusy = true;
    for (let next = this.#markers.shift(); next; next = this.#markers.shift()) {
      next.done(await this.#bounded("displayed", next.call));
    }
    this.#markerBusy = false;
  }

  /** Runs one call under the timeout: true when it succeeded in time, else warned and false. */
  async #bounded(what: string, call: () => Promise<void>): Promise<boolean> {
    const ms = this.#options.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SignalTimeoutError(what, ms)), ms);
    });
    const running = Promise.resolve().then(call);
    // A call given up may still reject later: that is not an unhandled rejection.
    running.catch(() => {});
    try {
      await Promise.race([running, timeout]);
      return true;
    } catch (error) {
      this.#options.warn(what, error);
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
