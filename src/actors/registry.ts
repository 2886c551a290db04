/**
 * The registry of room actors, keyed by (user bare JID, room JID). Each room is an independent
 * root actor: spawning thousands of children of one parent machine costs more per spawn as the
 * parent grows (see README, "Design").
 */
import { LRUCache } from "lru-cache";
import type { InspectionEvent } from "xstate";
import { XMPPError } from "../legacy/errors.js";
import type { LegacySession } from "../legacy/LegacySession.js";
import { unescapeLocalpart } from "../protocol/xep0106.js";
import { AvatarCache } from "./avatars.js";
import type { Store } from "../store/types.js";
import type { GatewayServices } from "./bookmarks.js";
import { RoomActor, type StanzaSink } from "./RoomActor.js";

/** Options of {@link RoomRegistry}. */
export interface RoomRegistryOptions {
  /** The component domain. */
  domain: string;
  outbox: StanzaSink;
  /** Bound of each room's mailbox. */
  mailboxSize: number;
  /** Timeout of each legacy callback, in milliseconds. */
  callbackTimeoutMs: number;
  /** Most live room actors; a new room beyond it is refused with `resource-constraint`. */
  maxRooms: number;
  /** Where rooms archive their messages; none: no history and no MAM. */
  store?: Store;
  /** What rooms use to talk to the user's server. @defaultValue no privileges */
  services?: GatewayServices;
  /** Bytes the avatar cache may hold. @defaultValue 64 MiB */
  avatarCacheBytes?: number;
  /** XState inspection observer passed to every room actor. */
  inspect?: (event: InspectionEvent) => void;
  /** Called when a room actor fails beyond recovery. */
  onFailure?: (error: unknown, room: RoomActor) => void;
}

/** Finds and creates room actors. */
export class RoomRegistry {
  readonly #options: RoomRegistryOptions;
  readonly #rooms = new Map<string, RoomActor>();
  readonly #creating = new Map<string, Promise<RoomActor>>();
  readonly #destroyed = new LRUCache<string, true>({ max: 10_000 });
  /** Room avatars by unique id, shared by every room. */
  readonly avatars: AvatarCache;

  constructor(options: RoomRegistryOptions) {
    for (const key of ["mailboxSize", "callbackTimeoutMs", "maxRooms"] as const) {
      const v = options[key];
      if (!Number.isInteger(v) || v < 1) throw new TypeError(`${key} option must be a positive integer`);
    }
    this.#options = options;
    this.avatars = new AvatarCache({ maxBytes: options.avatarCacheBytes });
  }

  /** Number of live room actors. */
  get size(): number {
    return this.#rooms.size;
  }

  /** The live room actor, if there is one; never creates. */
  peek(user: string, roomJid: string): RoomActor | undefined {
    return this.#rooms.get(key(user, roomJid));
  }

  /** Every live room actor of one user. */
  roomsOf(user: string): RoomActor[] {
    return [...this.#rooms.values()].filter((r) => r.room.session.user === user);
  }

  /** Every live room actor. */
  all(): RoomActor[] {
    return [...this.#rooms.values()];
  }

  /**
   * The room actor for `local@domain` in this session, created (and its `updateInfo` started)
   * on first use. Throws an {@link XMPPError}: `item-not-found` for unknown or destroyed rooms.
   */
  async get(session: LegacySession, local: string): Promise<RoomActor> {
    const roomJid = `${local}@${this.#options.domain}`;
    const k = key(session.user, roomJid);
    const live = this.#rooms.get(k);
    if (live) return live;
    if (this.#destroyed.has(k)) throw new XMPPError("item-not-found", "This room has been destroyed");
    const pending = this.#creating.get(k);
    if (pending) return pending;
    if (this.#rooms.size >= this.#options.maxRooms) {
      throw new XMPPError("resource-constraint", "The gateway has too many active rooms", "wait");
    }
    const creation = this.#create(session, local, roomJid, k).finally(() => this.#creating.delete(k));
    this.#creating.set(k, creation);
    return creation;
  }

  async #create(session: LegacySession, local: string, roomJid: string, k: string): Promise<RoomActor> {
    const legacyId = unescapeLocalpart(local);
    const room = await session.createRoom(legacyId);
    room.jid = roomJid;
    const o = this.#options;
    const actor: RoomActor = new RoomActor({
      room,
      outbox: o.outbox,
      mailboxSize: o.mailboxSize,
      callbackTimeoutMs: o.callbackTimeoutMs,
      avatars: this.avatars,
      services: o.services,
      store: o.store,
      inspect: o.inspect,
      onError: (error) => o.onFailure?.(error, actor),
      onDestroyed: () => {
        this.#rooms.delete(k);
        this.#destroyed.set(k, true);
      },
      onFailure: (error) => {
        this.#rooms.delete(k);
        o.onFailure?.(error, actor);
      },
    });
    this.#rooms.set(k, actor);
    return actor;
  }

  /** Sends every joined resource the shutdown presence (332) and stops every actor. */
  shutdown(): void {
    for (const room of this.#rooms.values()) room.shutdown();
    this.#rooms.clear();
  }
}

function key(user: string, roomJid: string): string {
  return `${user}\n${roomJid}`;
}
