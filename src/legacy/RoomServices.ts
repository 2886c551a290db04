/**
 * What the runtime does for a room on the plugin's request: the room avatar (XEP-0486), the
 * user's bookmarks (XEP-0402) and kicking one of the user's resources. {@link LegacyRoom}
 * inherits it.
 */
import { RoomCallbacks } from "./RoomCallbacks.js";
import type { RoomHost } from "./RoomHost.js";
import type { AvatarSource, BookmarkOptions, RoomAvatarState } from "./roomServiceTypes.js";

/** The runtime services of a room; see {@link LegacyRoom}. */
export abstract class RoomServices extends RoomCallbacks {
  /** @internal The runtime that hosts this room. */
  _host: RoomHost | undefined = undefined;
  /** @internal The avatar in use, if any (without bytes when only the store knew it). */
  _avatar: RoomAvatarState | undefined = undefined;

  /**
   * The legacy unique id of the room avatar, if it has one (slidge's `avatar` getter). Restored
   * from the store before {@link updateInfo} runs, also after a restart, so that `updateInfo`
   * can compare it with the legacy network's and skip the download; `setAvatar` with the same
   * id sends nothing.
   */
  get avatarId(): string | undefined {
    return this._avatar?.uniqueId;
  }

  /** The XEP-0153 SHA-1 hash of the room avatar, if it has one. */
  get avatarHash(): string | undefined {
    return this._avatar?.hash;
  }

  /**
   * Sets (or with null removes) the room avatar: bytes, a file path, or an http(s)/file URL.
   *
   * @remarks
   * The same `uniqueId` as the current avatar sends nothing. A new call cancels a pending one
   * unless `cancel` is false. With `blocking`, resolves once the 104 message and the room
   * presence with the new photo hash are handed to the outbox. `uniqueId` defaults to the URL,
   * the path, or the SHA-1 of the bytes.
   */
  async setAvatar(
    a: AvatarSource | null,
    uniqueId?: string,
    options: { blocking?: boolean; cancel?: boolean } = {},
  ): Promise<void> {
    if (!this._host) throw new Error("setAvatar: the room is not attached to a gateway yet");
    await this._host.setAvatar(a, uniqueId, options);
  }

  /**
   * Adds the room to the user's XMPP bookmarks (XEP-0402) through an XEP-0356 privileged iq, so
   * it shows in every client of the user. Without the privilege, or when the server refuses the
   * publish, the user gets an XEP-0249 invitation instead (and a warning goes to `onWarning`).
   * Resolves true when the bookmark was published.
   */
  async addToBookmarks(options: BookmarkOptions = {}): Promise<boolean> {
    if (!this._host) throw new Error("addToBookmarks: the room is not attached to a gateway yet");
    return this._host.addToBookmarks(options);
  }

  /** Disconnects one XMPP resource of the user from the room (status 110 + 333). */
  async kickResource(resource: string): Promise<void> {
    this._host?.kickResource(resource);
  }
}
