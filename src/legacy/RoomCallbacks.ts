/**
 * The callbacks a plugin overrides in its {@link LegacyRoom} subclass: slidge's abstract
 * `LegacyMUC` methods in camelCase, plus `onText`, `onKick` and `onSetRole`. Every request
 * callback runs in the room's mailbox: one at a time, in arrival order, with a timeout; chat
 * states and displayed markers are signals that never wait behind it.
 */
import type { Affiliation, Role } from "../protocol/xep0045.js";
import { NotImplementedError, XMPPError } from "./errors.js";
import type { IncomingFile } from "./files.js";
import type { LegacyParticipant } from "./LegacyParticipant.js";
import type { BackfillBounds, IncomingTextOptions } from "./roomCallbackTypes.js";

export type { BackfillBound, BackfillBounds, IncomingTextOptions } from "./roomCallbackTypes.js";

/** The overridable callbacks of a room; see {@link LegacyRoom}. */
export abstract class RoomCallbacks {
  /** The most reactions one user may put on a message, when the legacy network has a limit. */
  MAX_REACTIONS_PER_USER: number | undefined = undefined;

  /**
   * The reactions the legacy network accepts on a message (or in the room, without an id):
   * a set of emojis, or `"any"` (the default). Clients learn it from the room's disco#info.
   */
  async availableEmojis(_legacyMsgId?: string): Promise<ReadonlySet<string> | "any"> {
    return "any";
  }

  /** The user reacted to a message; `emojis` is their complete set of reactions (empty: none). */
  async onReact(_legacyMsgId: string, _emojis: string[]): Promise<void> {
    throw new NotImplementedError("Reactions");
  }

  /** Fetches name, subject, type… from the legacy network. Runs when the room activates. */
  async updateInfo(): Promise<void> {}

  /**
   * Makes the initial participant list, with {@link getParticipant} and friends. It may also
   * return or yield the participants; duplicates are ignored.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: plugins that only call getParticipant() return nothing
  async fillParticipants(): Promise<void | Iterable<LegacyParticipant> | AsyncIterable<LegacyParticipant>> {}

  /**
   * Sends the history that falls in the hole of `bounds` with the participants'
   * `sendText(body, { legacyId, when, archiveOnly: true })`; does nothing by default. Runs at
   * most once per process run and room, before join history or MAM is served.
   */
  async backfill(_bounds: BackfillBounds): Promise<void> {}

  /** The user sent a text message; return its legacy id, used as stanza-id. */
  async onText(_text: string, _options: IncomingTextOptions): Promise<string | undefined> {
    throw new NotImplementedError("Sending messages");
  }

  /**
   * The user sent a file (an XEP-0066 out-of-band URL, XEP-0447 stateless file sharing or
   * XEP-0385 SIMS): `file.url` is where it can be downloaded, with its name, media type, size and
   * description when the client gave them, and `file.caption`, the text written with it. Return
   * its legacy id, like {@link onText}; a message with a file never reaches `onText`. Overriding
   * it advertises `jabber:x:oob`, `urn:xmpp:sfs:0` and `urn:xmpp:sims:1` in the room's
   * disco#info; by default it refuses with `feature-not-implemented`.
   *
   * @example
   * ```ts
   * override async onFile(file: IncomingFile) {
   *   const bytes = new Uint8Array(await (await fetch(file.url)).arrayBuffer());
   *   return api.sendAttachment(this.legacyId, bytes, file.name ?? "file", file.caption);
   * }
   * ```
   */
  async onFile(_file: IncomingFile, _options: IncomingTextOptions): Promise<string | undefined> {
    throw new XMPPError("feature-not-implemented", "This room does not take files; send the link as a text message instead");
  }

  /**
   * The user corrected one of their messages (XEP-0308): `legacyMsgId` is the legacy id of the
   * message they corrected (its stanza-id when it has none), `text` its new body. Never called
   * with a new message, and a correction never reaches {@link onText}. Overriding it advertises
   * corrections in the room's disco#info; by default it refuses with `feature-not-implemented`.
   *
   * @example
   * ```ts
   * override async onCorrect(legacyMsgId: string, text: string) {
   *   await api.editMessage(this.legacyId, legacyMsgId, text);
   * }
   * ```
   */
  async onCorrect(_legacyMsgId: string, _text: string, _options: IncomingTextOptions): Promise<void> {
    throw new NotImplementedError("Correcting messages");
  }

  /**
   * The user retracted one of their messages (XEP-0424): `legacyMsgId` is its legacy id (its
   * stanza-id when it has none). A retraction never reaches {@link onText}, even with a fallback
   * body. Once it returns, the retraction is echoed and the archive serves a tombstone instead of
   * the message. Overriding it advertises retractions in the room's disco#info; by default it
   * refuses with `feature-not-implemented`.
   *
   * @example
   * ```ts
   * override async onRetract(legacyMsgId: string) {
   *   await api.deleteMessage(this.legacyId, legacyMsgId);
   * }
   * ```
   */
  async onRetract(_legacyMsgId: string): Promise<void> {
    throw new NotImplementedError("Retracting messages");
  }

  /**
   * The user, a moderator of the room, retracts someone's message (XEP-0425): `legacyMsgId` is its
   * legacy id (its stanza-id when it has none), `reason` the one they gave. Once it returns, the
   * room sends the moderation to every resource and archives a tombstone (do not call
   * `moderate()` for it as well), then answers the request. A user who is not a moderator never
   * gets here (`forbidden`). Overriding it advertises moderation in the room's disco#info; by
   * default it refuses with `feature-not-implemented`.
   *
   * @example
   * ```ts
   * override async onModerate(legacyMsgId: string, reason: string | undefined) {
   *   await api.deleteMessage(this.legacyId, legacyMsgId, { reason });
   * }
   * ```
   */
  async onModerate(_legacyMsgId: string, _reason: string | undefined): Promise<void> {
    throw new NotImplementedError("Moderating messages");
  }

  /**
   * The user is typing in the room (XEP-0085 `<composing/>`). Not a request: it runs as soon as
   * the room's info is known, even while a request holds the mailbox, and may overlap other
   * callbacks. Nobody hears if it fails (the gateway's `onWarning` does). Overriding it or
   * {@link onPaused} advertises chat states in the room's disco#info; by default it does nothing.
   */
  async onComposing(): Promise<void> {}

  /** The user stopped typing (XEP-0085 `<paused/>`); like {@link onComposing}. Does nothing by default. */
  async onPaused(): Promise<void> {}

  /**
   * The user displayed the room's messages up to `legacyMsgId` (XEP-0333 `<displayed/>`, named
   * by its stanza-id; a message without a legacy id is named by that). Not a request, like
   * {@link onComposing}; a marker for an unknown message does not call it. Once it returns, the
   * marker goes to the user's other joined resources (not archived); if it throws, nowhere.
   * Overriding it advertises displayed markers in the room's disco#info; by default it does nothing.
   *
   * @example
   * ```ts
   * override async onDisplayed(legacyMsgId: string) {
   *   await api.markRead(this.legacyId, legacyMsgId);
   * }
   * ```
   */
  async onDisplayed(_legacyMsgId: string): Promise<void> {}

  /** The user asks to change the subject; confirm by setting {@link subject}. */
  async onSetSubject(_subject: string): Promise<void> {
    throw new NotImplementedError("Changing the subject");
  }

  /** The user asks to change name and description (null when `HAS_DESCRIPTION` is false). */
  async onSetConfig(_name: string | null, _description: string | null): Promise<void> {
    throw new NotImplementedError("Configuring the room");
  }

  /**
   * The user asks to change a contact's affiliation (a muc#admin set): `outcast` is a ban, `none`
   * removes membership. Confirm by setting the participant's `affiliation`, or for a ban with
   * `removeParticipant(p, { ban: true })` (301).
   *
   * Arguments, in order:
   * - `contact`: the target's legacy contact id: from the item's `jid` (`<escaped contact>@domain`),
   *   or for an item by `nick`, that occupant's contact (`undefined` when it has none);
   * - `affiliation`: the new affiliation;
   * - `reason`: the item's `<reason/>` text, if any;
   * - `nickname`: the target's legacy nickname (`participant.nickname`, not its resource): for an
   *   item by `nick`, the occupant it names (matched by resource or nickname); for an item by
   *   `jid`, the stored participant with that contact, else `undefined`.
   *
   * A ban by nick arrives as `onSetAffiliation(contact, "outcast", reason, nickname)`.
   */
  async onSetAffiliation(
    _contact: string | undefined,
    _affiliation: Affiliation,
    _reason: string | undefined,
    _nickname: string | undefined,
  ): Promise<void> {
    throw new NotImplementedError("Changing affiliations");
  }

  /** The user asks to destroy the room. */
  async onDestroyRequest(_reason: string | undefined): Promise<void> {
    throw new NotImplementedError("Destroying the room");
  }

  /** The user sets (or with null data, removes) the room avatar; return its legacy id to apply it now. */
  async onAvatar(_data: Uint8Array | null, _mime: string | null): Promise<string | null> {
    throw new NotImplementedError("Changing the room avatar");
  }

  /**
   * The user kicks an occupant (a muc#admin set of role `none`). Confirm with
   * `removeParticipant(p, { kick: true })` (307).
   *
   * `contact`, `reason` and `nickname` are as for {@link onSetAffiliation}: the target's legacy
   * contact id, the item's `<reason/>` text, and the target's legacy nickname (not its resource).
   */
  async onKick(_contact: string | undefined, _reason: string | undefined, _nickname: string | undefined): Promise<void> {
    throw new NotImplementedError("Kicking participants");
  }

  /**
   * The user grants or revokes voice or moderation (a muc#admin set of a role other than
   * `none`). Confirm by setting the participant's `role`.
   *
   * `role` is the new role (`visitor`, `participant` or `moderator`); `contact`, `reason` and
   * `nickname` are as for {@link onSetAffiliation}: the target's legacy contact id, the item's
   * `<reason/>` text, and the target's legacy nickname (not its resource).
   */
  async onSetRole(
    _contact: string | undefined,
    _role: Role,
    _reason: string | undefined,
    _nickname: string | undefined,
  ): Promise<void> {
    throw new NotImplementedError("Changing roles");
  }

  /**
   * A resource of the user entered the room: its join sequence (participants, then subject) has
   * gone out; `first` when no other resource of the user was in the room (the chart's entry of
   * `joined`). Runs in the room's mailbox like a request: after what was queued before it,
   * before the user's next request (a message sent right after joining waits for it), with the
   * request timeout. If it throws or times out, the gateway's `onWarning` hears it; the join
   * stands. A join of a resource that is already in the room does not call it. Does nothing by
   * default.
   *
   * @remarks
   * It runs after the join, not before: the user sees the room at once, with the participants
   * the gateway knows, and what the hook changes goes out as live presences. A bridge that must
   * be in the legacy room to list its participants (IRC) joins in `fillParticipants` on the
   * room's first activation, and here when `first` comes again after an `onUserLeft` with `last`.
   *
   * @example
   * ```ts
   * override async onUserJoined(_resource: string, { first }: { first: boolean }) {
   *   if (first && !this.session.irc.inChannel(this.legacyId)) await this.session.irc.join(this.legacyId);
   * }
   * ```
   */
  async onUserJoined(_resource: string, _options: { first: boolean }): Promise<void> {}

  /**
   * A resource of the user left the room (an unavailable presence, or its client reported it
   * gone); `last` when no resource of the user remains (the chart leaves `joined`). Runs in the
   * mailbox like {@link onUserJoined}; a failure is a warning. When the room itself ends with
   * resources in it (destroyed, the user removed), it runs once more, with `last`, outside the
   * mailbox (which ended with the room) and with the room already detached; not when the gateway
   * stops (the room is kept for the next run; see `LegacySession.shutdown`). Does nothing by default.
   *
   * @example
   * ```ts
   * override async onUserLeft(_resource: string, { last }: { last: boolean }) {
   *   if (last) await this.session.irc.part(this.legacyId);
   * }
   * ```
   */
  async onUserLeft(_resource: string, _options: { last: boolean }): Promise<void> {}
}
