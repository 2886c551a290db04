/**
 * The host of a passivated room whose object the plugin still holds: the first thing the plugin
 * does with it (a message from the legacy network, a presence) re-activates the room, and goes
 * to the new activation's machine like any other traffic. A passivated room is idle, so it is
 * neither muted nor backfilling.
 */
import type { RoomHost } from "../legacy/RoomHost.js";

/** A host that wakes the room (see the module comment); `wake` returns the new activation's host. */
export function wakingHost(wake: () => RoomHost): RoomHost {
  return {
    tell: (traffic) => wake().tell(traffic),
    muted: false,
    backfilling: false,
    ensureParticipants: () => wake().ensureParticipants(),
    addToBookmarks: (options) => wake().addToBookmarks(options),
    setAvatar: (a, uniqueId, options) => wake().setAvatar(a, uniqueId, options),
    kickResource: (resource) => wake().kickResource(resource),
    sendFile: (participant, file, options) => wake().sendFile(participant, file, options),
  };
}
