/**
 * Up-front checks of what callers hand to a {@link Store}: both implementations reject the
 * same inputs with the same `TypeError`s, before anything is written.
 *
 * @internal
 * @module
 */
import { check } from "../optionChecks.js";
import { AFFILIATIONS, ROLES } from "../protocol/xep0045.js";
import type { ArchiveInput, ParticipantInput, RoomKey, RoomRecord, StoredAvatar } from "./types.js";

function text(value: unknown, what: string): void {
  if (typeof value !== "string" || value === "") throw new TypeError(`${what} must be a non-empty string, got ${String(value)}`);
}

/** Checks a room key: two non-empty bare JIDs. @internal */
export function checkKey(key: RoomKey): void {
  text(key.user, "user");
  text(key.room, "room");
  if (key.user.includes("/")) throw new TypeError(`user must be a bare JID, got ${key.user}`);
  if (key.room.includes("/")) throw new TypeError(`room must be a bare JID, got ${key.room}`);
}

/** Checks a room record before {@link Store.putRoom}. @internal */
export function checkRoom(record: RoomRecord): void {
  checkKey(record);
  text(record.legacyId, "RoomRecord.legacyId");
  if (record.type !== "group" && record.type !== "channel") {
    throw new TypeError(`RoomRecord.type must be "group" or "channel", got ${String(record.type)}`);
  }
  if (record.subjectDate !== undefined && !Number.isFinite(record.subjectDate)) {
    throw new TypeError(`RoomRecord.subjectDate must be epoch milliseconds, got ${record.subjectDate}`);
  }
}

/** Checks a participant before it is stored. @internal */
export function checkParticipant(participant: ParticipantInput): void {
  if (typeof participant.nickname !== "string") throw new TypeError(`ParticipantRecord.nickname must be a string, got ${String(participant.nickname)}`);
  text(participant.resource, "ParticipantRecord.resource");
  text(participant.occupantId, "ParticipantRecord.occupantId");
  if (!AFFILIATIONS.includes(participant.affiliation)) {
    throw new TypeError(`ParticipantRecord.affiliation must be one of ${AFFILIATIONS.join(", ")}, got ${participant.affiliation}`);
  }
  if (!ROLES.includes(participant.role)) {
    throw new TypeError(`ParticipantRecord.role must be one of ${ROLES.join(", ")}, got ${participant.role}`);
  }
}

/** Checks an avatar before {@link Store.putAvatar}. @internal */
export function checkAvatar(avatar: StoredAvatar): void {
  text(avatar.hash, "StoredAvatar.hash");
  text(avatar.mime, "StoredAvatar.mime");
  if (!(avatar.data instanceof Uint8Array)) throw new TypeError("StoredAvatar.data must be a Uint8Array");
}

/** Checks a message before {@link Store.archive}. @internal */
export function checkMessage(message: ArchiveInput): void {
  checkKey(message);
  text(message.stanzaId, "ArchivedMessage.stanzaId");
  if (message.legacyId !== undefined) text(message.legacyId, "ArchivedMessage.legacyId");
  text(message.authorJid, "ArchivedMessage.authorJid");
  if (typeof message.xml !== "string") throw new TypeError("ArchivedMessage.xml must be a string");
  if (!Number.isFinite(message.timestamp)) {
    throw new TypeError(`ArchivedMessage.timestamp must be epoch milliseconds, got ${message.timestamp}`);
  }
  if (message.source !== "live" && message.source !== "backfill") {
    throw new TypeError(`ArchivedMessage.source must be "live" or "backfill", got ${String(message.source)}`);
  }
}

/** Checks the `limit` of {@link Store.purgeOlderThan}: undefined or a positive integer. @internal */
export function checkPurgeLimit(limit: unknown): void {
  if (limit !== undefined) check(Number.isInteger(limit) && (limit as number) > 0, "limit", "a positive integer", limit);
}

/** One string for a (user, room) pair; JIDs cannot contain a line feed, so it separates them unambiguously. @internal */
export const roomKeyString = (user: string, room: string): string => `${user}\n${room}`;
