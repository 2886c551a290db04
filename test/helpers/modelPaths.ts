/**
 * The model side of the model-based tests of the room machine: the event set offered in each
 * state, a compact abstraction of the context, path generation with `xstate/graph`, and a pure
 * replay of a path that records what the chart predicts at every step (the state reached, the
 * transitions taken, the events emitted). The room actor side lives in
 * test/unit/modelBased.test.ts.
 */
import {
  type AnyTransitionDefinition,
  type InspectionEvent,
  type SnapshotFrom,
  createEmptyActor,
  fromCallback,
  fromPromise,
} from "xstate";
import { type DirectedGraphNode, getStateNodes, toDirectedGraph } from "xstate/graph";
import type { StanzaErrorData } from "../../src/protocol/rfc6120.js";
import type { RoomEmitted, RoomEvent, RoomHandle, RoomInput, RunEvent, RunnerEvent } from "../../src/machines/roomEvents.js";
import { roomMachine } from "../../src/machines/roomMachine.js";

/** The user's only resource in the model. */
export const RESOURCE = "phone";
/**
 * Input of the model and of the replayed room actors. A mailbox of one makes the
 * `resource-constraint` refusal reachable with two requests.
 */
export const MODEL_INPUT = { mailboxSize: 1, callbackTimeoutMs: 1_000 } as const;
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
export const model = roomMachine.provide({
  actors: {
    updateInfo: fromPromise<void, RoomHandle>(hang),
    fillParticipants: fromPromise<void, RoomHandle>(hang),
    backfill: fromPromise<void, RoomHandle>(hang),
    runRequest: fromCallback<RunEvent, RoomHandle>(() => {}),
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
  message: { type: "request", id: "-", kind: "message" },
  destroy: { type: "request", id: "-", kind: "destroy" },
  leaveGroup: { type: "request", id: "-", kind: "leave" },
  remove: { type: "remove" },
} satisfies Record<string, RoomEvent>;

/** The machine's event type leaves out what its actors and delays send; the machine takes them all. */
export function asMachineEvent(event: ModelEvent): RoomEvent {
  return event as RoomEvent;
}

/** The request runner's answers: the model sends them for the request in flight. */
export function isRunnerEvent(event: ModelEvent): event is RunnerEvent {
  return event.type === "request.done" || event.type === "request.failed";
}

/**
 * The request runner's own failure (`xstate.error.actor.requests`): it reports every failure of a
 * request as `request.failed` and has no failure of its own that a replay could cause.
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
  };
}

export const serializeState = (s: ModelSnapshot): string => JSON.stringify(abstractOf(s));

/**
 * The events offered in a state: the user-facing ones (waiting joins and reads bounded by
 * {@link MAX_JOINS} and {@link MAX_READS}), and the events of the active states' own `xstate.*` transitions (invoke
 * outcomes, the request runner's answers, and delays), discovered from the chart. `request.done`
 * carries the outcome the request kind implies. `after` timeouts are not offered while a request runs: the
 * room actor's request watchdog shares the timeout and, started earlier, would fire first.
 */
export function eventsFor(s: ModelSnapshot): ModelEvent[] {
  if (s.status !== "active") return [];
  const c = s.context;
  const events: ModelEvent[] = [];
  if (c.joins.length < MAX_JOINS) events.push(USER_EVENTS.join, USER_EVENTS.joinWithHistory);
  events.push(USER_EVENTS.leave, USER_EVENTS.gone);
  if (c.reads.length < MAX_READS) events.push(USER_EVENTS.readInfo, USER_EVENTS.readParticipants, USER_EVENTS.readHistory);
  events.push(USER_EVENTS.message, USER_EVENTS.destroy, USER_EVENTS.leaveGroup, USER_EVENTS.remove);
  const running = s.matches({ active: { mailbox: "busy" } });
  for (const node of s._nodes) {
    for (const type of node.ownEvents) {
      if (type === "request.done") {
        events.push({ type, id: c.current?.id ?? "", destroyed: c.current?.kind === "destroy", removed: c.current?.kind === "leave" });
      } else if (type === "request.failed") {
        events.push({ type, id: c.current?.id ?? "", error: LEGACY_DOWN });
      } else if (type.startsWith("xstate.done.actor.")) {
        events.push({ type: type as ActorEvent["type"] });
      } else if ((type as string) === RUNNER_ERROR) {
        // not offered: see RUNNER_ERROR
      } else if (type.startsWith("xstate.error.actor.")) {
        events.push({ type: type as ActorEvent["type"], error: LEGACY_DOWN });
      } else if (type.startsWith("xstate.after.") && !running) {
        events.push({ type: type as ActorEvent["type"] });
      }
    }
  }
  return events;
}

const INVOKING = getStateNodes(model.root).filter((n) => n.invoke.length > 0);

/**
 * The invoked actor (`updateInfo`, `fillParticipants`, `backfill` or `runRequest`) that an
 * `xstate.done.actor.*` or `xstate.error.actor.*` event comes from, or whose timeout an
 * `xstate.after.*` event is: the `src` of the invoking state that has a transition on it.
 */
export function invokeSource(type: string): string {
  const src = INVOKING.find((n) => n.ownEvents.includes(type))?.invoke[0]?.src;
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

// ---- pure replay -----------------------------------------------------------------------------

/** What the chart predicts for one step of a path. */
export interface ModelStep {
  /** The event of the step, with the step's own id for joins, reads and requests. */
  event: ModelEvent | { type: "xstate.init" };
  snapshot: ModelSnapshot;
  /** Transitions taken, in order ({@link transitionKey}). */
  transitions: string[];
  /** Ids of the state nodes the step was in, at rest or in a microstep (transient states included). */
  visited: string[];
  /** Events emitted, in order. */
  emitted: RoomEmitted[];
}

type Scope = Parameters<typeof model.transition>[2];

/** An actor scope for the machine's pure `transition`, and what it recorded since the last `take`. */
export interface RecordingScope {
  scope: Scope;
  take(rest?: ModelSnapshot): { transitions: string[]; visited: string[]; emitted: RoomEmitted[] };
}

/** An actor scope for the machine's pure `transition` that records microsteps and emitted events. */
export function recordingScope(): RecordingScope {
  const transitions: string[] = [];
  const visited = new Set<string>();
  const emitted: RoomEmitted[] = [];
  const self = createEmptyActor();
  const system = Object.create(self.system, {
    _sendInspectionEvent: {
      value: (e: InspectionEvent) => {
        if (e.type !== "@xstate.microstep") return;
        transitions.push(...e._transitions.map(transitionKey));
        for (const t of e._transitions) visited.add(t.source.id);
        for (const n of (e.snapshot as ModelSnapshot)._nodes) visited.add(n.id);
      },
    },
  });
  const scope = {
    self,
    system,
    id: "model",
    sessionId: "model",
    logger: () => {},
    defer: () => {},
    stopChild: () => {},
    emit: () => {},
    // Only emits are collected; spawning, delays and the rest belong to a running actor.
    actionExecutor: (action: { type: string; params?: unknown }) => {
      if (action.type === "xstate.emit") emitted.push((action.params as { event: RoomEmitted }).event);
    },
  } as unknown as Scope;
  return {
    scope,
    take: (rest?: ModelSnapshot) => {
      for (const n of rest?._nodes ?? []) visited.add(n.id);
      const step = { transitions: transitions.splice(0), visited: [...visited], emitted: emitted.splice(0) };
      visited.clear();
      return step;
    },
  };
}

/** Gives a join, read or request its own id, so that each is told apart. */
function withId(event: ModelEvent, id: string): ModelEvent {
  return "id" in event ? { ...event, id } : event;
}

/** Runs the events through the machine's pure transition function, recording each step. */
export function replayModel(events: readonly ModelEvent[], input: RoomInput = MODEL_INPUT): ModelStep[] {
  const recorder = recordingScope();
  let snapshot = model.getInitialSnapshot(recorder.scope, input);
  const steps: ModelStep[] = [{ event: { type: "xstate.init" }, snapshot, ...recorder.take(snapshot) }];
  events.forEach((e, i) => {
    // The runner answers for the request in flight; every other event gets the step's own id.
    const event = isRunnerEvent(e) ? { ...e, id: snapshot.context.current?.id ?? "" } : withId(e, `m${i + 1}`);
    snapshot = model.transition(snapshot, asMachineEvent(event), recorder.scope);
    steps.push({ event, snapshot, ...recorder.take(snapshot) });
  });
  return steps;
}
