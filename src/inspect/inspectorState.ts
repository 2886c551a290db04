/**
 * The live inspector's model: one entry per room (user, room JID), following a gateway's rooms
 * through `gateway.rooms` ({@link InspectorModel.watch}): each room created or re-activated is
 * followed through its actor's typed snapshot and its actor system's inspection events (invoked
 * callbacks are read from the active states). Pure: no sockets, no timers; `inspector.ts` serves it. Unless
 * `detail` is set, views hold nothing personal: event types, request kinds and ids, error
 * conditions, counts, timings, and JIDs with hashed local parts.
 */
import { randomBytes } from "node:crypto";
import type { AnyActorRef, InspectionEvent, StateValue } from "xstate";
import type { LiveRoom, RoomLifecycle } from "../actors/roomLifecycle.js";
import type { ChartJson, ChartState } from "./chart.js";
import { activeStateIds, hashJid, pathOf, toPlain } from "./inspectorFormat.js";

import type { InspectedEvent, RoomStatus, RoomView } from "./inspectorViews.js";

export { activeStateIds, hashJid } from "./inspectorFormat.js";
export type { CallInFlight, InspectedEvent, RoomStatus, RoomView } from "./inspectorViews.js";

/** Options of {@link InspectorModel}. */
export interface InspectorModelOptions {
  /** The room machine's chart, to name active states and the callbacks they invoke. */
  chart: ChartJson;
  /** Show JIDs, resources, errors and whole events. @defaultValue false */
  detail?: boolean;
  /** Events kept per room (a positive integer). @defaultValue 50 */
  maxEvents?: number;
  /** @defaultValue `Date.now` */
  now?: () => number;
  /** Called after each event of a followed room (the server schedules a push). */
  onObserved?: () => void;
}

/** A room: its key, its current actor's session id, what that actor last showed. */
interface Entry extends Pick<RoomView, "id" | "user" | "room" | "status" | "since" | "events"> {
  sessionId: string;
  value: StateValue;
  context: Record<string, unknown>;
  /** Start of each call in flight, by state id (and request id). */
  starts: Map<string, number>;
}

type Snapshot = { status?: string; value?: StateValue; context?: Record<string, unknown> };
/** Rooms kept after their actor stopped (passivated, destroyed…); the oldest go first. */
export const MAX_GONE = 1000;

/** The inspector's rooms, fed with {@link InspectorModel.observe}. */
export class InspectorModel {
  readonly #chart: ChartJson;
  readonly #states = new Map<string, ChartState>();
  readonly #detail: boolean;
  readonly #maxEvents: number;
  readonly #now: () => number;
  readonly #onObserved: (() => void) | undefined;
  readonly #label: (jid: string) => string;
  /** Entries by `user \n room`. */
  readonly #entries = new Map<string, Entry>();
  /** Keys of the entries whose actor stopped, oldest first. */
  readonly #gone = new Set<string>();
  /** Followed room actors by session id. */
  readonly #sessions = new Map<string, Entry>();
  readonly #changed = new Set<Entry>();
  #nextId = 1;
  #shuttingDown = false;

  constructor(options: InspectorModelOptions) {
    this.#maxEvents = options.maxEvents ?? 50;
    this.#chart = options.chart;
    const index = (s: ChartState): void => {
      this.#states.set(s.id, s);
      s.states.forEach(index);
    };
    index(options.chart.root);
    this.#detail = options.detail ?? false;
    this.#now = options.now ?? Date.now;
    this.#onObserved = options.onObserved;
    this.#label = this.#detail ? (jid) => jid : hashJid(randomBytes(16).toString("hex"));
  }

  /**
   * Follows the rooms of a gateway (`gateway.rooms`) created or re-activated from now on.
   * Returns the function that stops following new ones.
   */
  watch(rooms: RoomLifecycle): () => void {
    const follow = ({ room }: { room: LiveRoom }) => this.follow(room);
    const offs = [rooms.on("created", follow), rooms.on("reactivated", follow)];
    return () => {
      for (const off of offs) off();
    };
  }

  /** Follows one room's actor: call it before the actor starts (as `gateway.rooms` does), to see its first step. */
  follow(room: LiveRoom): void {
    const sessionId = room.actor.sessionId;
    this.#sessions.set(sessionId, this.#bind(room.user, room.jid, sessionId));
    room.actor.system.inspect((event) => {
      this.observe(event);
      this.#onObserved?.();
    });
  }

  /** Takes one inspection event of a followed room's actor system; never throws. */
  observe(event: InspectionEvent): void {
    try {
      this.#observe(event);
    } catch {
      // An unexpected event must not break the room actor that reported it.
    }
  }

  /** Rooms that stop from now on show as `stopped` (the gateway shuts down), not `passivated`. */
  markShutdown(): void {
    this.#shuttingDown = true;
  }

  /** Every room: the running ones and the last {@link MAX_GONE} that stopped. */
  rooms(): RoomView[] {
    return [...this.#entries.values()].map((e) => this.#view(e));
  }

  /** Rooms changed since the last call. */
  takeChanged(): RoomView[] {
    const changed = [...this.#changed];
    this.#changed.clear();
    return changed.map((e) => this.#view(e));
  }

  #observe(event: InspectionEvent): void {
    const ref = event.actorRef as AnyActorRef;
    if (ref.sessionId !== event.rootId || event.type === "@xstate.actor") return;
    const entry = this.#sessions.get(ref.sessionId);
    // Not a followed room (an invoked callback, another root actor).
    if (entry === undefined) return;
    const snapshot = event.type === "@xstate.snapshot" ? (event.snapshot as Snapshot) : undefined;
    if (entry.sessionId !== ref.sessionId) {
      // Replaced by a newer actor of the same room: forgotten once it stops.
      if (snapshot && snapshot.status !== "active") this.#sessions.delete(ref.sessionId);
      return;
    }
    const now = this.#now();
    if (event.type === "@xstate.event") {
      const e = event.event as Record<string, unknown>;
      if (!String(e.type).startsWith("xstate.after.")) this.#push(entry, this.#eventView(now, "in", e));
    } else if (event.type === "@xstate.action") {
      const { type, params } = event.action as { type: string; params?: { event?: Record<string, unknown> } };
      if (type === "xstate.emit" && params?.event) this.#push(entry, this.#eventView(now, "out", params.event));
    } else if (snapshot) {
      entry.value = snapshot.value ?? entry.value;
      entry.context = snapshot.context ?? entry.context;
      this.#track(entry, now);
      const status = statusOf(snapshot, this.#shuttingDown);
      if (status !== "active") this.#end(entry, status, now);
      this.#changed.add(entry);
    }
  }

  /** The entry of a new room actor: a fresh one, or its room's old one made active again. */
  #bind(user: string, room: string, sessionId: string): Entry {
    const k = `${user}\n${room}`;
    const now = this.#now();
    const entry: Entry = this.#entries.get(k) ?? {
      ...{ id: `r${this.#nextId++}`, user, room, sessionId, status: "active", since: now },
      ...{ value: {}, context: {}, events: [], starts: new Map() },
    };
    Object.assign(entry, { sessionId, status: "active", since: now, starts: new Map() });
    this.#entries.set(k, entry);
    this.#gone.delete(k);
    this.#changed.add(entry);
    return entry;
  }

  /** The actor stopped: the entry stays as the newest gone one; the oldest beyond {@link MAX_GONE} go. */
  #end(entry: Entry, status: RoomStatus, now: number): void {
    Object.assign(entry, { status, since: now, starts: new Map() });
    this.#sessions.delete(entry.sessionId);
    const k = `${entry.user}\n${entry.room}`;
    this.#gone.delete(k);
    this.#gone.add(k);
    for (const old of this.#gone) {
      if (this.#gone.size <= MAX_GONE) break;
      this.#gone.delete(old);
      this.#entries.delete(old);
    }
  }

  #push(entry: Entry, view: InspectedEvent): void {
    entry.events.push(view);
    if (entry.events.length > this.#maxEvents) entry.events.splice(0, entry.events.length - this.#maxEvents);
    this.#changed.add(entry);
  }

  /** Notes when each call in flight started: its invoking state was entered, or a new request ran. */
  #track(entry: Entry, now: number): void {
    const live = new Set(this.#calls(entry).map((c) => c.key));
    for (const k of entry.starts.keys()) if (!live.has(k)) entry.starts.delete(k);
    for (const k of live) if (!entry.starts.has(k)) entry.starts.set(k, now);
  }

  #calls(entry: Entry): Array<{ key: string; callback: string; kind?: string; requestId?: string }> {
    if (entry.status !== "active") return [];
    const current = entry.context.current as { id?: unknown; kind?: unknown } | null | undefined;
    const calls = [];
    for (const id of activeStateIds(this.#chart.root, entry.value)) {
      for (const callback of this.#states.get(id)?.invokes ?? []) {
        if (callback === "runRequest" && typeof current?.id === "string") {
          calls.push({ key: `${id}\n${current.id}`, callback, kind: String(current.kind), requestId: current.id });
        } else calls.push({ key: id, callback });
      }
    }
    return calls;
  }

  #eventView(at: number, dir: "in" | "out", e: Record<string, unknown>): InspectedEvent {
    const { kind, id, ok, error } = e as { kind?: unknown; id?: unknown; ok?: unknown; error?: { condition?: unknown } };
    const view: InspectedEvent = { at, dir, type: String(e.type) };
    if (typeof kind === "string") view.kind = kind;
    if (typeof id === "string") view.id = id;
    if (typeof ok === "boolean") view.ok = ok;
    if (typeof error?.condition === "string") view.condition = error.condition;
    if (this.#detail) view.detail = toPlain(e, 4);
    return view;
  }

  #view(entry: Entry): RoomView {
    const now = this.#now();
    const ctx = entry.context;
    const view: RoomView = {
      id: entry.id,
      user: this.#label(entry.user),
      room: this.#label(entry.room),
      status: entry.status,
      state: typeof entry.value === "string" ? entry.value : pathOf((entry.value.active as Record<string, StateValue>)?.lifecycle),
      activeStates: activeStateIds(this.#chart.root, entry.value),
      mailbox: Array.isArray(ctx.mailbox) ? ctx.mailbox.length : 0,
      mailboxSize: typeof ctx.mailboxSize === "number" ? ctx.mailboxSize : 0,
      resources: Array.isArray(ctx.resources) ? ctx.resources.length : 0,
      calls: this.#calls(entry).map(({ key, ...call }) => ({ ...call, elapsedMs: now - (entry.starts.get(key) ?? now) })),
      events: [...entry.events],
      since: entry.since,
    };
    if (this.#detail) view.context = toPlain(ctx, 4);
    return view;
  }
}

function statusOf({ status, value }: Snapshot, shuttingDown: boolean): RoomStatus {
  if (status === "done") return value === "removed" ? "removed" : value === "stopped" ? "stopped" : "destroyed";
  return status === "stopped" ? (shuttingDown ? "stopped" : "passivated") : status === "error" ? "failed" : "active";
}
