/**
 * The callbacks a plugin overrides in its {@link LegacyRoom} subclass: slidge's abstract
 * `LegacyMUC` methods in camelCase, plus `onText`, `onKick` and `onSetRole`. Every request
 * callback runs in the room's mailbox: one at a time, in arrival order, with a timeout.
 */
import type { Affiliation, Role } from "../protocol/xep0045.js";
import { NotImplementedError } from "./errors.js";
import type { LegacyParticipant } from "./LegacyParticipant.js";

/** Bounds of the archive that `backfill()` should fill up to. */
export interface BackfillBounds {
  oldestMessageId?: string;
  oldestMessageDate?: Date;
}

/** What `onText` receives besides the body. */
export interface IncomingTextOptions {
  /** The XMPP id the client gave the message. */
  xmppId?: string;
}

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

  /** Sends history older than the bounds with the participants' `sendText`; does nothing by default. */
  async backfill(_bounds: BackfillBounds): Promise<void> {}

  /** The user sent a text message; return its legacy id, used as stanza-id. */
  async onText(_text: string, _options: IncomingTextOptions): Promise<string | undefined> {
    throw new NotImplementedError("Sending messages");
  }

  /** The user asks to change the subject; confirm by setting {@link subject}. */
  async onSetSubject(_subject: string): Promise<void> {
    throw new NotImplementedError("Changing the subject");
  }

  /** The user asks to change name and description (null when `HAS_DESCRIPTION` is false). */
  async onSetConfig(_name: string | null, _description: string | null): Promise<void> {
    throw new NotImplementedError("Configuring the room");
  }

  /** The user asks to change a contact's affiliation (`outcast` is a ban, `none` removes membership). */
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

  /** The user kicks an occupant (XEP-0045 role `none`). Confirm with `removeParticipant(p, { kick: true })`. */
  async onKick(_contact: string | undefined, _reason: string | undefined, _nickname: string | undefined): Promise<void> {
    throw new NotImplementedError("Kicking participants");
  }

  /** The user grants or revokes voice or moderation (XEP-0045 roles other than `none`). */
  async onSetRole(
    _contact: string | undefined,
    _role: Role,
    _reason: string | undefined,
    _nickname: string | undefined,
  ): Promise<void> {
    throw new NotImplementedError("Changing roles");
  }
}
