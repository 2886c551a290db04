/**
 * A user's session on the legacy network: the plugin's view of one XMPP user.
 */
import type { LegacyRoom } from "./LegacyRoom.js";

/** A room as listed in the component's disco#items. */
export interface RoomListing {
  legacyId: string;
  name?: string;
}

/**
 * One XMPP user's session. Rooms are per user, as in slidge: two users of the gateway who are
 * in the same legacy group each get their own {@link LegacyRoom}.
 *
 * @example
 * ```ts
 * class MySession extends LegacySession {
 *   override async createRoom(legacyId: string) {
 *     if (!(await api.groupExists(legacyId))) throw new XMPPError("item-not-found");
 *     return new MyRoom(this, legacyId);
 *   }
 * }
 * ```
 */
export abstract class LegacySession {
  /** The user's bare JID. */
  readonly user: string;
  /** @internal The runtime that hosts this session. */
  _host: { getRoom(legacyId: string): Promise<LegacyRoom> } | undefined = undefined;

  constructor(user: string) {
    this.user = user;
  }

  /**
   * Resolves a legacy room id to a room. Throw `XMPPError("item-not-found")` for an id that
   * does not exist. Called at most once per room and run; the runtime keeps the room.
   */
  abstract createRoom(legacyId: string): LegacyRoom | Promise<LegacyRoom>;

  /**
   * The room with this legacy id, activated (its `updateInfo` has run) as if a stanza had named it.
   * Use it in {@link login} to, e.g., add the user's groups to their bookmarks.
   */
  async getRoom(legacyId: string): Promise<LegacyRoom> {
    if (!this._host) throw new Error("getRoom: the session is not attached to a gateway yet");
    return this._host.getRoom(legacyId);
  }

  /** Called once when the session starts (see `GatewayPlugin.users`). Does nothing by default. */
  async login(): Promise<void> {}

  /**
   * The user invited a legacy contact to a room (XEP-0249, or a mediated XEP-0045 invitation).
   * By default, makes the contact a member: `room.onSetAffiliation(contact, "member", reason)`.
   */
  async onInvitation(contact: string, room: LegacyRoom, reason: string | undefined): Promise<void> {
    await room.onSetAffiliation(contact, "member", reason, undefined);
  }

  /** The user's rooms, for the component's disco#items. Defaults to none beyond active rooms. */
  async listRooms(): Promise<RoomListing[]> {
    return [];
  }

  /** Called when the gateway shuts down or forgets the session. */
  async shutdown(): Promise<void> {}
}
