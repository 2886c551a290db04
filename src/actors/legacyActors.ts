/**
 * The room machine with the plugin's callbacks as its named actors. Each wraps one callback,
 * keeps the room quiet while it fills itself, and turns any throw into stanza error data.
 */
import { fromCallback, fromPromise } from "xstate";
import { toStanzaError } from "../protocol/xmppError.js";
import type { LegacyParticipant } from "../legacy/LegacyParticipant.js";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import type { QueuedRequest, RequestOutcome, RoomHandle, RunEvent, RunnerEvent } from "../machines/roomEvents.js";
import { TIMEOUT } from "../machines/roomErrors.js";
import { roomMachine } from "../machines/roomMachine.js";
import { RequestAbort, type RequestCancel } from "./requestAbort.js";

/** Runs one queued request; resolves with whether it destroyed the room. */
export type RunRequest = (request: QueuedRequest, cancel: RequestCancel) => Promise<RequestOutcome>;


/**
 * Times out the request in flight with one lazily re-armed timer per room, rather than a timer
 * per request: a timer per request cost about 10% of the mailbox's throughput.
 */
class Watchdog {
  readonly #timeoutMs: number;
  #current: { started: number; reject: (error: unknown) => void } | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  start(reject: (error: unknown) => void): object {
    const run = { started: performance.now(), reject };
    this.#current = run;
    if (!this.#timer) this.#arm(this.#timeoutMs);
    return run;
  }

  finish(run: object): void {
    if (this.#current === run) this.#current = undefined;
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(() => this.#check(), ms);
    this.#timer.unref();
  }

  #check(): void {
    this.#timer = undefined;
    const run = this.#current;
    if (!run) return;
    const age = performance.now() - run.started;
    if (age < this.#timeoutMs) return this.#arm(this.#timeoutMs - age);
    this.#current = undefined;
    run.reject(TIMEOUT);
  }
}

/**
 * Runs `body` with the room's broadcasts muted, mapping errors to stanza error data. The mute
 * ends when the body settles or when its actor stops (a timeout), whichever comes first, and
 * counts: a retry started while a timed-out call still hangs is not unmuted by that call.
 */
async function quietly(binding: RoomBinding, signal: AbortSignal, body: () => Promise<void>): Promise<void> {
  const { room } = binding;
  let muted = true;
  const unmute = () => {
    if (!muted) return;
    muted = false;
    room._quiet = --binding.mutes > 0;
  };
  binding.mutes++;
  room._quiet = true;
  signal.addEventListener("abort", unmute, { once: true });
  try {
    await body();
  } catch (error) {
    throw toStanzaError(error);
  } finally {
    signal.removeEventListener("abort", unmute);
    unmute();
  }
}

/** What one room lends the shared machine: its plugin room, request runner and hooks. */
interface RoomBinding {
  room: LegacyRoom;
  runRequest: RunRequest;
  watchdog: Watchdog;
  /** Callbacks running with the room muted (see {@link quietly}). */
  mutes: number;
  hooks: { backfill: () => Promise<void>; infoFetched: () => void; participantsFilled: () => void };
}

/**
 * The mailbox's request runner, one per burst of requests: runs each request it is sent, under
 * the room's watchdog, and answers `request.done` or `request.failed`. A request that timed out
 * is aborted (its signal fires, its late outcome is dropped); stopping the runner aborts the
 * request in flight.
 */
const requestRunner = fromCallback<RunEvent, RoomHandle>(({ input, receive, sendBack }) => {
  const { runRequest, watchdog } = bindingOf(input.handle);
  /** The request in flight: answered at most once, by whichever of outcome, timeout, stop comes first. */
  let inFlight: { cancel: RequestAbort; run: object } | undefined;
  const settle = (current: typeof inFlight, event: RunnerEvent | undefined, reason?: unknown): void => {
    if (!current || inFlight !== current) return;
    inFlight = undefined;
    watchdog.finish(current.run);
    if (reason !== undefined) current.cancel.abort(reason);
    if (event) sendBack(event);
  };
  receive(({ request }) => {
    const current = { cancel: new RequestAbort(), run: {} };
    inFlight = current;
    current.run = watchdog.start((error) => settle(current, { type: "request.failed", id: request.id, error }, error));
    runRequest(request, current.cancel).then(
      (outcome) => settle(current, { type: "request.done", ...outcome }),
      (error: unknown) => settle(current, { type: "request.failed", id: request.id, error: toStanzaError(error) }),
    );
  });
  return () => settle(inFlight, undefined, new Error("the room stopped"));
});

/** Live rooms by handle. Every room runs the one shared machine; its handle finds its callbacks. */
const bindings = new Map<number, RoomBinding>();
let nextHandle = 1;

function bindingOf(handle: number): RoomBinding {
  const binding = bindings.get(handle);
  if (!binding) throw new Error(`room handle ${handle} is not bound`);
  return binding;
}

/**
 * Binds a room's callbacks to a handle for {@link sharedRoomMachine}. A request whose callback
 * does not settle within `timeoutMs` is answered with `remote-server-timeout`. Call the returned
 * `unbind` when the room's actor stops.
 */
export function bindRoom(
  room: LegacyRoom,
  runRequest: RunRequest,
  timeoutMs: number,
  hooks: RoomBinding["hooks"],
): { handle: number; unbind: () => void } {
  const handle = nextHandle++;
  bindings.set(handle, { room, runRequest, watchdog: new Watchdog(timeoutMs), mutes: 0, hooks });
  return { handle, unbind: () => bindings.delete(handle) };
}

/**
 * The room machine with the plugin's callbacks as its named actors, shared by every room (one
 * machine per room cost ~33 KiB of heap each). Each actor finds its room by the handle in its input.
 */
export const sharedRoomMachine = roomMachine.provide({
  actors: {
    // A call that outlived its timeout does not store what it fetched: its retry will.
    updateInfo: fromPromise<void, RoomHandle>(({ input, signal }) => {
      const binding = bindingOf(input.handle);
      return quietly(binding, signal, async () => {
        await binding.room.updateInfo();
        if (!signal.aborted) binding.hooks.infoFetched();
      });
    }),
    fillParticipants: fromPromise<void, RoomHandle>(({ input, signal }) => {
      const binding = bindingOf(input.handle);
      const { room } = binding;
      return quietly(binding, signal, async () => {
        const yielded = await room.fillParticipants();
        if (yielded && typeof yielded === "object") {
          for await (const p of yielded as AsyncIterable<LegacyParticipant>) room._adopt(p);
        }
        if (!signal.aborted) binding.hooks.participantsFilled();
      });
    }),
    backfill: fromPromise<void, RoomHandle>(({ input, signal }) => {
      const binding = bindingOf(input.handle);
      return quietly(binding, signal, binding.hooks.backfill);
    }),
    runRequest: requestRunner,
  },
});
