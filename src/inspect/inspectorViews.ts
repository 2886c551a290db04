/**
 * What the live inspector shows (JSON-ready): rooms, their running callbacks and their recent
 * events, as `InspectorModel` builds them and `GET /api/rooms` serves them.
 */

/** What became of a room's actor: `stopped` by the gateway's shutdown, `removed`: the user was taken out. */
export type RoomStatus = "active" | "passivated" | "destroyed" | "removed" | "stopped" | "failed";

/** What an event is about, for the page's filters. */
export type EventCategory = "joins" | "requests" | "callbacks" | "reads" | "traffic" | "lifecycle" | "internal";

/**
 * One event a room received (`in`) or emitted (`out`), or that the inspector noted about its
 * actor (`note`: `passivated`, `failed`), at `at` (ms since the epoch): its type, a request's
 * `kind`, the request, join or read `id`, and for `request.settled` the outcome (`ok`) and error
 * `condition`; `text` says it in words. `detail` is the whole event, only with the `detail` option.
 */
export interface InspectedEvent {
  /** When, in ms since the epoch. */
  at: number;
  /** `in`: received by the room; `out`: emitted by it; `note`: noted by the inspector. */
  dir: "in" | "out" | "note";
  /** The event's type. */
  type: string;
  /** A request's kind. */
  kind?: string;
  /** The request, join or read id. */
  id?: string;
  /** For `request.settled`: whether the request succeeded. */
  ok?: boolean;
  /** For `request.settled`: the error condition of a failed request. */
  condition?: string;
  /** The event in words (`setSubject queued (2 waiting)`, `onSetSubject took 1.2 s`), names hashed unless `detail`. */
  text: string;
  /** What the event is about, for the filters. */
  category: EventCategory;
  /** The user's resource the event is about (hashed unless `detail`). */
  who?: string;
  /** For `request`: the requests waiting in the mailbox with this one (the running one not counted). */
  waiting?: number;
  /** For the end of a callback: its name (`updateInfo`, `onSetSubject`…). */
  callback?: string;
  /** For `request.started`: how long it waited; for the end of a callback: how long it ran (ms). */
  durationMs?: number;
  /** For the end of a callback: it outlived its timeout. */
  timedOut?: boolean;
  /** The whole event, only with the `detail` option. */
  detail?: unknown;
}

/**
 * One legacy callback of a room on the timeline: `updateInfo`, `fillParticipants`, `backfill`,
 * or the plugin callback of a request (`onSetSubject`…, with the request's `kind` and `id`).
 * Times in ms since the epoch: `queuedAt` (requests), `startedAt` (none: refused before it
 * ran), `endedAt` (none: still waiting or running).
 */
export interface TimelineBar {
  /** The callback's name. */
  callback: string;
  /** For a request: its kind. */
  kind?: string;
  /** For a request: its id. */
  id?: string;
  /** For a request: when it entered the mailbox. */
  queuedAt?: number;
  /** When the callback started. */
  startedAt?: number;
  /** When it ended. */
  endedAt?: number;
  /** Where it is, or how it ended; `stopped`: the room's actor stopped first. */
  outcome: "waiting" | "running" | "ok" | "failed" | "timeout" | "refused" | "stopped";
  /** The error condition of a failed, timed-out or refused call. */
  condition?: string;
}

/** A legacy callback running in a room (`updateInfo`, …, `runRequest` with the request's kind and id). */
export type CallInFlight = {
  /** The callback's name (`updateInfo`, `fillParticipants`, `backfill`, `runRequest`). */
  callback: string;
  /** For `runRequest`: the request's kind. */
  kind?: string;
  /** For `runRequest`: the request's id. */
  requestId?: string;
  /** How long it has been running, in ms. */
  elapsedMs: number;
};

/**
 * A room as the inspector shows it (JSON-ready): `id` is opaque and stable while the inspector
 * runs (`r1`, …); `user` and `room` are JIDs with hashed local parts unless `detail`; `state` is
 * the lifecycle state (`uninitialized.fetching`, `joined`, `destroyed`…); `activeStates` the ids
 * of every active node of the chart (see `toChartJson`), outermost first; `mailbox` the requests
 * waiting (the running one not counted); `events` the last ones, oldest first; `since` when the
 * status last changed; `context` the machine's context, only with `detail`.
 */
export interface RoomView {
  /** Opaque, stable while the inspector runs (`r1`, …). */
  id: string;
  /** The user's JID (local part hashed unless `detail`). */
  user: string;
  /** The room's JID (local part hashed unless `detail`). */
  room: string;
  /** What became of the room's actor. */
  status: RoomStatus;
  /** The lifecycle state (`uninitialized.fetching`, `joined`, `destroyed`…). */
  state: string;
  /** The ids of every active node of the chart, outermost first. */
  activeStates: string[];
  /** Requests waiting in the mailbox (the running one not counted). */
  mailbox: number;
  /** The mailbox's bound. */
  mailboxSize: number;
  /** How many of the user's resources are in the room. */
  resources: number;
  /** The legacy callbacks running. */
  calls: CallInFlight[];
  /** The last events, oldest first. */
  events: InspectedEvent[];
  /** The last legacy callbacks (at most 200), oldest first. */
  timeline: TimelineBar[];
  /** When the status last changed, in ms since the epoch. */
  since: number;
  /** The machine's context, only with `detail`. */
  context?: unknown;
}
