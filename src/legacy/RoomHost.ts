/**
 * What a {@link LegacyRoom} needs from the runtime that hosts it: somewhere to report what the
 * plugin did (the room actor turns each report into an event of its machine, which decides
 * what goes out), the machine's answers to two questions, and a few services. Implemented by
 * the room actor's plugin adapter; plugins never call it.
 *
 * @internal
 */
import type { AvatarSource, BookmarkOptions } from "./roomServiceTypes.js";
import type { LegacyParticipant, SendTextOptions } from "./LegacyParticipant.js";
import type { OutgoingFile } from "./files.js";
import type { SharedFile } from "../protocol/xep0447.js";

/** How a participant left: kicked (307), banned (301), or neither. */
export interface RemovalOptions {
  kick?: boolean;
  ban?: boolean;
  reason?: string;
}

/** What the plugin did to its room, as it reports it to the runtime. @internal */
export type PluginTraffic =
  /** A message; with `file`, a file whose URL is the body (XEP-0066, XEP-0447). */
  | { kind: "message"; participant: LegacyParticipant; body: string; options: SendTextOptions; file?: SharedFile }
  /** A correction (XEP-0308) of the message whose legacy id (or stanza-id) is `target`. */
  | { kind: "correction"; participant: LegacyParticipant; target: string; body: string; legacyId?: string }
  | { kind: "reaction"; participant: LegacyParticipant; target: string; emojis: string[]; legacyId?: string }
  /** A participant's retraction (XEP-0424) of its message whose stanza-id (legacy id) is `target`. */
  | { kind: "retraction"; participant: LegacyParticipant; target: string; legacyId?: string }
  /** `participant` (a moderator, or the room's system participant) retracted the message `target` (XEP-0425). */
  | { kind: "moderation"; participant: LegacyParticipant; target: string; reason?: string; legacyId?: string }
  /** A participant appeared in the room's list. */
  | { kind: "joined"; participant: LegacyParticipant }
  /** A participant's affiliation, role (`save`: its record is written) or presence changed. */
  | { kind: "changed"; participant: LegacyParticipant; save: boolean }
  /** A stored participant's first presence, a turn after it appeared (sent by the runtime itself). */
  | { kind: "announce"; participant: LegacyParticipant }
  /** A participant joined the room's list without being announced (`fillParticipants` returned it). */
  | { kind: "saved"; participant: LegacyParticipant }
  | { kind: "removed"; participant: LegacyParticipant; options: RemovalOptions }
  | { kind: "renamed"; participant: LegacyParticipant; oldResource: string }
  | { kind: "subject" }
  /** The name or the description changed. */
  | { kind: "config" }
  /** The participant is typing, or stopped (XEP-0085); never archived, never held for a join. */
  | { kind: "chatState"; participant: LegacyParticipant; state: "composing" | "paused" | "active" }
  /** The participant has seen the message whose stanza-id is `target` (XEP-0333); never archived. */
  | { kind: "displayed"; participant: LegacyParticipant; target: string }
  /** The avatar changed; `announce`: with a 104 message and the room presence (a request announces its own). */
  | { kind: "avatar"; announce: boolean };

/** @internal */
export interface RoomHost {
  /** Reports what the plugin did; the room's machine decides what goes out. */
  tell(traffic: PluginTraffic): void;
  /** True while `updateInfo` or `fillParticipants` runs (the machine's `muted` tag). */
  readonly muted: boolean;
  /** True while `backfill` runs (the machine's `backfilling` tag). */
  readonly backfilling: boolean;
  /** Resolves once `fillParticipants` has run in this process. */
  ensureParticipants(): Promise<void>;
  /** Publishes the room's bookmark (or invites). */
  addToBookmarks(options: BookmarkOptions): Promise<boolean>;
  /** Sets or removes the room avatar (see {@link LegacyRoom.setAvatar}). */
  setAvatar(a: AvatarSource | null, uniqueId: string | undefined, options: { blocking?: boolean; cancel?: boolean }): Promise<void>;
  /** Disconnects a resource of the user (110 + 333). */
  kickResource(resource: string): void;
  /** Sends a participant's file, uploading its bytes first (see {@link LegacyParticipant.sendFile}). */
  sendFile(participant: LegacyParticipant, file: OutgoingFile, options: SendTextOptions): Promise<void>;
}

/**
 * The host of a room whose gateway shut down, or that was destroyed or removed: what the plugin
 * still does to the room (a message from a timer, a presence) is dropped instead of reaching a
 * stopped actor, a closed store or deleted rows.
 *
 * @internal
 */
export const DETACHED_HOST: RoomHost = {
  tell() {},
  muted: false,
  backfilling: false,
  ensureParticipants: async () => {},
  addToBookmarks: async () => false,
  setAvatar: async () => {},
  kickResource() {},
  sendFile: async () => {},
};
