/**
 * The plugin's own lifecycle hooks, `onUserJoined` and `onUserLeft`: requests the runtime queues
 * in the room's mailbox when a resource of the user enters the room (its join sequence has gone
 * out) or leaves it, so they run one at a time, in order with the user's requests, with the
 * request timeout. A failure is the gateway's `onWarning`; the join or leave stands.
 */
import { RoomCallbacks } from "../legacy/RoomCallbacks.js";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import type { RequestHandler } from "./pendingEntries.js";

/** A hook to queue: a resource entered (`first`: no other resource was in) or left (`last`: none remains). */
export type UserHook = { hook: "onUserJoined"; resource: string; first: boolean } | { hook: "onUserLeft"; resource: string; last: boolean };

/** The request kind that carries each hook, and the hook each such kind runs: one mapping for queue and warnings. */
export const HOOK_REQUESTS = { onUserJoined: "userJoined", onUserLeft: "userLeft" } as const;

/** The hook a request of kind `kind` runs (`onUserJoined` for `userJoined`, else `onUserLeft`). */
export function hookOf(kind: string): UserHook["hook"] {
  return kind === HOOK_REQUESTS.onUserJoined ? "onUserJoined" : "onUserLeft";
}

/** True when the plugin's room overrides either hook: only then are they queued (a join costs no request otherwise). */
export function hasUserHooks(room: LegacyRoom): boolean {
  const base = RoomCallbacks.prototype;
  return room.onUserJoined !== base.onUserJoined || room.onUserLeft !== base.onUserLeft;
}

/** The request that runs one hook; it answers nobody. */
export function userHookRequest(hook: UserHook): RequestHandler {
  return async (room) => {
    if (hook.hook === "onUserJoined") await room.onUserJoined(hook.resource, { first: hook.first });
    else await room.onUserLeft(hook.resource, { last: hook.last });
    return () => [];
  };
}
