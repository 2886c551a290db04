/**
 * What a gateway's shutdown did to the open stanzas of its rooms. The shutdown itself is a stage
 * of the room machine (`mailbox.busy.draining`, then the final state `stopped`): see
 * {@link RoomActor.shutdown}.
 */
import { ABANDONED, SHUTTING_DOWN } from "../machines/roomErrors.js";

export { ABANDONED, SHUTTING_DOWN };

/** What shutting down did to the open stanzas of one or more rooms. */
export interface ShutdownTally {
  /** Joins, reads and queued requests answered {@link SHUTTING_DOWN}: they never reached the legacy network. */
  refused: number;
  /** Requests whose callback was still running after the grace period, answered {@link ABANDONED}. */
  abandoned: number;
}

/** Adds tallies up. */
export function addTallies(tallies: readonly ShutdownTally[]): ShutdownTally {
  return tallies.reduce((a, b) => ({ refused: a.refused + b.refused, abandoned: a.abandoned + b.abandoned }), { refused: 0, abandoned: 0 });
}
