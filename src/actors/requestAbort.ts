/**
 * The cancellation of one request: aborted when its callback times out or its room stops. Its
 * `AbortSignal` is made only when a handler asks for it (few do: fetching an avatar), since an
 * `AbortController` per request was a measurable share of the mailbox's time.
 */

/** What a request handler sees of its cancellation. */
export interface RequestCancel {
  /** True once the request timed out or its room stopped: its outcome is dropped. */
  readonly aborted: boolean;
  /** A signal for APIs that take one (`fetch`, `readFile`); made on first use. */
  readonly signal: AbortSignal;
}

/** A {@link RequestCancel} the runner can abort. @internal */
export class RequestAbort implements RequestCancel {
  #controller: AbortController | undefined;
  #reason: unknown;
  #aborted = false;

  get aborted(): boolean {
    return this.#aborted;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}
