/**
 * Events, emitted events and context of the room machine. Plain data only: no functions, no
 * stanzas, no message bodies, so snapshots persist and inspect cleanly.
 */
import type { StanzaErrorData } from "../protocol/rfc6120.js";

/** Kinds of requests that go through the mailbox, one at a time. */
export type RequestKind =
  | "message"
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
  | "setAvatar";

/** A request in the mailbox. */
export interface QueuedRequest {
  /** nanoid that correlates the request with its stanza and its result. */
  id: string;
  kind: RequestKind;
}

/** A join waiting for the room to be ready. */
export interface PendingJoin {
  id: string;
  resource: string;
  /** The join asked for history, which waits for `backfill`. */
  history: boolean;
}

/** A read-only stanza waiting for the room info or the participant list. */
export interface PendingRead {
  id: string;
  needs: ReadNeeds;
}

/** What a read waits for: the room info, the participant list, or the backfilled archive. */
export type ReadNeeds = "info" | "participants" | "history";

/** The room machine's context. */
export interface RoomContext {
  /** The user's resources that are in the room. */
  resources: string[];
  /** Joins waiting for `updateInfo` / `fillParticipants`. */
  joins: PendingJoin[];
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
  /** What already ran in this process run, for a room re-activated after passivation. */
  restored: RestoredSteps;
  /** Which room this is: the user's bare JID and the room JID (for inspection). */
  key: { user: string; room: string };
  /** The room's handle, which the invoked callbacks receive as input to find their room. */
  handle: number;
}

/** What the invoked legacy callbacks receive: the room's handle (all rooms share one machine). */
export interface RoomHandle {
  handle: number;
}

/** Callbacks that already ran in this process run before the room was passivated. */
export interface RestoredSteps {
  info: boolean;
  participants: boolean;
  archive: boolean;
}

/** Input of the room machine. */
export interface RoomInput {
  mailboxSize: number;
  callbackTimeoutMs: number;
  /** For a re-activated room: the steps not to run again. */
  restored?: RestoredSteps;
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
  | { type: "request"; id: string; kind: RequestKind }
  | { type: "resource.gone"; resource: string }
  | { type: "remove" }
  | RunnerEvent;

/** What the request runner reports about the request it ran: one of these per `run`. */
export type RunnerEvent = ({ type: "request.done" } & RequestOutcome) | { type: "request.failed"; id: string; error: unknown };

/** What the machine tells the request runner: run the request in flight. */
export interface RunEvent {
  type: "run";
  request: QueuedRequest;
}

/** How a request ended well. */
export interface RequestOutcome {
  id: string;
  /** True when the request destroyed the room. */
  destroyed: boolean;
  /** True when the request took the user out of the room (XEP-0077 `<remove/>`). */
  removed?: boolean;
}

/** Events the room machine emits for the actor to act on. */
export type RoomEmitted =
  | { type: "join.ready"; id: string; resource: string }
  | { type: "join.failed"; id: string; error: StanzaErrorData }
  | { type: "join.dropped"; id: string }
  | { type: "read.ready"; id: string }
  | { type: "read.failed"; id: string; error: StanzaErrorData }
  | { type: "request.started"; id: string; kind: RequestKind }
  | { type: "request.settled"; id: string; ok: true }
  | { type: "request.settled"; id: string; ok: false; error: StanzaErrorData }
  | { type: "left"; resource: string }
  | { type: "destroyed" }
  | { type: "removed" };
