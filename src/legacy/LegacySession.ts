/**
 * A user's session on the legacy network: the plugin's view of one XMPP user.
 */
import { NotImplementedError } from "./errors.js";
import type { LegacyRoom } from "./LegacyRoom.js";

/** A room as listed in the component's disco#items. */
export interface RoomListing {
  /** The legacy network's id of the room (escaped into the room JID's local part). */
  legacyId: string;
  /** The name shown in disco#items; the legacy id when absent. */
  name?: string;
}

/** Options of {@link LegacySession.removeRoom}. */
export interface RemoveRoomOptions {
  /** Why, shown to the user in the 307 presence's `<reason/>`. */
  reason?: string;
  /**
   * Tell the user's joined resources with an unavailable self-presence (307, 110, and 100 in
   * non-anonymous rooms). False removes the room silently.
   * @defaultValue true
   */
  kick?: boolean;
}

/** The host of a session: the gateway's rooms of this user. @internal */
export interface SessionHost {
  getRoom(legacyId: string): Promise<LegacyRoom>;
  removeRoom(legacyId: string, options: RemoveRoomOptions): Promise<void>;
}

/**
 * One XMPP user's session. Rooms are per user, as in slidge: two users of the gateway who are
 * in the same legacy group each get their own {@link LegacyRoom}.
 *
 * @typeParam Room - The plugin's room class: what {@link createRoom} returns and
 *   {@link getRoom} resolves to. Pair it with the room's `Session` parameter
 *   (`class MySession extends LegacySession<MyRoom>`, `class MyRoom extends LegacyRoom<MySession>`)
 *   and each side sees the other's own members without casts.
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
// biome-ignore lint/suspicious/noExplicitAny: a room's own Session default would make the two defaults circular
export abstract class LegacySession<Room extends LegacyRoom = LegacyRoom<any>> {
  /** The user's bare JID. */
  readonly user: string;
  /** @internal The runtime that hosts this session. */
  _host: SessionHost | undefined = undefined;

  constructor(user: string) {
    this.user = user;
  }

  /**
   * Resolves a legacy room id to a room. Throw `XMPPError("item-not-found")` for an id that
   * does not exist, or a room the user is not (or no longer) in. Called when a stanza or
   * {@link getRoom} names a room that has no running actor: once per run, and again after the
   * room was destroyed or removed ({@link removeRoom}), which is how such a room comes back
   * when the legacy network lists it again.
   */
  abstract createRoom(legacyId: string): Room | Promise<Room>;

  /**
   * The room with this legacy id, activated (its `updateInfo` has run) as if a stanza had named it.
   * Use it in {@link login} to, e.g., add the user's groups to their bookmarks.
   */
  async getRoom(legacyId: string): Promise<Room> {
    if (!this._host) throw new Error("getRoom: the session is not attached to a gateway yet");
    // The host's room came from this session's createRoom.
    return (await this._host.getRoom(legacyId)) as Room;
  }

  /**
   * Takes the user out of a room: the legacy network kicked them, or they left it from another
   * device (slidge's `bookmarks.remove(muc, reason, kick)`).
   *
   * @remarks
   * With `kick` (the default), every joined resource gets an unavailable self-presence from the
   * user's occupant JID with the user's affiliation, role `none`, the real JID in non-anonymous
   * rooms, the `reason`, and status 307 + 110 (+ 100 in non-anonymous rooms). Then the room is
   * forgotten: requests waiting in its mailbox get `item-not-found`, its actor ends (the
   * inspector shows it `removed`), and its rows (info, participants, archive) are deleted from
   * the store. The `LegacyRoom` object is detached: what the plugin still does with it is
   * dropped. The user's bookmark is left alone. A later stanza to the room asks
   * {@link createRoom} again: the room comes back, empty, only if the plugin accepts it.
   * Resolves once the room is gone; a room that was never activated only loses its rows.
   *
   * @example
   * ```ts
   * api.on("kicked", (groupId, why) => session.removeRoom(groupId, { reason: why }));
   * ```
   */
  async removeRoom(room: Room | string, options: RemoveRoomOptions = {}): Promise<void> {
    if (!this._host) throw new Error("removeRoom: the session is not attached to a gateway yet");
    await this._host.removeRoom(typeof room === "string" ? room : room.legacyId, options);
  }

  /**
   * The user left a group from an XMPP client: an XEP-0077 `<remove/>` sent to the room (slidge's
   * `on_leave_group`). Runs in the room's mailbox; when it resolves, the iq gets its result and
   * the room is removed as by {@link removeRoom} with the reason "You left this chat from an
   * XMPP client.". Throws {@link NotImplementedError} (`feature-not-implemented`) by default.
   */
  async onLeaveGroup(_legacyId: string): Promise<void> {
    throw new NotImplementedError("Leaving groups");
  }

  /** Called once when the session starts (see `GatewayPlugin.users`). Does nothing by default. */
  async login(): Promise<void> {}

  /**
   * The user invited a legacy contact to a room (XEP-0249, or a mediated XEP-0045 invitation).
   * By default, makes the contact a member: `room.onSetAffiliation(contact, "member", reason)`.
   */
  async onInvitation(contact: string, room: Room, reason: string | undefined): Promise<void> {
    await room.onSetAffiliation(contact, "member", reason, undefined);
  }

  /** The user's rooms, for the component's disco#items. Defaults to none beyond active rooms. */
  async listRooms(): Promise<RoomListing[]> {
    return [];
  }

  /** Called when the gateway shuts down or forgets the session. */
  async shutdown(): Promise<void> {}
}
