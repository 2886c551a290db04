/**
 * The room machine with the plugin's callbacks as its named actors. Each wraps one callback and
 * turns any throw into stanza error data; the machine times them out (`callbackTimeout`) and
 * mutes the room while `updateInfo` and `fillParticipants` run (its `muted` tag).
 */
import { fromPromise } from "xstate";
import type { LegacyParticipant } from "../legacy/LegacyParticipant.js";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import type { QueuedRequest, RequestOutcome, RoomHandle } from "../machines/roomEvents.js";
import { requestRunner } from "../machines/requestRunner.js";
import type { RoomMachine } from "../machines/roomExtension.js";
import { roomMachine } from "../machines/roomMachine.js";
import { toStanzaError } from "../protocol/xmppError.js";
import { type Awaitable, isPromise } from "../store/eitherStore.js";
import { RequestAbort, type RequestCancel } from "./requestAbort.js";

/** Runs one queued request; resolves with whether it destroyed the room or removed the user. */
export type RunRequest = (request: QueuedRequest, cancel: RequestCancel) => Promise<RequestOutcome>;

/**
 * Where a room's running request runner leaves its `report`: the room's host calls it before it
 * sends the machine anything, so that outcomes the runner holds reach the machine first.
 */
export interface RunnerSlot {
  /** The running runner's report; undefined while no runner runs. */
  report: (() => void) | undefined;
}

/** What one room lends the shared machine: its plugin room, request runner and hooks. */
interface RoomBinding {
  room: LegacyRoom;
  runRequest: RunRequest;
  slot: RunnerSlot;
  /** `backfill` gets the call's signal: it fires when the call outlives its timeout (or the room stops). */
  hooks: { backfill: (signal: AbortSignal) => Promise<void>; infoFetched: () => Awaitable<void>; participantsFilled: () => Awaitable<void> };
}

/** Runs a callback, mapping what it throws to stanza error data. */
async function mapped(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    throw toStanzaError(error);
  }
}

/**
 * The mailbox's request runner (see machines/requestRunner.ts) over a room's callbacks. Stopping
 * it (the machine left `busy`: a timeout, the room ended or stopped) aborts the request in
 * flight. Its `report` goes to the room's {@link RunnerSlot} while it runs.
 */
const runner = requestRunner((input) => {
  const { runRequest, slot } = bindingOf(input.handle);
  let inFlight: RequestAbort | undefined;
  return {
    run: (request) => {
      const cancel = new RequestAbort();
      inFlight = cancel;
      return runRequest(request, cancel);
    },
    failure: toStanzaError,
    abort: () => inFlight?.abort(new Error("the request's runner stopped")),
    attach: (report) => {
      slot.report = report;
    },
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
 * Binds a room's callbacks to a handle for {@link sharedRoomMachine}. Call the returned
 * `unbind` when the room's actor stops.
 */
export function bindRoom(room: LegacyRoom, runRequest: RunRequest, slot: RunnerSlot, hooks: RoomBinding["hooks"]): { handle: number; unbind: () => void } {
  const handle = nextHandle++;
  bindings.set(handle, { room, runRequest, slot, hooks });
  return { handle, unbind: () => bindings.delete(handle) };
}

/** The plugin's callbacks as the room machine's named actors; each finds its room by the handle in its input. */
const legacyActors = {
  // A call that outlived its timeout does not store what it fetched: its retry will.
  updateInfo: fromPromise<void, RoomHandle>(({ input, signal }) => {
    const { room, hooks } = bindingOf(input.handle);
    return mapped(async () => {
      await room.updateInfo();
      // Saved before the room goes on (a store's error fails the callback); at once with a synchronous store.
      const saved = signal.aborted ? undefined : hooks.infoFetched();
      if (isPromise(saved)) await saved;
    });
  }),
  fillParticipants: fromPromise<void, RoomHandle>(({ input, signal }) => {
    const { room, hooks } = bindingOf(input.handle);
    return mapped(async () => {
      const yielded = await room.fillParticipants();
      if (yielded && typeof yielded === "object") {
        for await (const p of yielded as AsyncIterable<LegacyParticipant>) room._adopt(p);
      }
      const saved = signal.aborted ? undefined : hooks.participantsFilled();
      if (isPromise(saved)) await saved;
    });
  }),
  backfill: fromPromise<void, RoomHandle>(({ input, signal }) => {
    const { hooks } = bindingOf(input.handle);
    return mapped(() => hooks.backfill(signal));
  }),
  runRequest: runner,
};

/**
 * `machine` (the room machine, or a gateway's `roomMachine.provide(...)`, see
 * `machines/roomExtension.ts`) with the plugin's callbacks as its named actors: one machine
 * shared by every room of a gateway (one machine per room cost ~33 KiB of heap each).
 */
export function withLegacyActors(machine: RoomMachine): RoomMachine {
  return machine.provide({ actors: legacyActors });
}

/** The library's room machine with the plugin's callbacks, for rooms of a gateway that extends nothing. */
export const sharedRoomMachine = withLegacyActors(roomMachine);
