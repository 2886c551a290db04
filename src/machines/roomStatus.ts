/**
 * Questions about a room machine snapshot that the registry asks: may it passivate, and which
 * callbacks already ran in this process run.
 */
import type { SnapshotFrom } from "xstate";
import type { RestoredSteps } from "./roomEvents.js";
import type { roomMachine } from "./roomMachine.js";

type RoomSnapshot = SnapshotFrom<typeof roomMachine>;

/**
 * True when nothing would be lost by stopping the room: no joined or joining resource, nothing
 * in the mailbox or in flight, no read waiting, and no legacy callback running (a room whose
 * `updateInfo` failed may stop: the next stanza re-activates it and tries again).
 */
export function isIdle(snapshot: RoomSnapshot): boolean {
  const c = snapshot.context;
  if (snapshot.status !== "active") return false;
  if (c.resources.length || c.joins.length || c.reads.length || c.mailbox.length || c.current) return false;
  return !(
    snapshot.matches({ active: { lifecycle: { uninitialized: "fetching" } } }) ||
    snapshot.matches({ active: { lifecycle: { infoFetched: "filling" } } }) ||
    snapshot.matches({ active: { archive: "backfilling" } })
  );
}

/** The callbacks that ran in this run; a re-activation after passivation skips them. */
export function ranSteps(snapshot: RoomSnapshot): RestoredSteps {
  return {
    info: !snapshot.matches({ active: { lifecycle: "uninitialized" } }),
    participants: snapshot.hasTag("participantsKnown"),
    archive: snapshot.matches({ active: { archive: "filled" } }),
  };
}

/**
 * True when a participant change is written to the store at once: the room is running, its
 * `updateInfo` stored it, and `fillParticipants` is not running (it writes the whole list when done).
 */
export function savesParticipants(snapshot: RoomSnapshot): boolean {
  if (snapshot.status !== "active" || snapshot.matches({ active: { lifecycle: "uninitialized" } })) return false;
  return !snapshot.matches({ active: { lifecycle: { infoFetched: "filling" } } });
}
