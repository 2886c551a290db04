/**
 * The room's persisted state: its info and its participants as store records, written after
 * `updateInfo`, after `fillParticipants`, and on every change the plugin makes.
 */
import type { LegacyParticipant } from "../legacy/LegacyParticipant.js";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import { type Awaitable, type GatewayStore, andThen } from "../store/eitherStore.js";
import type { ParticipantInput, ParticipantRecord, RoomRecord } from "../store/types.js";
import type { AvatarCache } from "./avatars.js";
import { keyOf } from "./archive.js";

/** The room's info as a record. */
export function roomRecord(room: LegacyRoom): RoomRecord {
  const setter = room.subjectSetter;
  const record: RoomRecord = {
    ...keyOf(room),
    legacyId: room.legacyId,
    name: room.name,
    description: room.description,
    subject: room.subject,
    type: room.type,
    userNick: room.userNick,
  };
  if (setter !== undefined) record.subjectSetter = typeof setter === "string" ? setter : setter.nickname;
  if (room.subjectDate) record.subjectDate = room.subjectDate.getTime();
  if (room.avatarId !== undefined) record.avatarId = room.avatarId;
  if (room.avatarHash !== undefined) record.avatarHash = room.avatarHash;
  return record;
}

/** A participant as a record. */
export function participantRecord(p: LegacyParticipant): ParticipantInput {
  return {
    nickname: p.nickname,
    resource: p.resource,
    ...(p.contact !== undefined ? { contact: p.contact } : {}),
    affiliation: p.affiliation,
    role: p.role,
    occupantId: p.occupantId,
  };
}

/**
 * Writes the room's info; with `avatar` (after `updateInfo` and an avatar change) also the
 * avatar's bytes when they are loaded, kept once per hash.
 */
export function saveRoom(store: GatewayStore, room: LegacyRoom, options: { avatar?: boolean } = {}): Awaitable<void> {
  const avatar = room._avatar;
  const record = roomRecord(room);
  if (options.avatar && avatar?.data && avatar.mime) {
    return andThen(store.putAvatar({ hash: avatar.hash, mime: avatar.mime, data: avatar.data }), () => store.putRoom(record));
  }
  return store.putRoom(record);
}

/** Replaces the room's stored participants with the current list. */
export function saveParticipants(store: GatewayStore, room: LegacyRoom): Awaitable<void> {
  return store.putParticipants(keyOf(room), room._storedParticipants().map(participantRecord));
}

/**
 * Brings a room's state back from the store into a fresh plugin room, before its callbacks run:
 * its info and its avatar (its bytes from the cache, else from the store), and,
 * when `participants` (`fillParticipants` ran in this run before the room passivated), its
 * participants. Participants stored by an earlier run are not brought back: that run's list
 * may be stale, and `fillParticipants` makes a new one (slidge wipes them at start).
 */
export function restoreRoom(store: GatewayStore, room: LegacyRoom, avatars: AvatarCache, options: { participants: boolean }): Awaitable<void> {
  return andThen(store.getRoom(room.session.user, room.jid), (record) => record && restoreRecord(store, room, record, avatars, options));
}

/** {@link restoreRoom} once the room's record is read. */
function restoreRecord(store: GatewayStore, room: LegacyRoom, record: RoomRecord, avatars: AvatarCache, options: { participants: boolean }): Awaitable<void> {
  // The room has no host yet: what is set here is not reported as the plugin's traffic.
  if (record.name !== undefined) room.name = record.name;
  room.description = record.description ?? "";
  room.subject = record.subject ?? "";
  room.subjectSetter = record.subjectSetter;
  room.subjectDate = record.subjectDate !== undefined ? new Date(record.subjectDate) : undefined;
  room.type = record.type;
  if (record.userNick !== undefined) room.userNick = record.userNick;
  const { avatarId, avatarHash } = record;
  const hasAvatar = avatarId !== undefined && avatarHash !== undefined;
  const cached = hasAvatar ? avatars.peek(avatarId) : undefined;
  const bytes = hasAvatar && !cached ? store.getAvatar(avatarHash) : undefined;
  return andThen(bytes, (stored) => {
    if (hasAvatar) {
      room._avatar = cached ?? { uniqueId: avatarId, hash: avatarHash, ...(stored && { mime: stored.mime, data: stored.data }) };
    }
    if (options.participants) return andThen(store.getParticipants(keyOf(room)), (participants) => restoreParticipants(room, participants));
  });
}

/** Brings back the room's stored participants, unannounced. */
function restoreParticipants(room: LegacyRoom, participants: ParticipantRecord[]): void {
  for (const p of participants) {
    const restored = room._restoreParticipant({
      nickname: p.nickname,
      resource: p.resource,
      occupantId: p.occupantId,
      ...(p.contact !== undefined ? { contact: p.contact } : {}),
    });
    restored.affiliation = p.affiliation;
    restored.role = p.role;
  }
}
