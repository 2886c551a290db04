/**
 * The inspector's events in words: "#1f2e3d4c@localhost/#a0b1c2d3 joined", "setSubject queued
 * (2 waiting)", "onSetSubject took 1.2 s", "onSetSubject failed: item-not-found", "room
 * passivated". Pure: the sentence is built only from what the event view holds, so it holds no
 * more than the view does (hashed names unless the inspector shows detail).
 */
import type { EventCategory, InspectedEvent } from "./inspectorViews.js";

/** What {@link describeEvent} reads: an event view before its words. */
export type EventFacts = Omit<InspectedEvent, "text" | "category">;

/** An event's words and its category. */
export interface EventWords {
  /** The sentence. */
  text: string;
  /** What it is about, for the page's filters. */
  category: EventCategory;
}

/** Every category, in the order the page offers them as filters. */
export const EVENT_CATEGORIES: readonly EventCategory[] = ["joins", "requests", "callbacks", "reads", "traffic", "lifecycle", "internal"];

/** Milliseconds as seconds with one decimal: `1.2 s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Says one event in words. `user` is the user's label as the view shows it (a hashed JID unless
 * `detail`); the resource is the event's `who`, hashed the same way.
 *
 * @example
 * ```ts
 * describeEvent({ at: 0, dir: "in", type: "request", kind: "setSubject", waiting: 2 }, "#1f2e3d4c@localhost");
 * // { text: "setSubject queued (2 waiting)", category: "requests" }
 * ```
 */
export function describeEvent(e: EventFacts, user: string): EventWords {
  const fixed = Object.hasOwn(FIXED, e.type) ? FIXED[e.type] : undefined;
  if (fixed) return { category: fixed[0], text: fixed[1] };
  const done = Object.hasOwn(ABOUT_A_RESOURCE, e.type) ? ABOUT_A_RESOURCE[e.type] : undefined;
  if (done) return { category: "joins", text: `${user}/${e.who ?? "?"} ${done}` };
  const failed = e.condition ? `failed: ${e.condition}` : "failed";
  switch (e.type) {
    case "join.failed":
      return { category: "joins", text: `a join ${failed}` };
    case "read.failed":
      return { category: "reads", text: `a read ${failed}` };
    case "request":
      return { category: "requests", text: `${e.kind} queued (${e.waiting ?? 1} waiting)` };
    case "request.started":
      return { category: "requests", text: `${e.kind} started${(e.durationMs ?? 0) >= 50 ? ` after waiting ${seconds(e.durationMs ?? 0)}` : ""}` };
    case "plugin":
      return { category: "traffic", text: `the plugin reports ${e.kind ?? "a change"}` };
    case "request.settled":
      // Without a callback: refused before it ran (a full mailbox, a shutdown).
      if (e.callback === undefined) return { category: "requests", text: `${e.kind ?? "a request"} refused: ${e.condition ?? "error"}` };
  }
  return e.callback === undefined ? { category: "internal", text: e.type } : callbackEnded(e);
}

/** Events said the same way each time. */
const FIXED: Readonly<Record<string, readonly [EventCategory, string]>> = {
  "xstate.init": ["lifecycle", "room actor started"],
  "join.dropped": ["joins", "a join was dropped: its resource left first"],
  read: ["reads", "a read waits"],
  "read.ready": ["reads", "a read was answered"],
  "requests.settled": ["internal", "the request runner reports the requests that settled"],
  traffic: ["traffic", "the plugin's report is sent out"],
  shutdown: ["lifecycle", "the gateway shuts down"],
  remove: ["lifecycle", "the plugin takes the user out of the room"],
  removal: ["lifecycle", "the user was removed from the room"],
  removed: ["lifecycle", "the user was removed from the room"],
  destroyed: ["lifecycle", "room destroyed"],
  stopped: ["lifecycle", "room stopped by the gateway's shutdown"],
  passivated: ["lifecycle", "room passivated"],
  failed: ["lifecycle", "room actor failed"],
};

/** Events about one of the user's resources: what it did. */
const ABOUT_A_RESOURCE: Readonly<Record<string, string>> = {
  join: "asks to join",
  "join.ready": "joined",
  "join.streamed": "got the whole join sequence",
  leave: "leaves",
  left: "left",
  "resource.gone": "is gone",
  gone: "is gone",
};

/** "onSetSubject took 1.2 s", "updateInfo failed: item-not-found", "backfill timed out after 30.0 s". */
function callbackEnded(e: EventFacts): EventWords {
  const took = e.durationMs === undefined ? "" : seconds(e.durationMs);
  if (e.timedOut) return { category: "callbacks", text: `${e.callback} timed out${took && ` after ${took}`}` };
  if (e.ok === false || e.condition) return { category: "callbacks", text: `${e.callback} failed: ${e.condition ?? "error"}${took && ` after ${took}`}` };
  return { category: "callbacks", text: `${e.callback} took ${took || "?"}` };
}
