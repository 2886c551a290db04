/**
 * Events, emitted events and context of the room machine. Plain data only: no functions, no
 * stanzas, no message bodies, so snapshots persist and inspect cleanly.
 */
import type { StanzaErrorData } from "../protocol/rfc6120.js";

/** Kinds of requests that go through the mailbox, one at a time. */
export type RequestKind =
  | "message"
  | "correct"
  | "file"
  | "setSubject"
  | "setConfig"
  | "setAffiliation"
  | "setRole"
  | "kick"
  | "ban"
  | "invite"
  | "reaction"
  | "destroy"
  | "leave"
  | "setAvatar"
  | "retract"
  | "moderate"
  /** The plugin's `onUserJoined` hook: a resource of the user entered the room. */
  | "userJoined"
  /** The plugin's `onUserLeft` hook: a resource of the user left the room. */
  | "userLeft";

/** A request in the mailbox. */
export interface QueuedRequest {
  /** Unique id that correlates the request with its stanza and its result. */
  id: string;
  /** What the request asks (which callback runs it). */
  kind: RequestKind;
}

/** A join waiting for the room to be ready. */
export interface PendingJoin {
  /** Unique id of the join presence. */
  id: string;
  /** The user's resource that joins. */
  resource: string;
  /** The join asked for history, which waits for `backfill`. */
  history: boolean;
}

/** A read-only stanza waiting for the room info or the participant list. */
export interface PendingRead {
  /** Unique id of the read-only stanza. */
  id: string;
  /** What it waits for. */
  needs: ReadNeeds;
}

/** What a read waits for: the room info, the participant list, or the backfilled archive. */
export type ReadNeeds = "info" | "participants" | "history";

/** The room machine's context. */
export interface RoomContext {
  /** The user's resources that are in the room. */
  resources: string[];
  /** Joins waiting for `updateInfo` / `fillParticipants` (and `backfill`, for history). */
  joins: PendingJoin[];
  /** Resources in the room whose join sequence is still being sent: live traffic waits for it. */
  streaming: string[];
  /** Reads waiting for `updateInfo` / `fillParticipants`. */
  reads: PendingRead[];
  /** The mailbox: requests in arrival order. */
  mailbox: QueuedRequest[];
  /** The request whose callback is running. */
  current: QueuedRequest | null;
  /** Mailbox bound; a request beyond it is refused with `resource-constraint`. */
  mailboxSize: number;
  /** Timeout of each legacy callback, in milliseconds. */
  callbackTimeoutMs: number;
  /** Which room this is: the user's bare JID and the room JID (for inspection). */
  key: { user: string; room: string };
  /** The room's handle, which the invoked callbacks receive as input to find their room. */
  handle: number;
  /** While the gateway shuts down: how long the request in flight may still run, in milliseconds. */
  graceMs: number;
}

/** What the invoked legacy callbacks receive: the room's handle (all rooms share one machine). */
export interface RoomHandle {
  /** The room's handle, from the machine's input. */
  handle: number;
}

/** Input of the room machine. */
export interface RoomInput {
  /** Most requests waiting in the mailbox (the gateway's `mailboxSize`). */
  mailboxSize: number;
  /** Timeout of each callback, in ms (the gateway's `callbackTimeoutMs`). */
  callbackTimeoutMs: number;
  /** Which room this is (for inspection). */
  key?: { user: string; room: string };
  /** The room's handle for the invoked callbacks. @defaultValue 0 */
  handle?: number;
}

/** Events the room machine accepts. */
export type RoomEvent =
  | { type: "join"; id: string; resource: string; history: boolean }
  | { type: "leave"; resource: string }
  | { type: "read"; id: string; needs: ReadNeeds }
  /**
   * Requests for the mailbox, in arrival order: one, or those of one synchronous run (a socket read
   * that holds many stanzas; see the room actor's plugin adapter). Each beyond the bound is refused.
   */
  | { type: "requests"; requests: QueuedRequest[] }
  | { type: "resource.gone"; resource: string; kicked?: boolean }
  | { type: "remove"; kick: boolean; reason?: string }
  /** The gateway stops: what waits is refused, the request in flight gets `graceMs` to finish. */
  | { type: "shutdown"; graceMs: number }
  | { type: "join.streamed"; resource: string }
  /** A `backfill` call that outlived its timeout has ended. */
  | { type: "backfill.ended" }
  /** Reports `id` … `id + count - 1` of the plugin (see the room actor's plugin adapter); `kind`: the first one's. */
  | { type: "plugin"; id: number; count: number; kind: PluginTrafficKind }
  | RunnerEvent;

/**
 * What the plugin did to its room, as the event the room actor sends its machine (the payload
 * stays with the actor, under `id`): a participant's message, correction or reaction, a participant that
 * appeared, changed, left or was renamed, a participant record to write, the subject, or the
 * name or description.
 */
export type PluginTrafficKind =
  | "message"
  | "correction"
  | "reaction"
  | "joined"
  | "announce"
  | "changed"
  | "removed"
  | "renamed"
  | "saved"
  | "subject"
  | "config"
  | "avatar"
  | "chatState"
  | "displayed"
  | "retraction"
  | "moderation";

/**
 * Who gets a piece of traffic, as the machine decides it. Arrays are shared with the context and
 * never mutated.
 */
export interface Audience {
  /** Resources in the room whose join sequence is done: they get it now. */
  now: readonly string[];
  /** Resources whose join sequence is being sent: they get it after the sequence. */
  streaming: readonly string[];
  /** Resources whose join waits for the room: they get it after their join sequence, unless the sequence lists it. */
  joining: readonly string[];
}

/** How one request the runner ran ended: its outcome, or what its callback failed with. */
export type RunnerOutcome = ({ ok: true } & RequestOutcome) | { ok: false; id: string; error: unknown };

/**
 * What the request runner reports: how the requests it ran since its last report ended, in the
 * order it ran them (the request in flight first, then the mailbox's head). Never empty, except
 * as the answer to `report`.
 */
export type RunnerEvent = { type: "requests.settled"; outcomes: RunnerOutcome[] };

/**
 * What the machine tells the request runner: `run` these requests after those it has (every
 * request of the mailbox is handed to it while `busy.running`); `report` what settled, now (the
 * request timeout); `drain`: run nothing more than the request in flight (the gateway stops).
 */
export type RunEvent = { type: "run"; requests: QueuedRequest[] } | { type: "report" } | { type: "drain" };

/** How a request ended well. */
export interface RequestOutcome {
  /** The request's id. */
  id: string;
  /** True when the request destroyed the room. */
  destroyed: boolean;
  /** True when the request took the user out of the room (XEP-0077 `<remove/>`). */
  removed?: boolean;
}

/** Events the room machine emits for the actor to act on. */
export type RoomEmitted =
  /**
   * `entered`: the resource was not in the room before (a join of a joined resource only gets the
   * sequence again); `first`: no other resource of the user was in it.
   */
  | { type: "join.ready"; id: string; resource: string; entered: boolean; first: boolean }
  | { type: "join.failed"; id: string; error: StanzaErrorData }
  | { type: "join.dropped"; id: string }
  | { type: "read.ready"; id: string }
  | { type: "read.failed"; id: string; error: StanzaErrorData }
  | { type: "request.started"; id: string; kind: RequestKind }
  /** `resources`: the resources in the room now, `streaming` those of them whose join sequence is still going out. */
  | { type: "request.settled"; id: string; ok: true; resources: string[]; streaming: string[] }
  | { type: "request.settled"; id: string; ok: false; error: StanzaErrorData }
  /** `last`: no resource of the user remains in the room. */
  | { type: "left"; resource: string; last: boolean }
  | { type: "gone"; resource: string; kicked: boolean; last: boolean }
  /**
   * The plugin's reports `id` … `id + count - 1`, and who gets them. How it goes out follows the room's tags in the same
   * snapshot: `muted` (updateInfo or fillParticipants runs: changes are stored, not broadcast),
   * `backfilling` (messages are archived only), `infoKnown` without `muted` (participant records
   * are written now).
   */
  | { type: "traffic"; id: number; count: number; audience: Audience }
  | { type: "removal"; resources: string[]; kick: boolean; reason?: string }
  /** The room was destroyed: `resources` were in it (they got its destroy presence). */
  | { type: "destroyed"; resources: string[] }
  /** The user was taken out of the room: `resources` were in it. */
  | { type: "removed"; resources: string[] }
  /** The gateway stopped the room: `resources` were in it and get the shutdown presence. */
  | { type: "stopped"; resources: string[] };
