/**
 * Path generation for the model-based tests: `xstate/graph` shortest paths over the room
 * machine with the events of {@link eventsFor}, plus the paths that take what the shortest
 * paths miss (see {@link modelPaths}). The model itself is in modelPaths.ts, the pure replay of
 * a path in modelSteps.ts.
 */
import { getShortestPaths } from "xstate/graph";
import type { RoomEvent, RoomInput } from "../../src/machines/roomEvents.js";
import { isIdle } from "../../src/machines/roomStatus.js";
import {
  LIMIT,
  MODEL_INPUT,
  type ModelEvent,
  type ModelSnapshot,
  type PathEvent,
  RESUMES,
  USER_EVENTS,
  allTransitions,
  asMachineEvent,
  eventsFor,
  isActorEvent,
  isRunnerEvent,
  model,
  serializeState,
} from "./modelPaths.js";
import { type ModelStep, passivateAndResume, recordingScope, replayModel } from "./modelSteps.js";

export type { ModelStep } from "./modelSteps.js";

/**
 * What delivers the traffic held for joins: from `s`, every callback succeeds and every join
 * sequence goes out (the first offered `xstate.done.actor.*` or `join.streamed`, again and
 * again) until no join waits and no join sequence is going out.
 */
function delivery(s: ModelSnapshot): { events: ModelEvent[]; states: string[]; end: ModelSnapshot } {
  const events: ModelEvent[] = [];
  const states: string[] = [];
  while (s.status === "active" && (s.context.joins.length > 0 || s.context.streaming.length > 0)) {
    const next = eventsFor(s).find((e) => e.type === "join.streamed" || e.type.startsWith("xstate.done.actor."));
    if (!next || events.length > 10) throw new Error(`nothing delivers what waits in ${serializeState(s)}`);
    s = model.transition(s, asMachineEvent(next), recordingScope().scope);
    events.push(next);
    states.push(serializeState(s));
  }
  return { events, states, end: s };
}

/** The lifecycle and archive regions' values of an active snapshot. */
function regionsOf(s: ModelSnapshot): { lifecycle: unknown; archive: unknown } {
  return (s.value as { active: { lifecycle: unknown; archive: unknown } }).active;
}

/** A path to replay: its events (after `xstate.init`), the abstract states it passes, and what the chart predicts. */
export interface ModelPath {
  events: PathEvent[];
  /** {@link serializeState} of the initial state and after each event, as the graph computed them. */
  states: string[];
  /** The pure replay of the events. */
  steps: ModelStep[];
  /**
   * Why the path is there: it ends in a state no other path passes (`state`), takes a transition
   * no other path takes (`transition`), or ends with a callback's outcome reacting in a way no
   * earlier outcome path shows (`outcome`), or shows a decision on the plugin's traffic that no
   * other path shows (`traffic`), or ends a late backfill (`late`), or passivates in an idle
   * state and goes on in the re-activated room (`resumed`).
   */
  reason: "state" | "transition" | "outcome" | "traffic" | "late" | "resumed";
  /** For a `resumed` path: the abstract state the room passivated in. */
  resumedIn?: string;
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
 *    (`xstate.done.actor.*`, `xstate.error.actor.*`, `xstate.after.*`, and the request runner's
 *    `request.done` and `request.failed`) gets a path for every distinct reaction it has
 *    somewhere in the graph (the transitions it takes and the events it emits, ids aside, and
 *    which resources' join sequences are going out, since the room actor holds live traffic for
 *    them): the shortest path to the first state where it reacts so, plus the outcome.
 * 4. The plugin's traffic gets a path for every distinct decision the machine takes on it (who
 *    gets it now, who after their join sequence, whether it is archived only) in every state of
 *    the lifecycle and archive regions: the shortest path to the first state where it is decided
 *    so, the traffic, then what delivers what was held (see {@link delivery}); when it was held
 *    for a join that waits, also with that join left and the resource joining again before.
 * 5. A `backfill` that outlived its timeout ends (`backfill.ended`) in every state of the
 *    lifecycle region it can end in, with and without joins waiting: its late call sends its old
 *    message (archived only) and ends, every callback succeeds and what waits is delivered (see {@link delivery}),
 *    and a join shows whom the room lists: the late call's sender must not be among them, even
 *    when `fillParticipants` ran meanwhile (`reason: "late"`).
 * 6. Every idle state (`isIdle`: where the room may passivate) gets, in `resumed`, the shortest
 *    path to it, a passivation and re-activation (both {@link RESUMES}), and then each event
 *    offered in the resumed state, and, when that event starts a callback, each outcome of the
 *    callback: the re-activated room must be in that state and go on from it as the chart says
 *    (no callback runs again that the state says ran; those that run find what they need).
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
      if (!isActorEvent(event) && !isRunnerEvent(event)) continue;
      const recorder = recordingScope();
      const next = model.transition(head.end, asMachineEvent(event), recorder.scope);
      const { transitions, emitted } = recorder.take();
      const reaction = JSON.stringify([transitions, emitted, head.end.context.streaming]);
      if (outcomes.has(reaction)) continue;
      outcomes.add(reaction);
      const events = [...head.events, event];
      paths.push({ events, states: [...head.states, serializeState(next)], steps: replayModel(events, input), reason: "outcome" });
    }
  }
  const decisions = new Set<string>();
  for (const head of byDistance) {
    if (head.end.status !== "active") continue;
    const recorder = recordingScope();
    const next = model.transition(head.end, asMachineEvent(USER_EVENTS.chatter), recorder.scope);
    // Which callbacks ran matters to the room actor too (the store has the room after `updateInfo`).
    const { lifecycle, archive } = regionsOf(head.end);
    const decision = JSON.stringify([recorder.take().emitted.map((e) => ({ ...e, id: 0 })), lifecycle, archive]);
    if (decisions.has(decision)) continue;
    decisions.add(decision);
    const rest = delivery(next);
    const events = [...head.events, USER_EVENTS.chatter, ...rest.events];
    paths.push({ events, states: [...head.states, serializeState(next), ...rest.states], steps: replayModel(events, input), reason: "traffic" });
    if (next.context.joins.length === 0) continue;
    // The joins it was held for leave before they are ready, and the resource joins again.
    const left = model.transition(next, asMachineEvent(USER_EVENTS.leave), recordingScope().scope);
    const again = model.transition(left, asMachineEvent(USER_EVENTS.join), recordingScope().scope);
    const delivered = delivery(again);
    const rejoin = [...head.events, USER_EVENTS.chatter, USER_EVENTS.leave, USER_EVENTS.join, ...delivered.events];
    const states = [...head.states, serializeState(next), serializeState(left), serializeState(again), ...delivered.states];
    paths.push({ events: rejoin, states, steps: replayModel(rejoin, input), reason: "traffic" });
  }
  const lateEnds = new Set<string>();
  for (const head of byDistance) {
    const ended = eventsFor(head.end).find((e) => e.type === "backfill.ended");
    if (!ended) continue;
    const key = JSON.stringify([regionsOf(head.end).lifecycle, head.end.context.joins.length > 0]);
    if (lateEnds.has(key)) continue;
    lateEnds.add(key);
    const next = model.transition(head.end, asMachineEvent(ended), recordingScope().scope);
    const rest = delivery(next);
    let events = [...head.events, ended, ...rest.events];
    let states = [...head.states, serializeState(next), ...rest.states];
    // A join shows who the room lists now (once the gateway shuts down, no join comes).
    if (eventsFor(rest.end).includes(USER_EVENTS.join)) {
      const joined = model.transition(rest.end, asMachineEvent(USER_EVENTS.join), recordingScope().scope);
      const shown = delivery(joined);
      events = [...events, USER_EVENTS.join, ...shown.events];
      states = [...states, serializeState(joined), ...shown.states];
    }
    paths.push({ events, states, steps: replayModel(events, input), reason: "late" });
  }

  const resumed: ModelPath[] = [];
  for (const head of byDistance) {
    if (!isIdle(head.end)) continue;
    const { resumed: state } = passivateAndResume(head.end, input, recordingScope().scope);
    for (const resume of RESUMES) {
      const from = { events: [...head.events, resume], states: [...head.states, serializeState(state)] };
      for (const event of eventsFor(state)) {
        const next = model.transition(state, asMachineEvent(event), recordingScope().scope);
        const to = { events: [...from.events, event], states: [...from.states, serializeState(next)] };
        resumed.push({ ...to, steps: replayModel(to.events, input), reason: "resumed", resumedIn: head.states.at(-1) });
        // An idle room runs no callback: what runs now, the event started.
        for (const outcome of eventsFor(next).filter(isActorEvent)) {
          const after = model.transition(next, asMachineEvent(outcome), recordingScope().scope);
          const events = [...to.events, outcome];
          resumed.push({ events, states: [...to.states, serializeState(after)], steps: replayModel(events, input), reason: "resumed", resumedIn: head.states.at(-1) });
        }
      }
    }
  }
  return { paths, resumed, states: all.length, idle: byDistance.filter((p) => isIdle(p.end)).length };
}
