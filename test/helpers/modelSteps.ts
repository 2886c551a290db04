/**
 * The pure replay of a model path for the model-based tests: runs its events through the room
 * machine's `transition` function and records what the chart predicts at every step (the state
 * reached, the transitions taken, the events emitted). Paths are generated in modelGraph.ts.
 */
import { type InspectionEvent, createEmptyActor } from "xstate";
import type { RoomEmitted, RoomInput } from "../../src/machines/roomEvents.js";
import { type PassivatedState, isIdle, passivatedState, resumedSnapshot } from "../../src/machines/roomStatus.js";
import { MODEL_INPUT, type ModelEvent, type ModelSnapshot, type PathEvent, asMachineEvent, isRunnerEvent, model, serializeState, transitionKey } from "./modelPaths.js";

/** What the chart predicts for one step of a path. */
export interface ModelStep {
  /** The event of the step, with the step's own id for joins, reads and requests. */
  event: PathEvent | { type: "xstate.init" };
  /** For a resume step: what the room passivated as. */
  passivated?: PassivatedState;
  snapshot: ModelSnapshot;
  /** Transitions taken, in order ({@link transitionKey}). */
  transitions: string[];
  /** Ids of the state nodes the step was in, at rest or in a microstep (transient states included). */
  visited: string[];
  /** Events emitted, in order. */
  emitted: RoomEmitted[];
}

/** The actor scope the machine's pure `transition` takes. */
export type Scope = Parameters<typeof model.transition>[2];

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
  if (event.type === "requests") return { ...event, requests: event.requests.map((r) => ({ ...r, id })) };
  return "id" in event && event.type !== "plugin" ? { ...event, id } : event;
}

/**
 * What the model resumes as after passivating in `snapshot` (which must be idle): the
 * passivated state, and the machine restored from it as a re-activated room actor restores it.
 */
export function passivateAndResume(snapshot: ModelSnapshot, input: RoomInput, scope: Scope): { passivated: PassivatedState; resumed: ModelSnapshot } {
  if (!isIdle(snapshot)) throw new Error(`the model passivates in a state that is not idle: ${serializeState(snapshot)}`);
  const passivated = passivatedState(model.getPersistedSnapshot(snapshot), snapshot.context);
  const resumed = model.restoreSnapshot(resumedSnapshot(passivated, input), scope) as ModelSnapshot;
  return { passivated, resumed };
}

/** Runs the events through the machine's pure transition function, recording each step. */
export function replayModel(events: readonly PathEvent[], input: RoomInput = MODEL_INPUT): ModelStep[] {
  const recorder = recordingScope();
  let snapshot = model.getInitialSnapshot(recorder.scope, input);
  const steps: ModelStep[] = [{ event: { type: "xstate.init" }, snapshot, ...recorder.take(snapshot) }];
  events.forEach((e, i) => {
    if (e.type === "resume") {
      const { passivated, resumed } = passivateAndResume(snapshot, input, recorder.scope);
      snapshot = resumed;
      steps.push({ event: e, snapshot, passivated, ...recorder.take(snapshot) });
      return;
    }
    // The runner answers for the request in flight; every other event gets the step's own id.
    const current = snapshot.context.current?.id ?? "";
    const event = isRunnerEvent(e) ? { ...e, outcomes: e.outcomes.map((o) => ({ ...o, id: current })) } : withId(e, `m${i + 1}`);
    snapshot = model.transition(snapshot, asMachineEvent(event), recorder.scope);
    steps.push({ event, snapshot, ...recorder.take(snapshot) });
  });
  return steps;
}
