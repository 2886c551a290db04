/**
 * A participant of a bridged room: a legacy user seen as a MUC occupant.
 * Mirrors slidge's `LegacyParticipant` (camelCase).
 */
import type { Affiliation, Role } from "../protocol/xep0045.js";
import type { LegacyRoom } from "./LegacyRoom.js";
import type { PluginTraffic } from "./RoomHost.js";
import { type Mention, type OutgoingReply, checkTextExtras } from "./replies.js";
import type { OutgoingFile } from "./files.js";

/** Options of {@link LegacyParticipant.sendText}. */
export interface SendTextOptions {
  /** The legacy network's id of the message; it becomes the XMPP id and stanza-id. */
  legacyId?: string;
  /** When the message was sent on the legacy network; adds an XEP-0203 delay. */
  when?: Date;
  /** Archive it without sending it: history, as `backfill()` sends it. */
  archiveOnly?: boolean;
  /** The message this one replies to (XEP-0461, with a quote for other clients; see README "Replies and mentions"). */
  replyTo?: OutgoingReply;
  /** The participants the body names (XEP-0372), at UTF-16 offsets of `body`, e.g. from `findMentions`. */
  mentions?: readonly Mention[];
}

/** An occupant's presence as the legacy network reports it. */
export interface ParticipantPresence {
  /** The XMPP `<show/>`; absent: available. */
  show?: "away" | "chat" | "dnd" | "xa";
  /** The `<status/>` text, if any. */
  status?: string;
  /** When the participant was last active (XEP-0319). */
  idleSince?: Date;
}

/** What a room gives {@link LegacyParticipant}'s constructor; computed by the room, not the plugin. */
export interface ParticipantInit {
  /** The room the participant is in. */
  room: LegacyRoom;
  /** The legacy display name. */
  nickname: string;
  /** The occupant JID's resourcepart, already made safe and unique in the room. */
  resource: string;
  /** The legacy id of the contact behind the participant, when known. */
  contact?: string;
  /** True for the participant that stands for the gateway user. */
  isUser?: boolean;
  /** True for the pseudo-participant that stands for the room itself. */
  isSystem?: boolean;
  /** The stable XEP-0421 occupant id. */
  occupantId: string;
}

/**
 * An occupant of a {@link LegacyRoom}. Obtain participants with
 * {@link LegacyRoom.getParticipant}, {@link LegacyRoom.getParticipantByContact},
 * {@link LegacyRoom.getUserParticipant} or {@link LegacyRoom.getSystemParticipant}; never
 * construct them directly.
 */
export class LegacyParticipant {
  /** The room this participant is in. */
  readonly room: LegacyRoom;
  /** The legacy display name; change it with {@link rename}. */
  nickname: string;
  /** The occupant JID's resourcepart: the nickname, made safe and unique (see README). */
  resource: string;
  /** The legacy id of the contact behind this participant, when known. */
  readonly contact: string | undefined;
  /** True for the participant that stands for the gateway user. */
  readonly isUser: boolean;
  /** True for the pseudo-participant that stands for the room itself. */
  readonly isSystem: boolean;
  /** The stable XEP-0421 occupant id. */
  readonly occupantId: string;
  /** @internal Whether this run already sent this occupant's presence. */
  _presenceSent = false;
  /** @internal The presence last reported. */
  _presence: ParticipantPresence = {};
  #affiliation: Affiliation = "member";
  #role: Role = "participant";

  /**
   * Called by the room's {@link LegacyRoom.newParticipant} only: a subclass passes `init` on
   * unchanged.
   */
  constructor(init: ParticipantInit) {
    this.room = init.room;
    this.nickname = init.nickname;
    this.resource = init.resource;
    this.contact = init.contact;
    this.isUser = init.isUser ?? false;
    this.isSystem = init.isSystem ?? false;
    this.occupantId = init.occupantId;
  }

  /** The occupant JID (`room@domain/resource`); the bare room JID for the system participant. */
  get jid(): string {
    return this.isSystem ? this.room.jid : `${this.room.jid}/${this.resource}`;
  }

  /** XEP-0045 affiliation; `member` by default. Changing it re-sends the occupant's presence. */
  get affiliation(): Affiliation {
    return this.#affiliation;
  }
  /** Sets the affiliation; a change re-sends the occupant's presence. */
  set affiliation(value: Affiliation) {
    if (value === this.#affiliation) return;
    this.#affiliation = value;
    this.room._host?.tell({ kind: "changed", participant: this, save: true });
  }

  /** XEP-0045 role; `participant` by default. Changing it re-sends the occupant's presence. */
  get role(): Role {
    return this.#role;
  }
  /** Sets the role; a change re-sends the occupant's presence. */
  set role(value: Role) {
    if (value === this.#role) return;
    this.#role = value;
    this.room._host?.tell({ kind: "changed", participant: this, save: true });
  }

  /** Reports a presence change (show, status, idle) from the legacy network. */
  setPresence(presence: ParticipantPresence): void {
    this._presence = { ...presence };
    this.room._host?.tell({ kind: "changed", participant: this, save: false });
  }

  /**
   * Sends this participant's reactions to a message (XEP-0444): `emojis` is their complete set
   * (empty: none). `legacyMsgId` is the legacy id of the message, which is its stanza-id.
   */
  react(legacyMsgId: string, emojis: string[], options: { legacyId?: string } = {}): void {
    const host = this.room._host;
    if (!host) throw new Error("react: the room is not attached to a gateway yet");
    host.tell({ kind: "reaction", participant: this, target: legacyMsgId, emojis, legacyId: options.legacyId });
  }

  /**
   * Sends this participant's correction (XEP-0308) of one of their messages: `legacyMsgId` is
   * the legacy id of the message, `text` its new body. The correction names the message by the
   * id the user's clients know it by (for a message the user sent from XMPP, the id their client
   * gave it); it is archived and gets its own stanza-id: `options.legacyId` (the legacy id of the
   * edit, if the network has one, and then also its XMPP id) or a new one.
   *
   * @example
   * ```ts
   * const bob = await room.getParticipant("bob");
   * bob.sendText("helo", { legacyId: "m-42" });
   * bob.correct("m-42", "hello");
   * ```
   */
  correct(legacyMsgId: string, text: string, options: { legacyId?: string } = {}): void {
    const host = this.room._host;
    if (!host) throw new Error("correct: the room is not attached to a gateway yet");
    host.tell({ kind: "correction", participant: this, target: legacyMsgId, body: text, legacyId: options.legacyId });
  }

  /**
   * Retracts this participant's message (XEP-0424) whose legacy id (its stanza-id) is
   * `legacyMsgId`: sent from its occupant JID, archived under `options.legacyId` (or a new
   * stanza-id), and the archive serves a tombstone instead of the message.
   */
  retract(legacyMsgId: string, options: { legacyId?: string } = {}): void {
    this.#signal({ kind: "retraction", participant: this, target: legacyMsgId, legacyId: options.legacyId });
  }

  /**
   * This participant, a moderator, retracts anyone's message (XEP-0425, slidge's
   * `moderate()`): sent from the bare room JID, `moderated by` this occupant (call it on
   * {@link LegacyRoom.getSystemParticipant} for a moderation by the room itself), archived, and
   * the message replaced by a tombstone. Not for a moderation the user made from XMPP: the room
   * sends that one itself once `onModerate` returns.
   *
   * @example
   * ```ts
   * (await room.getParticipant("carol")).moderate("m-42", { reason: "spam" });
   * ```
   */
  moderate(legacyMsgId: string, options: { reason?: string; legacyId?: string } = {}): void {
    this.#signal({ kind: "moderation", participant: this, target: legacyMsgId, reason: options.reason, legacyId: options.legacyId });
  }

  /** Renames the participant: 303 from the old nick, then a presence from the new one. */
  rename(nickname: string): void {
    this.room.renameParticipant(this, nickname);
  }

  /** The participant left the room (unavailable presence). */
  leave(reason?: string): void {
    this.room.removeParticipant(this, { reason });
  }

  /** The participant was kicked (307). */
  kick(reason?: string): void {
    this.room.removeParticipant(this, { kick: true, reason });
  }

  /** The participant was banned (301). */
  ban(reason?: string): void {
    this.room.removeParticipant(this, { ban: true, reason });
  }

  /** The participant is typing (XEP-0085 `composing`), to every joined resource; not archived. */
  composing(): void {
    this.#signal({ kind: "chatState", participant: this, state: "composing" });
  }

  /** The participant stopped typing (XEP-0085 `paused`). */
  paused(): void {
    this.#signal({ kind: "chatState", participant: this, state: "paused" });
  }

  /**
   * The participant has seen a message (XEP-0333 `displayed`): `legacyMsgId` is its legacy id,
   * which is its stanza-id in the room. Not archived.
   */
  displayed(legacyMsgId: string): void {
    this.#signal({ kind: "displayed", participant: this, target: legacyMsgId });
  }

  #signal(traffic: PluginTraffic): void {
    const host = this.room._host;
    if (!host) throw new Error("the room is not attached to a gateway yet");
    host.tell(traffic);
  }

  /**
   * Sends a groupchat message from this participant to every joined resource of the user.
   *
   * @example
   * ```ts
   * const bob = await room.getParticipant("bob");
   * bob.sendText("hello", { legacyId: "m-42" });
   * // A reply to carol's message m-41 that mentions her (XEP-0461, XEP-0372):
   * const text = "sure carol";
   * bob.sendText(text, { legacyId: "m-43", replyTo: { legacyId: "m-41", participant: carol, text: "tea?" }, mentions: findMentions(text, [carol]) });
   * ```
   */
  sendText(body: string, options: SendTextOptions = {}): void {
    const host = this.room._host;
    if (!host) throw new Error("sendText: the room is not attached to a gateway yet; call it after updateInfo()");
    checkTextExtras(this.room, body, options);
    host.tell({ kind: "message", participant: this, body, options });
  }

  /**
   * Sends a file from this participant, archived then fanned out like {@link sendText}: the body is
   * its URL, with XEP-0066 out-of-band data and XEP-0447 metadata. `{ url }` is sent as it is;
   * `{ data, name, mime }` is first uploaded through the server's XEP-0363 service. Resolves once
   * the message is on its way; rejects when there is no upload service, the file is too big for
   * it, or the upload fails (then nothing is sent). What this participant and the room report after
   * it waits for it, so that the user sees them in the order they were sent.
   *
   * @example
   * ```ts
   * await bob.sendFile({ data: bytes, name: "cat.png", mime: "image/png" }, { legacyId: "m-43" });
   * ```
   */
  sendFile(file: OutgoingFile, options: SendTextOptions = {}): Promise<void> {
    const host = this.room._host;
    if (!host) return Promise.reject(new Error("sendFile: the room is not attached to a gateway yet; call it after updateInfo()"));
    return host.sendFile(this, file, options);
  }
}
