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

  constructor(user: string) {
    this.user = user;
  }

  /**
   * Resolves a legacy room id to a room. Throw `XMPPError("item-not-found")` for an id that
   * does not exist. Called at most once per room and run; the runtime keeps the room.
   */
  abstract createRoom(legacyId: string): LegacyRoom | Promise<LegacyRoom>;

  /** The user's rooms, for the component's disco#items. Defaults to none beyond active rooms. */
  async listRooms(): Promise<RoomListing[]> {
    return [];
  }

  /** Called when the gateway shuts down or forgets the session. */
  async shutdown(): Promise<void> {}
}
