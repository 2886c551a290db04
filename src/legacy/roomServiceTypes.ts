/**
 * Data types of the plugin API: the room's type, the options of `getParticipant`, and those of
 * the services a room gets from the runtime (its XEP-0486 avatar, its XEP-0402 bookmark). They
 * live here so that the actors that implement the services import them from the plugin API,
 * not the other way round.
 */

/** An avatar ready to publish. */
export interface Avatar {
  /** The legacy network's unique id (or the SHA-1 of the bytes when none was given). */
  uniqueId: string;
  /** SHA-1 of the bytes, hex: the XEP-0153 photo hash. */
  hash: string;
  mime: string;
  data: Uint8Array;
}

/**
 * The avatar a room has: one loaded in this process, or one known only by the ids the store
 * kept (after a restart, until the plugin sets it again); the latter has no bytes.
 */
export type RoomAvatarState = Pick<Avatar, "uniqueId" | "hash"> & Partial<Pick<Avatar, "mime" | "data">>;

/** Where an avatar comes from: bytes, an http(s) or file URL, or a file path. */
export type AvatarSource = Uint8Array | URL | string;

/** Options of `LegacyRoom.addToBookmarks`. */
export interface BookmarkOptions {
  /** Clients join the room on start (a new bookmark only, with `preserve`). @defaultValue true */
  autoJoin?: boolean;
  /** Also send an XEP-0249 invitation. @defaultValue false */
  invite?: boolean;
  /** Keep the user's autojoin flag and extensions of an existing bookmark. @defaultValue true */
  preserve?: boolean;
}

/** `group`: non-anonymous and members-only. `channel`: semi-anonymous and open. */
export type RoomType = "group" | "channel";

/** Options of {@link LegacyRoom.getParticipant}. */
export interface GetParticipantOptions {
  /** Throw `XMPPError("item-not-found")` instead of creating the participant. */
  raiseIfNotFound?: boolean;
  /** Await `fillParticipants()` first (once per run). */
  fillFirst?: boolean;
  /** Keep the participant in the room's list; `false` for, e.g., the author of a quoted message. */
  store?: boolean;
  /** The legacy contact behind this participant. */
  contact?: string;
}
