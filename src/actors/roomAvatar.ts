/**
 * Setting a room's avatar: the same unique id sends nothing, a new call cancels a pending one
 * (unless told not to), and the change is announced with status 104 and a room presence
 * carrying the XEP-0153 photo hash (XEP-0486).
 */
import { type Element, xml } from "@xmpp/component";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import { photoUpdate } from "../protocol/xep0054.js";
import { Status, roomStatusMessage } from "../protocol/xep0045.js";
import type { Avatar, AvatarSource } from "../legacy/roomServiceTypes.js";
import { type AvatarCache, defaultUniqueId } from "./avatars.js";

/** The room presence that announces its avatar hash (empty photo: no avatar). */
export function roomAvatarPresence(room: LegacyRoom, to: string): Element {
  return xml("presence", { from: room.jid, to }, photoUpdate(room.avatarHash));
}

/** What a changed avatar sends to one resource: a 104 message, then the room presence. */
export function avatarChanged(room: LegacyRoom, to: string): Element[] {
  return [roomStatusMessage(room.jid, to, [Status.CONFIG_CHANGED]), roomAvatarPresence(room, to)];
}

/** Applies avatars to one room. */
export class RoomAvatar {
  readonly #room: LegacyRoom;
  readonly #cache: AvatarCache;
  readonly #changed: (announce: boolean) => void;
  #pending: { uniqueId: string; controller: AbortController; done: Promise<void> } | undefined;

  /** `changed` runs after every change: it saves the room, and with `announce` tells the resources. */
  constructor(room: LegacyRoom, cache: AvatarCache, changed: (announce: boolean) => void) {
    this.#room = room;
    this.#cache = cache;
    this.#changed = changed;
  }

  /** Applies an avatar that a request loaded (the request announces it itself). */
  apply(avatar: Avatar | undefined): void {
    this.#room._avatar = avatar;
    this.#changed(false);
  }

  /** Loads an avatar through the cache. */
  load(uniqueId: string, source: AvatarSource, signal?: AbortSignal): Promise<Avatar> {
    return this.#cache.load(uniqueId, source, signal);
  }

  /** Sets or removes the avatar; see {@link LegacyRoom.setAvatar}. */
  async set(a: AvatarSource | null, uniqueId: string | undefined, options: { blocking?: boolean; cancel?: boolean }): Promise<void> {
    const room = this.#room;
    const id = a === null ? undefined : (uniqueId ?? defaultUniqueId(a));
    const pending = this.#pending;
    if (id === room.avatarId && (!pending || pending.uniqueId === id)) return;
    if (pending && pending.uniqueId === (id ?? "")) {
      if (options.blocking) await pending.done;
      return;
    }
    if (options.cancel !== false) this.#pending?.controller.abort();
    const controller = new AbortController();
    const done = (async () => {
      const avatar = a === null || id === undefined ? undefined : await this.load(id, a, controller.signal);
      if (controller.signal.aborted) return;
      room._avatar = avatar;
      this.#changed(true);
    })().finally(() => {
      if (this.#pending?.controller === controller) this.#pending = undefined;
    });
    this.#pending = { uniqueId: id ?? "", controller, done };
    if (options.blocking) await done;
    else done.catch(() => {});
  }
}
