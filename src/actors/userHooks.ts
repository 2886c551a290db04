/**
 * The plugin's own lifecycle hooks, `onUserJoined` and `onUserLeft`: requests the runtime queues
 * in the room's mailbox when a resource of the user enters the room (its join sequence has gone
 * out) or leaves it, so they run one at a time, in order with the user's requests, with the
 * request timeout. A failure is the gateway's `onWarning`; the join or leave stands. A room that
 * ends with resources in it (destroyed, the user removed) calls `onUserLeft` once more, outside
 * the mailbox, which ended with it: see {@link leftWithRoom}.
 */
import { RoomCallbacks } from "../legacy/RoomCallbacks.js";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import type { RequestHandler } from "./pendingEntries.js";
import type { StanzaErrorData } from "../protocol/rfc6120.js";
import { toStanzaError } from "../protocol/xmppError.js";
import { RequestAbort } from "./requestAbort.js";

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
  const handler: RequestHandler = async (room) => {
    started.add(handler);
    if (hook.hook === "onUserJoined") await room.onUserJoined(hook.resource, { first: hook.first });
    else await room.onUserLeft(hook.resource, { last: hook.last });
    return () => [];
  };
  return handler;
}

/** Hook requests whose callback has been called (one in flight when its room ends is not called again). */
const started = new WeakSet<RequestHandler>();

/** The warning of a hook that failed in room `jid`, with the condition it failed with. */
export function hookFailure(hook: UserHook["hook"], jid: string, error: StanzaErrorData): string {
  return `${hook} failed in ${jid}: ${error.condition}`;
}

/**
 * The room ended (destroyed, or the user removed) while `resources` were in it: for the plugin
 * the user left the room, so `onUserLeft` runs once, with `last`, naming the resource that joined
 * last. The mailbox ended with the room, so it runs at once, outside it, after the ending's
 * presences went out; nobody waits for it, and a failure is a warning. What it does to the room
 * is dropped (the room is detached). Not called on a gateway shutdown: the room is kept for the
 * next run, not left, and `session.shutdown()` is where a plugin closes its legacy connections.
 */
export function leftWithRoom(room: LegacyRoom, resources: readonly string[], warn: Warn): void {
  const resource = resources.at(-1);
  if (resource === undefined || !hasUserHooks(room)) return;
  runAfterEnd(room, () => room.onUserLeft(resource, { last: true }), warn);
}

/**
 * A hook that still waited in the mailbox when the room ended (destroyed, or the user removed;
 * one already running is not called again): an `onUserLeft` runs all the same, as {@link leftWithRoom} does, so the plugin hears every
 * leave; an `onUserJoined` is dropped, since the room it would have joined has ended.
 */
export function hookAfterEnd(room: LegacyRoom, kind: string, run: RequestHandler, warn: Warn): void {
  if (hookOf(kind) === "onUserLeft" && !started.has(run)) runAfterEnd(room, () => run(room, new RequestAbort()), warn);
}

type Warn = (message: string, error?: unknown) => void;

/** The `onUserLeft` calls of each ended room, chained so that they run one at a time, in order. */
const afterEnd = new WeakMap<LegacyRoom, Promise<void>>();

function runAfterEnd(room: LegacyRoom, call: () => Promise<unknown>, warn: Warn): void {
  const failed = (error: unknown) => warn(hookFailure("onUserLeft", room.jid, toStanzaError(error)), error);
  const next = (afterEnd.get(room) ?? Promise.resolve()).then(call).then(() => undefined, failed);
  afterEnd.set(room, next);
}
