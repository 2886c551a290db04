/**
 * The room machine with the plugin's callbacks as its named actors. Each wraps one callback,
 * keeps the room quiet while it fills itself, and turns any throw into stanza error data.
 */
import { fromPromise } from "xstate";
import { toStanzaError } from "../legacy/errors.js";
import type { LegacyParticipant } from "../legacy/LegacyParticipant.js";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import type { QueuedRequest, RequestOutcome } from "../machines/roomEvents.js";
import { roomMachine } from "../machines/roomMachine.js";

/** Runs one queued request; resolves with whether it destroyed the room. */
export type RunRequest = (request: QueuedRequest, signal: AbortSignal) => Promise<RequestOutcome>;

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

/** The room machine bound to one room's callbacks. */
export function machineFor(room: LegacyRoom, runRequest: RunRequest) {
  return roomMachine.provide({
    actors: {
      updateInfo: fromPromise(() => quietly(room, () => room.updateInfo())),
      fillParticipants: fromPromise(() =>
        quietly(room, async () => {
          const yielded = await room.fillParticipants();
          if (yielded && typeof yielded === "object") {
            for await (const p of yielded as AsyncIterable<LegacyParticipant>) room._adopt(p);
          }
        }),
      ),
      runRequest: fromPromise<RequestOutcome, QueuedRequest>(async ({ input, signal }) => {
        try {
          return await runRequest(input, signal);
        } catch (error) {
          throw toStanzaError(error);
        }
      }),
    },
  });
}
