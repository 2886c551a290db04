/**
 * What a {@link LegacyRoom} needs from the runtime that hosts it. Implemented by the room
 * actor; plugins never call it.
 *
 * @internal
 */
import type { AvatarSource, BookmarkOptions } from "./roomServiceTypes.js";
import type { LegacyParticipant, SendTextOptions } from "./LegacyParticipant.js";

/** @internal */
export interface RoomHost {
  /** A participant sent a text message. */
  participantMessage(p: LegacyParticipant, body: string, options: SendTextOptions): void;
  /** A participant appeared outside `updateInfo` and `fillParticipants`: its presence goes out now. */
  participantJoined(p: LegacyParticipant): void;
  /** A participant's affiliation, role or presence changed. */
  participantChanged(p: LegacyParticipant): void;
  /** A participant joined the room's list, or its affiliation or role changed: its record is saved. */
  saveParticipant(p: LegacyParticipant): void;
  /** A participant left, was kicked or was banned: its record is deleted. */
  participantRemoved(p: LegacyParticipant, options: { kick?: boolean; ban?: boolean; reason?: string }): void;
  /** A participant's nick changed; `oldResource` was its resource before (its record moves). */
  participantRenamed(p: LegacyParticipant, oldResource: string): void;
  /** A participant reacted to a message. */
  participantReaction(p: LegacyParticipant, legacyMsgId: string, emojis: string[], legacyId?: string): void;
  /** Publishes the room's bookmark (or invites). */
  addToBookmarks(options: BookmarkOptions): Promise<boolean>;
  /** The subject changed. */
  subjectChanged(): void;
  /** The name or the description changed. */
  configChanged(): void;
  /** Resolves once `fillParticipants` has run in this process. */
  ensureParticipants(): Promise<void>;
  /** Sets or removes the room avatar (see {@link LegacyRoom.setAvatar}). */
  setAvatar(a: AvatarSource | null, uniqueId: string | undefined, options: { blocking?: boolean; cancel?: boolean }): Promise<void>;
  /** Disconnects a resource of the user (110 + 333). */
  kickResource(resource: string): Promise<void>;
}

/**
 * The host of a room whose gateway shut down, or that was destroyed or removed: what the plugin
 * still does to the room (a message from a timer, a presence) is dropped instead of reaching a
 * stopped actor, a closed store or deleted rows.
 *
 * @internal
 */
export const DETACHED_HOST: RoomHost = {
  participantMessage() {},
  participantJoined() {},
  participantChanged() {},
  saveParticipant() {},
  participantRemoved() {},
  participantRenamed() {},
  participantReaction() {},
  addToBookmarks: async () => false,
  subjectChanged() {},
  configChanged() {},
  ensureParticipants: async () => {},
  setAvatar: async () => {},
  kickResource: async () => {},
};
