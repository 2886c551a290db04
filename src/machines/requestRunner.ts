/**
 * The mailbox's request runner: the actor that `mailbox.busy` invokes. It runs the requests the
 * machine hands it, one callback at a time, in the order handed, and reports how they ended in
 * `requests.settled` events: one event for every request that settled since the last report,
 * not one macrostep per request (a report per request was the largest item of the round trip's
 * profile).
 *
 * @remarks
 * A report goes to the machine:
 * - when the runner has nothing more to run (the common case: one report per socket read);
 * - at the end of the event-loop turn in which it first held an outcome (a `setImmediate`), so
 *   that an echo never waits behind a slow callback that follows it;
 * - at once after a request that destroyed the room or removed the user (it runs nothing after it);
 * - when the machine asks (`report`, the request timeout): the machine then knows which request
 *   was really in flight;
 * - when the room's host asks ({@link RunnerHooks.attach}): before any other event reaches the
 *   machine, so that no participant's message overtakes the echo of a request that settled before it.
 *
 * The machine re-arms its `requestTimeout` at each report, so a request is timed from the report
 * before it (at most one event-loop turn before it started). Stopping the runner (the machine left
 * `busy`) aborts the request in flight, if one is; what it still settles is dropped.
 */
import { type CallbackActorLogic, fromCallback } from "xstate";
import type { QueuedRequest, RequestOutcome, RoomHandle, RunEvent, RunnerOutcome } from "./roomEvents.js";

/** The request runner's logic: a callback actor that receives {@link RunEvent}s and sends back `requests.settled`. */
export type RequestRunnerLogic = CallbackActorLogic<RunEvent, RoomHandle>;

/** What a runner needs of its room, made when the runner starts. @internal */
export interface RunnerHooks {
  /** Runs one request's callback. */
  run(request: QueuedRequest): Promise<RequestOutcome>;
  /** What a failed callback's error is reported as (by default, as it is). */
  failure?(error: unknown): unknown;
  /** The runner stopped: abort the request in flight, if any. */
  abort?(): void;
  /** Gets the runner's `report` when it starts, and undefined when it stops: the host calls it before it sends the machine anything. */
  attach?(report: (() => void) | undefined): void;
}

/** A request runner over `hooks` (made per runner from the room's handle). @internal */
export function requestRunner(hooksOf: (input: RoomHandle) => RunnerHooks): RequestRunnerLogic {
  return fromCallback<RunEvent, RoomHandle>(({ input, receive, sendBack }) => {
    const hooks = hooksOf(input);
    const queue: QueuedRequest[] = [];
    let next = 0;
    let running = false;
    let stopped = false;
    let held: RunnerOutcome[] = [];
    let turnEnd: ReturnType<typeof setImmediate> | undefined;

    const report = (always = false) => {
      if (turnEnd !== undefined) clearImmediate(turnEnd);
      turnEnd = undefined;
      if (stopped || (held.length === 0 && !always)) return;
      const outcomes = held;
      held = [];
      sendBack({ type: "requests.settled", outcomes });
    };
    const idle = () => {
      queue.length = 0;
      next = 0;
      running = false;
      report();
    };
    const settled = (outcome: RunnerOutcome) => {
      if (stopped) return;
      held.push(outcome);
      if (outcome.ok && (outcome.destroyed || outcome.removed === true)) return idle();
      runNext();
    };
    const runNext = (): void => {
      const request = queue[next];
      if (!request) return idle();
      next++;
      running = true;
      // Outcomes held at the end of this turn go out then, whatever the next callback does.
      if (held.length > 0 && turnEnd === undefined) turnEnd = setImmediate(report);
      let ran: Promise<RequestOutcome>;
      try {
        ran = hooks.run(request);
      } catch (error) {
        ran = Promise.reject(error);
      }
      ran.then(
        (outcome) => settled({ ...outcome, ok: true }),
        (error: unknown) => settled({ ok: false, id: request.id, error: hooks.failure ? hooks.failure(error) : error }),
      );
    };

    hooks.attach?.(report);
    receive((event) => {
      if (event.type === "run") {
        queue.push(...event.requests);
        if (!running) runNext();
      } else if (event.type === "report") report(true);
      // The gateway stops: the requests not started yet were refused; the one in flight may finish.
      else queue.length = next;
    });
    return () => {
      stopped = true;
      if (turnEnd !== undefined) clearImmediate(turnEnd);
      hooks.attach?.(undefined);
      // Only a callback still running is aborted (an abort's reason is an Error, whose stack costs
      // ~15 µs): the usual stop follows a report of everything, with nothing left running.
      if (running) hooks.abort?.();
    };
  });
}

/**
 * A request runner from a function that runs one request: its result settles the request, a
 * rejection fails it with the rejection as the error. The machine times requests out itself
 * (`requestTimeout`).
 *
 * @example
 * ```ts
 * const machine = roomMachine.provide({
 *   actors: { runRequest: fromRequestRunner(async (request) => ({ id: request.id, destroyed: false })) },
 * });
 * ```
 */
export function fromRequestRunner(run: (request: QueuedRequest & RoomHandle) => Promise<RequestOutcome>): RequestRunnerLogic {
  return requestRunner((input) => ({ run: (request) => run({ ...request, handle: input.handle }) }));
}
