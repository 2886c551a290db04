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
import { type CallEnding, CallTimeline } from "./callTimeline.js";
import { type EventFacts, describeEvent } from "./eventSentences.js";
import { eventFacts } from "./inspectorEvents.js";
import { activeStateIds, hashJid, hashLabel, pathOf, statusOf, toPlain } from "./inspectorFormat.js";
import type { InspectedEvent, RoomStatus, RoomView } from "./inspectorViews.js";
import { normaliseJid } from "./jidSearch.js";

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

/** A room: its key, its current actor's session id, what that actor last showed, its calls. */
interface Entry extends Pick<RoomView, "id" | "user" | "room" | "status" | "since" | "events"> {
  sessionId: string;
  value: StateValue;
  context: Record<string, unknown>;
  /** Start of each call in flight, by state id (and request id). */
  starts: Map<string, number>;
  /** The room's legacy callbacks. */
  timeline: CallTimeline;
  /** How calls ended, by state id or request id, until their state exits or they settle. */
  endings: Map<string, CallEnding>;
  /** `user` and `room` as the views show them. */
  labels: { user: string; room: string };
}

/** A room that {@link InspectorModel.find} found, as its room JID or as its user's JID. */
export interface FoundRoom {
  /** The room's view id (`r1`, …). */
  id: string;
  /** Which JID matched. */
  as: "room" | "user";
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
  readonly #resource: (user: string, resource: string) => string;
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
    const salt = randomBytes(16).toString("hex");
    const hash = hashLabel(salt);
    this.#label = this.#detail ? (jid) => jid : hashJid(salt);
    this.#resource = this.#detail ? (_user, resource) => resource : (user, resource) => hash(`${user}/${resource}`);
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

  /**
   * The rooms whose JID or whose user's JID is `jid`, compared as bare JIDs in lower case (a
   * resource is ignored): the page's search, answered without showing any JID.
   */
  find(jid: string): FoundRoom[] {
    const wanted = normaliseJid(jid);
    const found: FoundRoom[] = [];
    for (const e of this.#entries.values()) {
      if (normaliseJid(e.room) === wanted) found.push({ id: e.id, as: "room" });
      else if (normaliseJid(e.user) === wanted) found.push({ id: e.id, as: "user" });
    }
    return found;
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
      const received = event.event as Record<string, unknown>;
      // A batch of requests from one socket read is told as each request it queues.
      if (received.type === "requests" && Array.isArray(received.requests)) {
        for (const [i, r] of (received.requests as Record<string, unknown>[]).entries()) this.#push(entry, this.#facts(entry, now, "in", { ...r, type: "request" }, i));
      } else this.#push(entry, this.#facts(entry, now, "in", received));
    } else if (event.type === "@xstate.action") {
      const { type, params } = event.action as { type: string; params?: { event?: Record<string, unknown> } };
      if (type === "xstate.emit" && params?.event) this.#push(entry, this.#facts(entry, now, "out", params.event));
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
      ...{ value: {}, context: {}, events: [], starts: new Map(), timeline: new CallTimeline(), endings: new Map() },
      labels: { user: this.#label(user), room: this.#label(room) },
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
    entry.timeline.stopAll(now);
    if (status === "passivated" || status === "failed") this.#push(entry, { at: now, dir: "note", type: status });
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

  #push(entry: Entry, facts: EventFacts | undefined): void {
    if (facts === undefined) return;
    const view: InspectedEvent = { ...facts, ...describeEvent(facts, entry.labels.user) };
    entry.events.push(view);
    if (entry.events.length > this.#maxEvents) entry.events.splice(0, entry.events.length - this.#maxEvents);
    this.#changed.add(entry);
  }

  /**
   * Notes when each call in flight started: its invoking state was entered, or a new request ran;
   * the setup callbacks' starts and ends go on the timeline (the requests' come with their events).
   */
  #track(entry: Entry, now: number): void {
    const live = new Map(this.#calls(entry).map((c) => [c.key, c]));
    for (const k of entry.starts.keys()) {
      if (live.has(k)) continue;
      entry.starts.delete(k);
      if (!this.#states.has(k)) continue;
      entry.timeline.end(k, now, entry.endings.get(k) ?? { ok: false, stopped: true });
      entry.endings.delete(k);
    }
    for (const [k, call] of live) {
      if (entry.starts.has(k)) continue;
      entry.starts.set(k, now);
      if (call.callback !== "runRequest") entry.timeline.begin(k, call.callback, now);
    }
  }

  #calls(entry: Entry): Array<{ key: string; callback: string; kind?: string; requestId?: string }> {
    if (entry.status !== "active") return [];
    const current = entry.context.current as { id?: unknown; kind?: unknown } | null | undefined;
    const calls = [];
    for (const id of activeStateIds(this.#chart.root, entry.value)) {
      for (const callback of this.#states.get(id)?.invokes ?? []) {
        // The request runner runs a callback only while a request is in flight (not in `busy.standby`).
        if (callback !== "runRequest") calls.push({ key: id, callback });
        else if (typeof current?.id === "string") {
          calls.push({ key: `${id}\n${current.id}`, callback, kind: String(current.kind), requestId: current.id });
        }
      }
    }
    return calls;
  }

  #facts(entry: Entry, at: number, dir: "in" | "out", e: Record<string, unknown>, ahead = 0): EventFacts | undefined {
    return eventFacts(entry, at, dir, e, {
      invokedBy: (stateId) => this.#states.get(stateId)?.invokes?.[0],
      resource: (name) => this.#resource(entry.user, name),
      detail: this.#detail,
    }, ahead);
  }

  #view(entry: Entry): RoomView {
    const now = this.#now();
    const ctx = entry.context;
    const view: RoomView = {
      id: entry.id,
      user: entry.labels.user,
      room: entry.labels.room,
      status: entry.status,
      state: typeof entry.value === "string" ? entry.value : pathOf((entry.value.active as Record<string, StateValue>)?.lifecycle),
      activeStates: activeStateIds(this.#chart.root, entry.value),
      mailbox: Array.isArray(ctx.mailbox) ? ctx.mailbox.length : 0,
      mailboxSize: typeof ctx.mailboxSize === "number" ? ctx.mailboxSize : 0,
      resources: Array.isArray(ctx.resources) ? ctx.resources.length : 0,
      calls: this.#calls(entry).map(({ key, ...call }) => ({ ...call, elapsedMs: now - (entry.starts.get(key) ?? now) })),
      events: [...entry.events],
      timeline: entry.timeline.bars(),
      since: entry.since,
    };
    if (this.#detail) view.context = toPlain(ctx, 4);
    return view;
  }
}
