/**
 * What the inspector's model keeps of one event of a room machine: the event's type, kind, id
 * and outcome, plus what the room's call record adds (how many requests wait, which callback
 * ended and how long it ran), and the room's call record itself fed as the events go by.
 * Nothing personal unless `detail`: a resource becomes a hashed label.
 */
import { TIMEOUT, errorOf } from "../machines/roomErrors.js";
import { type CallEnding, type CallTimeline, callbackOf } from "./callTimeline.js";
import type { EventFacts } from "./eventSentences.js";
import { toPlain } from "./inspectorFormat.js";

/** What {@link eventFacts} reads and feeds of a room. */
export interface RoomRecord {
  /** The room's calls, fed here. */
  readonly timeline: CallTimeline;
  /** The machine's context as the last snapshot showed it. */
  readonly context: Record<string, unknown>;
  /** Start of each call in flight, by state id (and request id). */
  readonly starts: ReadonlyMap<string, number>;
  /**
   * How calls ended, noted here as the machine takes the event that ends them (done, error,
   * timeout) and read when their state exits or their request settles: by the invoking state's
   * id, or by request id for a request that timed out.
   */
  readonly endings: Map<string, CallEnding>;
}

/** How {@link eventFacts} names things. */
export interface FactsOptions {
  /** The callback a state invokes (`updateInfo` for `fetching`), if any. */
  invokedBy(stateId: string): string | undefined;
  /** A resource as the view shows it (hashed unless `detail`). */
  resource(name: string): string;
  /** Keep the whole event. */
  detail: boolean;
}

const AFTER = "xstate.after.";
const CALLBACK_TIMEOUT = `${AFTER}callbackTimeout.`;
const REQUEST_TIMEOUT = `${AFTER}requestTimeout.`;
const TIMED_OUT: CallEnding = { ok: false, timedOut: true, condition: TIMEOUT.condition };
const DONE = "xstate.done.actor.";
const ERROR = "xstate.error.actor.";

/**
 * The facts of event `e` that the room received (`in`) or emitted (`out`) at `at`, and the room's
 * call record fed with it (a request queued, started or settled). Undefined for an event not
 * shown: a delay that ends no setup callback (a request's timeout shows as its settling).
 * `ahead` counts the requests queued before this one by the same event (a `requests` batch,
 * which the caller splits into one `request` each).
 */
export function eventFacts(room: RoomRecord, at: number, dir: "in" | "out", e: Record<string, unknown>, options: FactsOptions, ahead = 0): EventFacts | undefined {
  const type = String(e.type);
  const { kind, id, ok, error, resource } = e as { kind?: unknown; id?: unknown; ok?: unknown; error?: { condition?: unknown }; resource?: unknown };
  const facts: EventFacts = { at, dir, type };
  if (typeof kind === "string") facts.kind = kind;
  if (typeof id === "string") facts.id = id;
  if (typeof ok === "boolean") facts.ok = ok;
  if (typeof error?.condition === "string") facts.condition = error.condition;
  if (typeof resource === "string") facts.who = options.resource(resource);
  if (options.detail) facts.detail = toPlain(e, 4);

  if (type === "request" && facts.id && facts.kind) {
    const mailbox = room.context.mailbox;
    facts.waiting = (Array.isArray(mailbox) ? mailbox.length : 0) + ahead + 1;
    room.timeline.queued(facts.id, facts.kind, at);
  } else if (type === "request.started" && facts.id && facts.kind) {
    const waited = room.timeline.started(facts.id, facts.kind, at);
    if (waited !== undefined) facts.durationMs = waited;
  } else if (type === "request.settled" && facts.id) {
    const timedOut = room.endings.get(facts.id)?.timedOut === true;
    room.endings.delete(facts.id);
    const settled = room.timeline.settled(facts.id, at, { ok: facts.ok === true, condition: facts.condition, timedOut });
    if (settled) facts.kind = settled.kind;
    if (settled?.durationMs !== undefined) {
      Object.assign(facts, { callback: callbackOf(settled.kind), durationMs: settled.durationMs });
      if (timedOut) facts.timedOut = true;
    }
  } else if (type.startsWith(AFTER)) {
    const current = (room.context.current as { id?: unknown } | null | undefined)?.id;
    if (type.startsWith(REQUEST_TIMEOUT) && typeof current === "string") room.endings.set(current, TIMED_OUT);
    const stateId = type.slice(CALLBACK_TIMEOUT.length);
    const callback = type.startsWith(CALLBACK_TIMEOUT) ? options.invokedBy(stateId) : undefined;
    if (callback === undefined) return undefined;
    room.endings.set(stateId, TIMED_OUT);
    Object.assign(facts, { callback, timedOut: true, durationMs: at - (room.starts.get(stateId) ?? at), condition: TIMEOUT.condition });
  } else if (type.startsWith(DONE) || type.startsWith(ERROR)) {
    // `actorId` is `<index>.<state id>` for a callback the chart invokes.
    const stateId = String(e.actorId ?? "").replace(/^\d+\./, "");
    const callback = options.invokedBy(stateId);
    if (callback !== undefined) {
      Object.assign(facts, { callback, durationMs: at - (room.starts.get(stateId) ?? at) });
      if (type.startsWith(ERROR)) Object.assign(facts, { ok: false, condition: errorOf(e.error).condition });
      room.endings.set(stateId, type.startsWith(DONE) ? { ok: true } : { ok: false, condition: facts.condition });
    }
  }
  return facts;
}
