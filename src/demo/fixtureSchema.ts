/**
 * The demo fixture's schema: the shapes `parseFixture` produces and the
 * allowed values of its enumerated fields. Re-exported by `fixture.ts`.
 *
 * @module
 */
import type { FixtureEvent } from "./fixtureEvents.js";
import type { StanzaErrorCondition } from "../protocol/conditions.js";

/** Every kind of request the demo legacy network can be told to delay or reject. */
export const REQUEST_KINDS = [
  "message",
  "setSubject",
  "setConfig",
  "setAffiliation",
  "kick",
  "ban",
  "destroy",
  "avatar",
  "updateInfo",
  "fillParticipants",
  "backfill",
  "reaction",
  "correct",
  "retract",
  "moderate",
  "file",
] as const;

/** A kind of request to the demo legacy network (a key of {@link FixtureRoom.reject}). */
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** Allowed participant affiliations (XEP-0045 §5.2). */
export const FIXTURE_AFFILIATIONS = ["owner", "admin", "member", "outcast", "none"] as const;
/** A participant's affiliation with a room. */
export type FixtureAffiliation = (typeof FIXTURE_AFFILIATIONS)[number];

/** Allowed participant roles (XEP-0045 §5.1). */
export const FIXTURE_ROLES = ["moderator", "participant", "visitor", "none"] as const;
/** A participant's role in a room. */
export type FixtureRole = (typeof FIXTURE_ROLES)[number];

/** Allowed room types. */
export const FIXTURE_ROOM_TYPES = ["group", "channel"] as const;
/** `"group"`: a chat where everyone talks; `"channel"`: a broadcast-style room. */
export type FixtureRoomType = (typeof FIXTURE_ROOM_TYPES)[number];

/** Upper bound of {@link FixtureRoom.generatedParticipants}. */
export const MAX_GENERATED_PARTICIPANTS = 1_000_000;
/** Upper bound of {@link FixtureRoom.generatedHistory}. */
export const MAX_GENERATED_HISTORY = 10_000_000;

/** A listed member of a fixture room. */
export interface FixtureParticipant {
  /** Nickname in the room; non-empty and unique within the room. */
  nick: string;
  /** Affiliation; default `"member"`. */
  affiliation: FixtureAffiliation;
  /** Role; default `"participant"`. */
  role: FixtureRole;
  /** Legacy contact id of this participant, if it is a known contact. */
  contact?: string;
}

/** A message in a room's pre-existing history. */
export interface FixtureHistoryMessage {
  /** Legacy message id; unique among the room's listed history. */
  id: string;
  /** Nickname of the sender. */
  from: string;
  /** Message text. */
  body: string;
  /** When the message was sent. */
  at: Date;
}

/** Artificial latencies (milliseconds) of legacy-network operations. */
export interface FixtureDelays {
  /** Delay of fetching room info. */
  updateInfo: number;
  /** Delay of fetching the participant list. */
  fillParticipants: number;
  /** Delay of fetching history. */
  backfill: number;
  /** Delay of every other request (message, setSubject, kick, …). */
  requests: number;
}

/** A room of the fake legacy network, with every default filled in. */
export interface FixtureRoom {
  /** Legacy room id; unique among the fixture's rooms. */
  id: string;
  /** Display name; default: {@link FixtureRoom.id}. */
  name: string;
  /** Room description; default `""`. */
  description: string;
  /** Current subject; default `""`. */
  subject: string;
  /** Nickname of whoever set the subject (need not be a listed participant). */
  subjectSetter?: string;
  /** When the subject was set. */
  subjectDate?: Date;
  /** Room type; default `"group"`. */
  type: FixtureRoomType;
  /** Whether the legacy room supports a subject; default `true`. */
  hasSubject: boolean;
  /** Whether the legacy room supports a description; default `true`. */
  hasDescription: boolean;
  /**
   * The gateway user's nickname in the room. Left undefined when not given:
   * the gateway then uses the local part of the user's JID.
   */
  userNick?: string;
  /** The gateway user's affiliation in the room; the library's default (`member`) when absent. */
  userAffiliation?: FixtureAffiliation;
  /** The gateway user's role in the room (`moderator` lets the user moderate messages); default `participant`. */
  userRole?: FixtureRole;
  /** Listed participants (besides the gateway user); default `[]`. */
  participants: FixtureParticipant[];
  /** Number of extra participants, named `p1`…`pN`; default 0. */
  generatedParticipants: number;
  /** Listed history, oldest first; default `[]`. */
  history: FixtureHistoryMessage[];
  /** Number of extra generated history messages; default 0. */
  generatedHistory: number;
  /** Artificial latencies; each default 0. */
  delayMs: FixtureDelays;
  /** Requests the legacy network refuses, with the stanza error condition to report. */
  reject: Partial<Record<RequestKind, StanzaErrorCondition>>;
  /** Timed events of the legacy network (see fixtureEvents.ts). */
  events: FixtureEvent[];
  /** Add the room to each user's bookmarks when their session starts (`true` or the options). */
  addToBookmarks?: { autoJoin?: boolean; invite?: boolean; preserve?: boolean };
  /** The reactions the legacy network accepts; any when absent. */
  availableEmojis?: string[];
  /** The most reactions one user may put on a message. */
  maxReactionsPerUser?: number;
}

/** A validated demo fixture. */
export interface Fixture {
  /** Bare JIDs (`local@domain`) allowed to use the gateway; each sees every room. */
  users: string[];
  /** The legacy network's rooms; default `[]`. */
  rooms: FixtureRoom[];
}
