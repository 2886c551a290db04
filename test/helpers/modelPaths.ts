/**
 * The model side of the model-based tests of the room machine: the event set offered in each
 * state, a compact abstraction of the context, and the chart's states and transitions. Path
 * generation and the pure replay of a path are in modelGraph.ts; the room actor side in
 * modelReplay.ts and test/unit/modelBased.test.ts.
 */
import { type AnyTransitionDefinition, type SnapshotFrom, fromCallback, fromPromise } from "xstate";
import { type DirectedGraphNode, getStateNodes, toDirectedGraph } from "xstate/graph";
import type { StanzaErrorData } from "../../src/protocol/rfc6120.js";
import type { RoomEvent, RoomHandle, RunEvent, RunnerEvent } from "../../src/machines/roomEvents.js";
import { roomMachine } from "../../src/machines/roomMachine.js";

/** The user's only resource in the model. */
export const RESOURCE = "phone";
/** Who sends the plugin's messages in the model: a legacy user the room does not list (no presence of its own). */
export const CHATTER = "eve";
/** The legacy id and the body of the plugin's message in a step. */
export const chatterId = (stepId: string) => `legacy-${stepId}`;
export const chatterBody = (stepId: string) => `news ${stepId}`;
/**
 * Input of the model and of the replayed room actors. A mailbox of one makes the
 * `resource-constraint` refusal reachable with two requests.
 */
export const MODEL_INPUT = { mailboxSize: 1, callbackTimeoutMs: 1_000 } as const;
/** The grace period of the model's shutdown: a delay the replay fires when its path says, like `callbackTimeout`. */
export const GRACE_MS = 500;
/** Joins and reads the model lets wait at once: they bound the state space (two joins: one with history can wait behind one without). */
const MAX_JOINS = 2;
const MAX_READS = 1;
/** Traversal bound: far above the state space, so that a change that blows it up fails loudly. */
export const LIMIT = 20_000;

/** What a failing legacy callback rejects with, in the model's `xstate.error.actor.*` events. */
export const LEGACY_DOWN: StanzaErrorData = { condition: "service-unavailable", type: "cancel", text: "The legacy network is down" };

/** Never settles: the graph never starts the invoked actors, the fakes only have to exist. */
const hang = () => new Promise<never>(() => {});

/** The room machine with fake actors, as the graph explores it. */
const provided = roomMachine.provide({
  actors: {
    updateInfo: fromPromise<void, RoomHandle>(hang),
    fillParticipants: fromPromise<void, RoomHandle>(hang),
    backfill: fromPromise<void, RoomHandle>(hang),
    runRequest: fromCallback<RunEvent, RoomHandle>(() => {}),
  },
});

const transition = provided.transition.bind(provided);
/**
 * The model: the room machine with fake actors, whose request runner answers the machine's
 * `report` (in `mailbox.busy.expiring`) within the same step, as the real one does. The model's
 * runner reports each request as it settles (a report of one), so it holds nothing then.
 */
export const model: typeof provided = Object.assign(provided, {
  transition: (...[snapshot, event, scope]: Parameters<typeof transition>) => {
    const next = transition(snapshot, event, scope);
    return next.matches({ active: { mailbox: { busy: "expiring" } } }) ? transition(next, { type: "requests.settled", outcomes: [] }, scope) : next;
  },
});

export type ModelSnapshot = SnapshotFrom<typeof model>;

/** An event that the machine's invoked actors or delays send: `xstate.done.actor.*`, `xstate.error.actor.*`, `xstate.after.*`. */
export interface ActorEvent {
  type: `xstate.${string}`;
  error?: unknown;
}

export type ModelEvent = RoomEvent | ActorEvent;

/** The user-facing events (ids are placeholders; {@link replayModel} gives each step its own). */
export const USER_EVENTS = {
  join: { type: "join", id: "-", resource: RESOURCE, history: false },
  joinWithHistory: { type: "join", id: "-", resource: RESOURCE, history: true },
  leave: { type: "leave", resource: RESOURCE },
  gone: { type: "resource.gone", resource: RESOURCE },
  readInfo: { type: "read", id: "-", needs: "info" },
  readParticipants: { type: "read", id: "-", needs: "participants" },
  readHistory: { type: "read", id: "-", needs: "history" },
  message: { type: "requests", requests: [{ id: "-", kind: "message" }] },
  destroy: { type: "requests", requests: [{ id: "-", kind: "destroy" }] },
  leaveGroup: { type: "requests", requests: [{ id: "-", kind: "leave" }] },
  remove: { type: "remove", kick: true, reason: "kicked on the legacy network" },
  /** The fan-out sent a join sequence (and what it held for it): the room actor sends this itself. */
  streamed: { type: "join.streamed", resource: RESOURCE },
  /** The plugin's traffic: a message from a legacy participant ({@link CHATTER}). */
  chatter: { type: "plugin", id: 0, count: 1, kind: "message" },
  /** The gateway stops (`RoomActor.shutdown`). */
  shutdown: { type: "shutdown", graceMs: GRACE_MS },
} satisfies Record<string, RoomEvent>;

/**
 * A passivated room re-activated: the room actor passivates (it is idle) and a new one resumes
 * from its {@link PassivatedState}. The plugin room of the new activation is the one the plugin
 * still holds (`kept`), or a new one restored from the store (`restored`): the registry does
 * either. Not an event of the machine: the model takes it between two of its events, and the
 * machine behaves the same with either room.
 */
export interface ResumeEvent {
  type: "resume";
  room: "kept" | "restored";
}

/** Both ways a passivated room comes back. */
export const RESUMES: readonly ResumeEvent[] = [
  { type: "resume", room: "restored" },
  { type: "resume", room: "kept" },
];

/** An event of a path: one of the machine's, or a passivation and re-activation. */
export type PathEvent = ModelEvent | ResumeEvent;

/** The machine's event type leaves out what its actors and delays send; the machine takes them all. */
export function asMachineEvent(event: ModelEvent): RoomEvent {
  return event as RoomEvent;
}

/** The request runner's reports: the model sends one for the request in flight. */
export function isRunnerEvent(event: ModelEvent): event is RunnerEvent {
  return event.type === "requests.settled";
}

/**
 * The request runner's own failure (`xstate.error.actor.requests`): it reports every failure of a
 * request in its reports and has no failure of its own that a replay could cause.
 */
export const RUNNER_ERROR = "xstate.error.actor.requests";

/** True for the events of invoked actors and delays. */
export function isActorEvent(event: ModelEvent): event is ActorEvent {
  return event.type.startsWith("xstate.");
}

/**
 * The compact abstraction of a snapshot: its value and status plus what of the context its
 * guards read (ids and bounds left out). Two snapshots with the same abstraction behave the same
 * for every event of {@link eventsFor} (the test checks it: replayed paths reach the states the
 * graph computed).
 */
export function abstractOf(s: ModelSnapshot) {
  const c = s.context;
  return {
    value: s.value,
    status: s.status,
    resources: c.resources,
    joins: c.joins.map((j) => (j.history ? `${j.resource}+history` : j.resource)),
    reads: c.reads.map((r) => r.needs),
    mailbox: c.mailbox.map((q) => q.kind),
    current: c.current?.kind ?? null,
    streaming: c.streaming,
  };
}

export const serializeState = (s: ModelSnapshot): string => JSON.stringify(abstractOf(s));

/**
 * The events offered in a state: the user-facing ones (waiting joins and reads bounded by
 * {@link MAX_JOINS} and {@link MAX_READS}) and the gateway's `shutdown`, the fan-out's
 * `join.streamed` while the resource's join sequence goes out, and the events of the active
 * states' own `xstate.*` transitions (invoke outcomes, the request runner's answers, and the
 * `callbackTimeout` and `shutdownGrace` delays, and `backfill.ended`: the end of a `backfill`
 * call that outlived its timeout), discovered from the chart, and the plugin's
 * traffic (a message from {@link CHATTER}), which changes no state but is decided by it.
 * `request.done` carries the outcome the request kind implies. Once the gateway shuts down
 * (`mailbox.busy.draining`), its registry is closed: no stanza of the user and no removal
 * reaches the room any more, only the plugin's traffic, the fan-out and the callbacks' outcomes.
 */
export function eventsFor(s: ModelSnapshot): ModelEvent[] {
  if (s.status !== "active") return [];
  const c = s.context;
  const events: ModelEvent[] = [];
  const open = !s.matches({ active: { mailbox: { busy: "draining" } } });
  if (open && c.joins.length < MAX_JOINS) events.push(USER_EVENTS.join, USER_EVENTS.joinWithHistory);
  if (open) events.push(USER_EVENTS.leave, USER_EVENTS.gone);
  if (c.streaming.includes(RESOURCE)) events.push(USER_EVENTS.streamed);
  if (open && c.reads.length < MAX_READS) events.push(USER_EVENTS.readInfo, USER_EVENTS.readParticipants, USER_EVENTS.readHistory);
  if (open) events.push(USER_EVENTS.message, USER_EVENTS.destroy, USER_EVENTS.leaveGroup, USER_EVENTS.remove);
  events.push(USER_EVENTS.chatter);
  if (open) events.push(USER_EVENTS.shutdown);
  for (const node of s._nodes) {
    for (const type of node.ownEvents) {
      if (type === "requests.settled") {
        const id = c.current?.id ?? "";
        events.push({ type, outcomes: [{ ok: true, id, destroyed: c.current?.kind === "destroy", removed: c.current?.kind === "leave" }] });
        events.push({ type, outcomes: [{ ok: false, id, error: LEGACY_DOWN }] });
      } else if (type.startsWith("xstate.done.actor.")) {
        events.push({ type: type as ActorEvent["type"] });
      } else if ((type as string) === RUNNER_ERROR) {
        // not offered: see RUNNER_ERROR
      } else if (type.startsWith("xstate.error.actor.")) {
        events.push({ type: type as ActorEvent["type"], error: LEGACY_DOWN });
      } else if (type.startsWith("xstate.after.")) {
        events.push({ type: type as ActorEvent["type"] });
      } else if (type === "backfill.ended") {
        events.push({ type });
      }
    }
  }
  return events;
}

/**
 * The invoked actor (`updateInfo`, `fillParticipants`, `backfill` or `runRequest`) that an
 * `xstate.done.actor.*` or `xstate.error.actor.*` event comes from, or whose timeout an
 * `xstate.after.*` event is: the `src` of the invoking state that has a transition on it, or
 * that is an ancestor of the state that has (`busy` invokes the runner, `busy.running` times
 * the request out).
 */
export function invokeSource(type: string): string {
  const node = getStateNodes(model.root).find((n) => n.ownEvents.includes(type));
  // The overrun's own limit times the late `backfill` call, which no state invokes any more.
  if (node?.id === "backfillOverrun") return "backfill";
  let invoking = node;
  while (invoking && invoking.invoke.length === 0) invoking = invoking.parent;
  const src = invoking?.invoke[0]?.src;
  if (typeof src !== "string") throw new Error(`no invoked actor for ${type}`);
  return src;
}

// ---- transitions and state nodes of the chart -------------------------------------------------

/** A transition's identity, stable across `machine.provide()` copies: source, event, position. */
export function transitionKey(t: AnyTransitionDefinition): string {
  const source = t.source;
  const always = source.always?.indexOf(t) ?? -1;
  if (always >= 0) return `${source.id} (always #${always})`;
  const position = source.transitions.get(t.eventType)?.indexOf(t) ?? -1;
  return `${source.id} ${t.eventType} #${position}`;
}

/** Every state node id of the machine, the root included. */
export function allStateIds(): string[] {
  return [model.root.id, ...getStateNodes(model.root).map((n) => n.id)];
}

/**
 * Every transition of the chart: the edges of `toDirectedGraph` (transitions on events,
 * invoke outcomes and delays) and the eventless (`always`) transitions, which the directed graph
 * leaves out.
 */
export function allTransitions(): { edges: string[]; eventless: string[] } {
  const edges: string[] = [];
  const walk = (g: DirectedGraphNode): void => {
    for (const e of g.edges) edges.push(transitionKey(e.transition));
    for (const child of g.children) walk(child);
  };
  walk(toDirectedGraph(model));
  const eventless = getStateNodes(model.root).flatMap((n) => (n.always ?? []).map(transitionKey));
  return { edges: [...new Set(edges)], eventless };
}
