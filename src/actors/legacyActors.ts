/**
 * The room machine with the plugin's callbacks as its named actors. Each wraps one callback,
 * keeps the room quiet while it fills itself, and turns any throw into stanza error data.
 */
import { fromCallback, fromPromise } from "xstate";
import { RequestAbort, type RequestCancel } from "./requestAbort.js";
import { XMPPError, toStanzaError } from "../legacy/errors.js";
import type { LegacyParticipant } from "../legacy/LegacyParticipant.js";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import type { QueuedRequest, RequestOutcome, RoomHandle, RunEvent, RunnerEvent } from "../machines/roomEvents.js";
import { roomMachine } from "../machines/roomMachine.js";

/** Runs one queued request; resolves with whether it destroyed the room. */
export type RunRequest = (request: QueuedRequest, cancel: RequestCancel) => Promise<RequestOutcome>;

const TIMEOUT = toStanzaError(new XMPPError("remote-server-timeout", "The legacy network did not answer in time", "wait"));

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

/** Runs `body` with the room's broadcasts muted, mapping errors to stanza error data. */
async function quietly(room: LegacyRoom, body: () => Promise<void>): Promise<void> {
  room._quiet = true;
  try {
    await body();
  } catch (error) {
    throw toStanzaError(error);
  } finally {
    room._quiet = false;
  }
}

/** What one room lends the shared machine: its plugin room, request runner and hooks. */
interface RoomBinding {
  room: LegacyRoom;
  runRequest: RunRequest;
  watchdog: Watchdog;
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
  let inFlight: RequestAbort | undefined;
  receive(({ request }) => {
    const controller = new RequestAbort();
    inFlight = controller;
    const run = watchdog.start((error) => {
      if (inFlight !== controller) return;
      inFlight = undefined;
      controller.abort(error);
      sendBack({ type: "request.failed", id: request.id, error });
    });
    const report = (event: RunnerEvent) => {
      if (inFlight !== controller) return; // timed out, or the runner stopped: already answered
      inFlight = undefined;
      watchdog.finish(run);
      sendBack(event);
    };
    runRequest(request, controller).then(
      (outcome) => report({ type: "request.done", ...outcome }),
      (error: unknown) => report({ type: "request.failed", id: request.id, error: toStanzaError(error) }),
    );
  });
  return () => {
    inFlight?.abort(new Error("the room stopped"));
    inFlight = undefined;
  };
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
  bindings.set(handle, { room, runRequest, watchdog: new Watchdog(timeoutMs), hooks });
  return { handle, unbind: () => bindings.delete(handle) };
}

/**
 * The room machine with the plugin's callbacks as its named actors, shared by every room (one
 * machine per room cost ~33 KiB of heap each). Each actor finds its room by the handle in its input.
 */
export const sharedRoomMachine = roomMachine.provide({
  actors: {
    updateInfo: fromPromise<void, RoomHandle>(({ input }) => {
      const { room, hooks } = bindingOf(input.handle);
      return quietly(room, async () => {
        await room.updateInfo();
        hooks.infoFetched();
      });
    }),
    fillParticipants: fromPromise<void, RoomHandle>(({ input }) => {
      const { room, hooks } = bindingOf(input.handle);
      return quietly(room, async () => {
        const yielded = await room.fillParticipants();
        if (yielded && typeof yielded === "object") {
          for await (const p of yielded as AsyncIterable<LegacyParticipant>) room._adopt(p);
        }
        hooks.participantsFilled();
      });
    }),
    backfill: fromPromise<void, RoomHandle>(({ input }) => {
      const { room, hooks } = bindingOf(input.handle);
      return quietly(room, hooks.backfill);
    }),
    runRequest: requestRunner,
  },
});
