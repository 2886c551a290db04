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
  const filled = room._filledInRun;
  const backfilled = room._backfilledInRun;
  if (filled !== undefined || backfilled !== undefined) {
    record.flags = {
      ...(filled !== undefined && { participantsFilled: true, filledInRun: filled }),
      ...(backfilled !== undefined && { historyFilled: true, backfilledInRun: backfilled }),
    };
  }
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

/**
 * Replaces the room's stored participants with the current list; with `run` (the list comes
 * from `fillParticipants` in that run), then marks the room's record filled in `run`, once the
 * rows are stored: a process that finds the mark finds the rows.
 */
export function saveParticipants(store: GatewayStore, room: LegacyRoom, run?: string): Awaitable<void> {
  const rows = store.putParticipants(keyOf(room), room._storedParticipants().map(participantRecord));
  if (run === undefined || room._filledInRun === run) return rows;
  return andThen(rows, () => {
    room._filledInRun = run;
    return store.putRoom(roomRecord(room));
  });
}

/** What {@link restoreRoom} is told. */
export interface RestoreOptions {
  /** `fillParticipants` ran in this run before the room passivated in this process. */
  participants: boolean;
  /** The gateway's run: a record marked filled in it brings its participants back too. */
  run?: string;
}

/**
 * Brings a room's state back from the store into a fresh plugin room, before its callbacks run:
 * its info and its avatar (its bytes from the cache, else from the store), and, when
 * `fillParticipants` ran in this run (`participants`: before the room passivated here; or the
 * record is marked filled in `run`, maybe by another process), its participants. Resolves to
 * `"participants"` when it brought them back, `"history"` when besides `backfill` ran in `run`
 * (`RoomFlags.backfilledInRun`), else `"none"`. Participants stored by an earlier run are not brought back:
 * that run's list may be stale, and `fillParticipants` makes a new one (slidge wipes them at
 * start); their occupant ids are noted, so that a nick-only one found again keeps its id and
 * nobody else gets it.
 */
export function restoreRoom(store: GatewayStore, room: LegacyRoom, avatars: AvatarCache, options: RestoreOptions): Awaitable<Restored> {
  return andThen(store.getRoom(room.session.user, room.jid), (record): Awaitable<Restored> => {
    if (!record) return "none";
    const { run } = options;
    const marked = run !== undefined && record.flags?.filledInRun === run;
    if (marked) room._filledInRun = run;
    const backfilled = marked && record.flags?.backfilledInRun === run;
    if (backfilled) room._backfilledInRun = run;
    const participants = options.participants || marked;
    return andThen(restoreRecord(store, room, record, avatars, { participants }), () => (backfilled ? "history" : participants ? "participants" : "none"));
  });
}

/**
 * What {@link restoreRoom} brought back: nothing beyond the room's info, its participants
 * (`fillParticipants` ran in this run), or its participants and the knowledge that `backfill` ran too.
 */
export type Restored = "none" | "participants" | "history";

/**
 * Notes that `backfill` ran for the room in `run` and writes it in the room's record, so that a
 * process of the same run that takes the room over does not call it again.
 */
export function markBackfilled(store: GatewayStore, room: LegacyRoom, run: string | undefined): Awaitable<void> {
  if (run === undefined || room._backfilledInRun === run) return;
  room._backfilledInRun = run;
  return store.putRoom(roomRecord(room));
}

/**
 * {@link markBackfilled} once `call` (the room's `backfill`) ended, failed or not; a failed write
 * goes to `onError` (an `onError` that throws has nobody left to tell).
 */
export function markBackfilledAfter(call: Promise<void>, store: GatewayStore, room: LegacyRoom, run: string | undefined, onError?: (error: unknown) => void): void {
  const mark = async () => markBackfilled(store, room, run);
  void call
    .then(mark, mark)
    .catch((error: unknown) => onError?.(error))
    .catch(() => {});
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
    return andThen(store.getParticipants(keyOf(room)), (participants) => restoreParticipants(room, participants, options));
  });
}

/**
 * Brings back the room's stored participants, unannounced, when `participants`; else only notes
 * their occupant ids.
 */
function restoreParticipants(room: LegacyRoom, participants: ParticipantRecord[], options: { participants: boolean }): void {
  if (!options.participants) {
    for (const p of participants) room._occupantIds.remember(p);
    return;
  }
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

/**
 * The write of the participant list that `fillParticipants` made, put off until the event loop
 * turns: the join sequences that waited for the list are written first (the outbox writes on
 * `process.nextTick`), so that a first join does not wait for the store (docs/benchmarks.md).
 * The list is read when the write runs, so it is the newest one.
 *
 * @example
 * ```ts
 * const rows = new ParticipantsWrite(() => saveParticipants(store, room), onError);
 * rows.soon(); // after fillParticipants
 * rows.now(); // before the room passivates: a re-activation reads the rows
 * ```
 */
export class ParticipantsWrite {
  readonly #write: () => Awaitable<void>;
  readonly #onError: ((error: unknown) => void) | undefined;
  #pending: NodeJS.Immediate | undefined;

  /** `write` stores the list; `onError` hears a write that threw (nobody waits for it any more). */
  constructor(write: () => Awaitable<void>, onError?: (error: unknown) => void) {
    this.#write = write;
    this.#onError = onError;
  }

  /** Writes at the end of this event-loop turn (once, however often it is asked). */
  soon(): void {
    this.#pending ??= setImmediate(() => this.now());
  }

  /**
   * Writes now if a write is pending; with an asynchronous store, the promise settles when the
   * write is done (a failed write goes to `onError`, the promise never rejects).
   */
  now(): Awaitable<void> {
    if (!this.cancel()) return;
    try {
      const written = this.#write();
      if (written instanceof Promise) return written.catch((error: unknown) => this.#onError?.(error));
    } catch (error) {
      this.#onError?.(error);
    }
  }

  /** Drops a pending write (the room ended and its rows are gone); true if one was pending. */
  cancel(): boolean {
    if (this.#pending === undefined) return false;
    clearImmediate(this.#pending);
    this.#pending = undefined;
    return true;
  }
}
