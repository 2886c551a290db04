/**
 * What the inspector's state panel shows when a person clicks a state of the chart: the state's
 * full id, its own transitions with their whole guard and action names, its entry and exit
 * actions and invoked actors. Derived from {@link toChartJson}'s data, so it tells what the
 * machine definition says. Pure: no I/O.
 */
import { type ChartJson, type ChartStateType, indexStates } from "./chart.js";

/** One transition a state declares, as the state panel lists it. */
export interface TransitionDetail {
  /** The event for people (`request.done`, `after requestTimeout`, `done: updateInfo`, `always`). */
  event: string;
  /** The target state's id; absent for a targetless transition (actions only, no state left). */
  target?: string;
  /** The whole guard, spelt out (`and(isOwner, not(roomLocked))`); absent when unguarded. */
  guard?: string;
  /** The names of the transition's actions, in order. */
  actions: string[];
  /** True for `reenter: true`: the target is exited and entered again. */
  reenter: boolean;
}

/** One state of the chart with everything the machine definition says about it. */
export interface StateDetail {
  /** The XState id (`room.active.mailbox.busy.running`, or a custom `id` such as `joined`). */
  id: string;
  /** The key under its parent's `states` (`running`). */
  key: string;
  /** The kind of state node. */
  type: ChartStateType;
  /** The ids of the enclosing states, innermost first (empty for the root). */
  ancestors: string[];
  /** For a compound state, the id of the child it starts in. */
  initial?: string;
  /** The ids of the child states, in definition order. */
  children: string[];
  /** Names of the entry actions. */
  entry: string[];
  /** Names of the exit actions. */
  exit: string[];
  /** The `src` of each invoked actor. */
  invokes: string[];
  /** The state's tags. */
  tags: string[];
  /**
   * The transitions the state declares, in the chart's order: by event, and for one event in
   * priority order (the first whose guard passes is taken). Transitions declared by an
   * enclosing state also apply here; find them under {@link StateDetail.ancestors}.
   */
  transitions: TransitionDetail[];
}

/**
 * Every state of a chart by id, with its transitions, entry and exit actions and invoked actors,
 * ready for `JSON.stringify`; `GET /api/states` of the inspector serves it for the room machine.
 *
 * @example
 * ```ts
 * const states = toStateDetails(toChartJson(roomMachine));
 * states["room.active.mailbox.busy.running"].transitions.map((t) => `${t.event} → ${t.target}`);
 * ```
 */
export function toStateDetails(chart: ChartJson): Record<string, StateDetail> {
  const index = indexStates(chart.root);
  const transitions = new Map<string, TransitionDetail[]>();
  for (const edge of chart.edges) {
    const detail: TransitionDetail = {
      event: edge.label,
      ...(edge.targetless ? {} : { target: edge.target }),
      ...(edge.guard === undefined ? {} : { guard: edge.guard }),
      actions: edge.actions,
      reenter: edge.reenter,
    };
    transitions.set(edge.source, [...(transitions.get(edge.source) ?? []), detail]);
  }
  const details: Record<string, StateDetail> = {};
  for (const [id, { state }] of index) {
    const ancestors: string[] = [];
    for (let p = index.get(id)?.parent; p; p = index.get(p.id)?.parent) ancestors.push(p.id);
    details[id] = {
      id,
      key: state.key,
      type: state.type,
      ancestors,
      ...(state.initial === undefined ? {} : { initial: state.initial }),
      children: state.states.map((s) => s.id),
      entry: state.entry,
      exit: state.exit,
      invokes: state.invokes,
      tags: state.tags,
      transitions: transitions.get(id) ?? [],
    };
  }
  return details;
}
