/**
 * Path generation for the model-based tests: `xstate/graph` shortest paths over the room
 * machine with the events of {@link eventsFor}, plus the paths that take what the shortest
 * paths miss (see {@link modelPaths}). The model itself is in modelPaths.ts.
 */
import type { RoomEvent, RoomInput } from "../../src/machines/roomEvents.js";
import { getShortestPaths } from "xstate/graph";
import {
  LIMIT,
  MODEL_INPUT,
  type ModelEvent,
  type ModelSnapshot,
  type ModelStep,
  allTransitions,
  asMachineEvent,
  eventsFor,
  isActorEvent,
  model,
  recordingScope,
  replayModel,
  serializeState,
} from "./modelPaths.js";

/** A path to replay: its events (after `xstate.init`), the abstract states it passes, and what the chart predicts. */
export interface ModelPath {
  events: ModelEvent[];
  /** {@link serializeState} of the initial state and after each event, as the graph computed them. */
  states: string[];
  /** The pure replay of the events. */
  steps: ModelStep[];
  /**
   * Why the path is there: it ends in a state no other path passes (`state`), takes a transition
   * no other path takes (`transition`), or ends with a callback's outcome reacting in a way no
   * earlier outcome path shows (`outcome`).
   */
  reason: "state" | "transition" | "outcome";
}

/**
 * Paths that together visit every reachable abstract state and take every transition of the
 * chart that the event set reaches from `input`:
 *
 * 1. `getShortestPaths` gives a shortest path to every abstract state; they form a tree, whose
 *    leaves visit every state.
 * 2. A transition that none of them takes gets the shortest path to the first state (in order
 *    of distance) where an offered event takes it, plus that event.
 * 3. The outcome of a callback answers what waits for it, so each outcome
 *    (`xstate.done.actor.*`, `xstate.error.actor.*`, `xstate.after.*`) gets a path for every
 *    distinct reaction it has somewhere in the graph (the transitions it takes and the events it
 *    emits, ids aside): the shortest path to the first state where it reacts so, plus the outcome.
 */
export function modelPaths(input: RoomInput = MODEL_INPUT) {
  const shortest = getShortestPaths(model, {
    input,
    events: eventsFor as (s: ModelSnapshot) => RoomEvent[],
    serializeState,
    limit: LIMIT,
  });
  const key = (events: readonly ModelEvent[]) => JSON.stringify(events);
  const all = shortest.map((p) => ({
    events: p.steps.slice(1).map((s) => s.event as ModelEvent),
    states: p.steps.map((s) => serializeState(s.state)),
    end: p.state,
  }));
  const prefixes = new Set(all.filter((p) => p.events.length > 0).map((p) => key(p.events.slice(0, -1))));
  const paths: ModelPath[] = all
    .filter((p) => !prefixes.has(key(p.events)))
    .map(({ events, states }) => ({ events, states, steps: replayModel(events, input), reason: "state" }));

  const taken = new Set(paths.flatMap((p) => p.steps.flatMap((s) => s.transitions)));
  const wanted = new Set([...allTransitions().edges, ...allTransitions().eventless].filter((t) => !taken.has(t)));
  const byDistance = [...all].sort((a, b) => a.events.length - b.events.length);
  for (const head of byDistance) {
    if (wanted.size === 0) break;
    for (const event of eventsFor(head.end)) {
      const recorder = recordingScope();
      const next = model.transition(head.end, asMachineEvent(event), recorder.scope);
      if (!recorder.take().transitions.some((t) => wanted.has(t))) continue;
      const events = [...head.events, event];
      const steps = replayModel(events, input);
      paths.push({ events, states: [...head.states, serializeState(next)], steps, reason: "transition" });
      for (const s of steps) for (const t of s.transitions) wanted.delete(t);
    }
  }

  const outcomes = new Set<string>();
  for (const head of byDistance) {
    for (const event of eventsFor(head.end)) {
      if (!isActorEvent(event)) continue;
      const recorder = recordingScope();
      const next = model.transition(head.end, asMachineEvent(event), recorder.scope);
      const { transitions, emitted } = recorder.take();
      const reaction = JSON.stringify([transitions, emitted]);
      if (outcomes.has(reaction)) continue;
      outcomes.add(reaction);
      const events = [...head.events, event];
      paths.push({ events, states: [...head.states, serializeState(next)], steps: replayModel(events, input), reason: "outcome" });
    }
  }
  return { paths, states: all.length };
}
