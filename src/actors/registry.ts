/**
 * The registry of room actors, keyed by (user bare JID, room JID). Each room is an independent
 * root actor: spawning thousands of children of one parent machine costs more per spawn as the
 * parent grows (see README, "The room machine").
 *
 * Active rooms live in an lru-cache bounded by `maxRooms` and `idleMs`. A room leaving the cache
 * passivates only when it is idle (no joined resource, empty mailbox, nothing in flight): its
 * actor stops and its state stays in the store. lru-cache cannot refuse an eviction, so a busy
 * room is parked instead and re-admitted, never dropped. Every stanza goes through `get`, so a
 * stanza for a passivated room re-activates it, without re-running the callbacks that already
 * ran in this process run.
 */
import { LRUCache } from "lru-cache";
import { XMPPError } from "../protocol/xmppError.js";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import { DETACHED_HOST, type RoomHost } from "../legacy/RoomHost.js";
import type { LegacySession, RemoveRoomOptions, SessionHost } from "../legacy/LegacySession.js";
import { checkPositiveInteger } from "../optionChecks.js";
import { type PassivatedState, hasEnded, isIdle, participantsFilledState, participantsKnownIn } from "../machines/roomStatus.js";
import { escapeLocalpart, unescapeLocalpart } from "../protocol/xep0106.js";
import { type GatewayStore, isPromise } from "../store/eitherStore.js";
import { roomMachine } from "../machines/roomMachine.js";
import { AvatarCache } from "./avatars.js";
import { RoomActor } from "./RoomActor.js";
import type { RoomRegistryOptions } from "./registryOptions.js";
import { restoreRoom } from "./roomRecords.js";
import { addTallies, type ShutdownTally } from "./roomShutdown.js";
import { wakingHost } from "./wakingHost.js";
import type { RoomMachine } from "../machines/roomExtension.js";
import { withLegacyActors } from "./legacyActors.js";
import { RoomLifecycle } from "./roomLifecycle.js";

/**
 * What the registry remembers of a passivated room: the machine state it resumes from (shared
 * between rooms in the same state), and its room object while the plugin still holds it (a
 * re-activation goes on with that object).
 */
interface Passivated {
  state: PassivatedState;
  room: WeakRef<LegacyRoom>;
}

/** Finds, creates, passivates and re-activates room actors. */
export class RoomRegistry {
  readonly #options: RoomRegistryOptions;
  readonly #active: LRUCache<string, RoomActor>;
  /** Busy rooms that left the cache: still running, re-admitted when used or once idle. */
  readonly #parked = new Map<string, RoomActor>();
  /**
   * Passivated rooms and what already ran for them in this run, oldest first, bounded (a plain
   * Map: an LRUCache of this size preallocates ~26 MiB and ~90 ms at start).
   */
  readonly #passivated = new Map<string, Passivated>();
  readonly #creating = new Map<string, Promise<RoomActor>>();
  readonly #sweeper: NodeJS.Timeout;
  /** Set by {@link shutdown}: no room is created or re-activated after it. */
  #closed = false;
  /** Room avatars by unique id, shared by every room. */
  readonly avatars: AvatarCache;
  /** The running rooms and their lifecycle events (`gateway.rooms`). */
  readonly rooms: RoomLifecycle;
  /** The room machine with the plugin's callbacks, shared by every room of this registry. */
  readonly #machine: RoomMachine | undefined;

  constructor(options: RoomRegistryOptions) {
    for (const key of ["mailboxSize", "callbackTimeoutMs", "maxRooms"] as const) checkPositiveInteger(key, options[key], false);
    checkPositiveInteger("idleMs", options.idleMs);
    const idleMs = options.idleMs ?? 600_000;
    this.#options = options;
    this.avatars = new AvatarCache({ maxBytes: options.avatarCacheBytes });
    this.rooms = new RoomLifecycle(() => this.all(), options.onError);
    this.#machine = options.machine && withLegacyActors(options.machine);
    this.#active = new LRUCache<string, RoomActor>({
      max: options.maxRooms,
      ttl: idleMs,
      updateAgeOnGet: true,
      // Exact ages: the default (1 ms) caches the clock behind a new timer on nearly every stanza's look-up.
      ttlResolution: 0,
      dispose: (actor, key, reason) => {
        // Evictions only: `delete()` and `clear()` (reason "delete") are the registry's own doing.
        if (reason === "set" || reason === "delete") return;
        this.#leave(key, actor);
      },
    });
    this.#sweeper = setInterval(() => this.#sweep(), Math.max(1000, Math.floor(idleMs / 2)));
    this.#sweeper.unref();
  }

  /** Number of running room actors (active and parked). */
  get size(): number { return this.#active.size + this.#parked.size; }

  /** Passivated rooms known in this run. */
  get passivatedCount(): number { return this.#passivated.size; }

  /** The running room actor, if there is one, counted as used (it stays active); never creates or re-activates. */
  peek(user: string, roomJid: string): RoomActor | undefined {
    const k = key(user, roomJid);
    const live = this.#active.get(k);
    if (live) return live;
    const parked = this.#parked.get(k);
    if (parked) {
      this.#parked.delete(k);
      this.#active.set(k, parked);
    }
    return parked;
  }

  /** The store rooms are kept in, if any. */
  get store(): GatewayStore | undefined { return this.#options.store; }

  /** Every running room actor of one user. */
  roomsOf(user: string): RoomActor[] {
    return this.all().filter((r) => r.room.session.user === user);
  }

  /** Every running room actor. */
  all(): RoomActor[] {
    return [...this.#active.values(), ...this.#parked.values()];
  }

  /**
   * The room actor for `local@domain` in this session, created (or re-activated) on first use.
   * Throws what `session.createRoom` throws (`item-not-found` for an unknown room). A destroyed or
   * removed room has no actor and no rows: it comes back, empty, only if `createRoom` accepts it.
   */
  async get(session: LegacySession, local: string): Promise<RoomActor> {
    const roomJid = `${local}@${this.#options.domain}`;
    const k = key(session.user, roomJid);
    const running = this.peek(session.user, roomJid);
    if (running) return running;
    if (this.#closed) throw new XMPPError("service-unavailable", "The gateway is shutting down");
    const pending = this.#creating.get(k);
    if (pending) return pending;
    const creation = this.#create(session, local, roomJid, k).finally(() => this.#creating.delete(k));
    this.#creating.set(k, creation);
    return creation;
  }

  async #create(session: LegacySession, local: string, roomJid: string, k: string): Promise<RoomActor> {
    const passivated = this.#passivated.get(k);
    // The plugin may still hold the room object of the passivated activation (to send legacy
    // events through it): that object goes on, so what the plugin does with it reaches this one.
    const kept = passivated?.room.deref();
    if (kept?.session === session) return this.#activate(k, kept, passivated?.state);
    const room = await session.createRoom(unescapeLocalpart(local));
    room.jid = roomJid;
    const resumeFrom = this.#passivated.get(k)?.state;
    const { store, run } = this.#options;
    const restored = store && restoreRoom(store, room, this.avatars, { participants: resumeFrom !== undefined && participantsKnownIn(resumeFrom), run });
    // The router holds the room's later stanzas until `get` resolves; a room filled in this run (maybe elsewhere) resumes filled.
    const filled = isPromise(restored) ? await restored : restored;
    const machine = this.#machine ?? roomMachine;
    return this.#activate(k, room, resumeFrom ?? (filled && filled !== "none" ? participantsFilledState(machine, filled === "history") : undefined));
  }

  /** Starts a room's actor, resuming from its passivated state if it has one. */
  #activate(k: string, room: LegacyRoom, resumeFrom: PassivatedState | undefined): RoomActor {
    const o = this.#options;
    this.#passivated.delete(k);
    let actor: RoomActor | undefined;
    const self = (): RoomActor | undefined => actor;
    actor = new RoomActor({
      room,
      outbox: o.outbox,
      mailboxSize: o.mailboxSize,
      callbackTimeoutMs: o.callbackTimeoutMs,
      avatars: this.avatars,
      services: o.services,
      store: o.store,
      run: o.run,
      resumeFrom,
      inspect: o.inspect,
      machine: this.#machine,
      lifecycle: this.rooms,
      onStep: () => {
        const parked = this.#parked.get(k);
        if (parked && parked === self() && isIdle(parked.snapshot)) queueMicrotask(() => this.#passivateParked(k, parked));
      },
      onError: (error) => o.onError?.(error),
      onEnded: () => this.#forget(k),
      onFailure: (error) => {
        this.#forget(k);
        o.onError?.(error);
      },
    });
    this.#active.set(k, actor);
    return actor;
  }

  /** The plugin used a passivated room's object: its room comes back (see {@link wakingHost}). */
  #wake(k: string, room: LegacyRoom): RoomHost {
    const running = this.#active.get(k) ?? this.#parked.get(k);
    if (running) return running.room === room ? (room._host ?? DETACHED_HOST) : DETACHED_HOST;
    if (this.#closed) return DETACHED_HOST;
    const passivated = this.#passivated.get(k);
    this.#activate(k, room, passivated?.room.deref() === room ? passivated.state : undefined);
    return room._host ?? DETACHED_HOST;
  }

  /** What a session's `getRoom` and `removeRoom` reach: this registry's rooms of its user, by legacy id. */
  sessionHost(session: LegacySession): SessionHost {
    return {
      getRoom: async (legacyId) => {
        const actor = await this.get(session, escapeLocalpart(legacyId));
        await actor.read("info");
        return actor.room;
      },
      removeRoom: (legacyId, options) => this.remove(session, escapeLocalpart(legacyId), options),
    };
  }

  /**
   * Takes the user out of a room (see `LegacySession.removeRoom`): a running room ends (after its
   * creation, if it is being created); a passivated or never activated one only loses its rows.
   */
  async remove(session: LegacySession, local: string, options: RemoveRoomOptions): Promise<void> {
    if (this.#closed) throw new XMPPError("service-unavailable", "The gateway is shutting down");
    const roomJid = `${local}@${this.#options.domain}`;
    const k = key(session.user, roomJid);
    await this.#creating.get(k)?.catch(() => undefined);
    this.peek(session.user, roomJid)?.removeUser(options);
    // A passivated room's object the plugin still holds: what it does with it now is dropped,
    // so it cannot write the deleted rows back.
    const kept = this.#passivated.get(k)?.room.deref();
    if (kept) kept._host = DETACHED_HOST;
    this.#passivated.delete(k);
    const deleted = this.#options.store?.deleteRoom(session.user, roomJid);
    if (isPromise(deleted)) await deleted;
  }

  /** A room left the cache (evicted or idle too long): passivate it, or park it while busy. */
  #leave(k: string, actor: RoomActor): void {
    if (hasEnded(actor.snapshot)) return;
    // A room that has not had its first stanza yet is on its way to one: it refuses, and is parked.
    if (!this.#options.store || !this.#passivate(k, actor)) this.#parked.set(k, actor);
  }

  /** Passivates an idle room and remembers its state; false when the room refused (see {@link RoomActor.passivate}). */
  #passivate(k: string, actor: RoomActor, evenFresh = false): boolean {
    const state = actor.passivate({ evenFresh });
    if (!state) return false;
    const room = actor.room;
    room._host = wakingHost(() => this.#wake(k, room));
    this.#passivated.delete(k);
    this.#passivated.set(k, { state, room: new WeakRef(actor.room) });
    if (this.#passivated.size > MAX_PASSIVATED) this.#passivated.delete(this.#passivated.keys().next().value as string);
    return true;
  }

  /** Passivates rooms idle for `idleMs`, and parked rooms that became idle. */
  #sweep(): void {
    this.#active.purgeStale();
    for (const [k, actor] of this.#parked) this.#passivateParked(k, actor, true);
  }

  /** A parked room that is idle now passivates (it is still parked and still idle). */
  #passivateParked(k: string, actor: RoomActor, evenFresh = false): void {
    if (this.#parked.get(k) !== actor || !isIdle(actor.snapshot) || !this.#options.store) return;
    if (this.#passivate(k, actor, evenFresh)) this.#parked.delete(k);
  }

  #forget(k: string): void {
    this.#active.delete(k);
    this.#parked.delete(k);
  }

  /**
   * Stops `user`'s rooms here and forgets what ran for them (another process serves the user
   * now, and may change their rows): each is shut down at once (see {@link RoomActor.shutdown}),
   * without writing. The user's next stanza creates the rooms again, from the plugin and store.
   */
  stopRoomsOf(user: string): Promise<ShutdownTally> {
    const rooms = this.roomsOf(user);
    for (const room of rooms) this.#forget(key(user, room.jid));
    for (const k of this.#passivated.keys()) if (k.startsWith(`${user}\n`)) this.#passivated.delete(k);
    return Promise.all(rooms.map((room) => room.shutdown(0))).then(addTallies);
  }

  /**
   * Closes the registry (a stanza for any room now gets `service-unavailable`) and shuts every
   * room down (see {@link RoomActor.shutdown}): what waits is refused at once, a callback in
   * flight gets up to `graceMs`, then joined resources get the shutdown presence (332).
   */
  shutdown(graceMs = 0): Promise<ShutdownTally> {
    clearInterval(this.#sweeper);
    this.#closed = true;
    const rooms = this.all();
    this.#active.clear();
    this.#parked.clear();
    return Promise.all(rooms.map((room) => room.shutdown(graceMs))).then(addTallies);
  }
}

/** Passivated rooms remembered per run; beyond it the oldest re-run their callbacks when re-activated. */
const MAX_PASSIVATED = 1_000_000;

function key(user: string, roomJid: string): string {
  return `${user}\n${roomJid}`;
}
