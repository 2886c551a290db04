/**
 * The rooms of a gateway as a consumer sees them (`gateway.rooms`): every running room with its
 * actor and exact snapshot type, and typed events for a room being created, changing state,
 * passivated, re-activated or ended, and a request being queued or settled. Events cost nothing
 * when nobody listens: the room actor asks {@link RoomLifecycle.listening} before it builds one.
 */
import type { Actor } from "xstate";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import type { StanzaErrorCondition } from "../protocol/conditions.js";
import type { RoomMachine } from "../machines/roomExtension.js";
import type { RequestKind } from "../machines/roomEvents.js";
import type { RoomSnapshot } from "../machines/roomStatus.js";

/** A state value of the room machine, e.g. `{ active: { lifecycle: "joined", … } }` or `"destroyed"`. */
export type RoomStateValue = RoomSnapshot["value"];

/** A running room of one user, as `gateway.rooms` shows it. */
export interface LiveRoom {
  /** The user's bare JID. */
  readonly user: string;
  /** The room's JID. */
  readonly jid: string;
  /** The plugin's room object. */
  readonly room: LegacyRoom;
  /** The machine's snapshot now (`SnapshotFrom<typeof roomMachine>`). */
  readonly snapshot: RoomSnapshot;
  /**
   * The room's XState actor, to `subscribe` to or inspect. Do not `send` to it: the room's
   * stanzas and callbacks are correlated with what the runtime sends it.
   */
  readonly actor: Actor<RoomMachine>;
}

/** How a room ended: destroyed, the user removed, or stopped by the gateway's shutdown. */
export type RoomEnding = "destroyed" | "removed" | "stopped";

/** The events of `gateway.rooms`, by type; each listener gets `{ type, room, … }`. */
export interface RoomLifecycleEvents {
  /** A room's actor started for the first time in this run (before its first state change). */
  created: { room: LiveRoom };
  /** A passivated room's actor started again, from the state it passivated in. */
  reactivated: { room: LiveRoom };
  /** The machine's state value changed (a step that only changed the context is not one). */
  state: { room: LiveRoom; from: RoomStateValue; to: RoomStateValue };
  /** An idle room's actor stopped; the store keeps it, and the next stanza re-activates it. */
  passivated: { room: LiveRoom };
  /** The machine reached a final state. */
  ended: { room: LiveRoom; ending: RoomEnding };
  /** The actor failed (a bug); the gateway forgets the room. */
  failed: { room: LiveRoom; error: unknown };
  /**
   * A request was handed to the mailbox: `depth` is how many requests wait in it with this one
   * (the one running not counted). A full mailbox refuses it next (`request.settled`, not ok).
   */
  "request.queued": { room: LiveRoom; id: string; kind: RequestKind; depth: number };
  /**
   * A request settled: `ok`, or failed with `condition`; `waitedMs` from queued to started (0 for
   * one refused before it ran), `durationMs` from started (or queued) to settled.
   */
  "request.settled": { room: LiveRoom; id: string; kind: RequestKind; ok: boolean; condition?: StanzaErrorCondition; waitedMs: number; durationMs: number };
}

/** The type of a `gateway.rooms` event. */
export type RoomLifecycleEventType = keyof RoomLifecycleEvents;

/** What a listener of `type` gets. */
export type RoomLifecycleEvent<K extends RoomLifecycleEventType = RoomLifecycleEventType> = { [T in K]: { type: T } & RoomLifecycleEvents[T] }[K];

/** Listens to one type of event. */
export type RoomLifecycleListener<K extends RoomLifecycleEventType> = (event: RoomLifecycleEvent<K>) => void;

/**
 * `gateway.rooms`: the running rooms and their typed events.
 *
 * @example
 * ```ts
 * const off = gateway.rooms.on("state", ({ room, from, to }) => log(room.jid, from, "→", to));
 * gateway.rooms.on("request.settled", ({ kind, ok, durationMs }) => metrics.observe(kind, ok, durationMs));
 * for (const room of gateway.rooms.list()) console.log(room.jid, room.snapshot.context.resources);
 * off();
 * ```
 */
export class RoomLifecycle {
  readonly #listeners = new Map<RoomLifecycleEventType, Set<(event: never) => void>>();
  readonly #list: () => LiveRoom[];
  readonly #onError: (error: unknown) => void;

  /** @internal */
  constructor(list: () => LiveRoom[], onError: (error: unknown) => void = () => {}) {
    this.#list = list;
    this.#onError = onError;
  }

  /** Every running room (passivated and ended ones are not). */
  list(): LiveRoom[] {
    return this.#list();
  }

  /** The running room `jid` of `user`, if there is one. */
  get(user: string, jid: string): LiveRoom | undefined {
    return this.#list().find((r) => r.user === user && r.jid === jid);
  }

  /**
   * Calls `listener` for every event of `type`, synchronously, as the room takes the step. A
   * listener that throws is reported to the gateway's `onError`; the room goes on. Returns the
   * function that stops listening.
   */
  on<K extends RoomLifecycleEventType>(type: K, listener: RoomLifecycleListener<K>): () => void {
    const set = this.#listeners.get(type) ?? new Set();
    this.#listeners.set(type, set);
    set.add(listener as (event: never) => void);
    return () => this.off(type, listener);
  }

  /** Stops calling `listener` for `type`. */
  off<K extends RoomLifecycleEventType>(type: K, listener: RoomLifecycleListener<K>): void {
    const set = this.#listeners.get(type);
    set?.delete(listener as (event: never) => void);
    if (set?.size === 0) this.#listeners.delete(type);
  }

  /** True when someone listens to `type`: build the event only then. @internal */
  listening(type: RoomLifecycleEventType): boolean {
    return this.#listeners.has(type);
  }

  /** Calls the listeners of `type`. @internal */
  emit<K extends RoomLifecycleEventType>(type: K, event: RoomLifecycleEvents[K]): void {
    const set = this.#listeners.get(type);
    if (!set) return;
    const typed = { type, ...event } as RoomLifecycleEvent<K>;
    for (const listener of [...set]) {
      try {
        (listener as RoomLifecycleListener<K>)(typed);
      } catch (error) {
        this.#onError(error);
      }
    }
  }
}

/** True when two state values name the same states. */
export function sameStateValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => sameStateValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
