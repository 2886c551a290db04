/**
 * A machine's chart as plain data, read from its own definition with `toDirectedGraph` from
 * `xstate/graph`: the state tree and every transition, with readable event names. The Mermaid
 * and DOT emitters (`mermaid.ts`, `dot.ts`) draw from this description, so the three formats
 * cannot disagree. Pure: no I/O.
 */
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from "xstate";
import { type DirectedGraphNode, toDirectedGraph } from "xstate/graph";

/** The kind of a state node, as XState names it. */
export type ChartStateType = "atomic" | "compound" | "parallel" | "final" | "history";

/** One state node of the chart, with its children in definition order. */
export interface ChartState {
  /** The XState id: the dotted path from the root (`room.active.mailbox`) or a custom `id`. */
  id: string;
  /** The key under its parent's `states` (`mailbox`). */
  key: string;
  /** The kind of state node. */
  type: ChartStateType;
  /** For a compound state, the id of the child it starts in. */
  initial?: string;
  /** The `src` of each invoked actor (the invoke id when the logic is inline). */
  invokes: string[];
  /** Names of the entry actions. */
  entry: string[];
  /** Names of the exit actions. */
  exit: string[];
  /** The state's tags. */
  tags: string[];
  /** The child states, in definition order. */
  states: ChartState[];
}

/** One transition of the chart. A transition with several targets gives one edge per target. */
export interface ChartEdge {
  /** Id of the state that declares the transition. */
  source: string;
  /** Id of the target; the source itself when {@link ChartEdge.targetless}. */
  target: string;
  /** The event type as XState stores it: `""` for eventless (`always`) transitions. */
  event: string;
  /**
   * The event for people: `always`, `after <delay>`, `done: <invoke src>`,
   * `error: <invoke src>`, `done` (a compound state's own completion), else the event type.
   */
  label: string;
  /** The guard, spelt out: a name, or `and(…)`, `or(…)`, `not(…)`, `in(<state>)`. */
  guard?: string;
  /** Names of the transition's actions, in order. */
  actions: string[];
  /** True when the transition has no target: it runs its actions and no state is exited. */
  targetless: boolean;
  /** True for `reenter: true`: the target is exited and entered again. */
  reenter: boolean;
}

/** A machine's chart as JSON-ready data; see {@link toChartJson}. */
export interface ChartJson {
  /** The machine's id. */
  machine: string;
  /** The root state node. */
  root: ChartState;
  /**
   * Every transition, grouped by source in definition order. Within a source, edges are sorted
   * by event label; edges for the same event keep their priority order (the first whose guard
   * passes is taken).
   */
  edges: ChartEdge[];
}

/**
 * Describes a machine's states and transitions as plain data, ready for `JSON.stringify`.
 *
 * @remarks
 * Read from `toDirectedGraph(machine)`, plus the eventless (`always`) transitions, which
 * `toDirectedGraph` leaves out. Internal event types become readable labels (see
 * {@link ChartEdge.label}); guards and actions are given by name. The output depends only on the
 * machine definition, so it can be compared with a stored copy.
 *
 * @example
 * ```ts
 * import { toChartJson } from "mucstate";
 * const chart = toChartJson(roomMachine);
 * chart.edges.filter((e) => e.label === "always").map((e) => `${e.source} → ${e.target}`);
 * ```
 */
export function toChartJson(machine: AnyStateMachine): ChartJson {
  const graph = toDirectedGraph(machine);
  const invokeSrc = new Map<string, string>();
  const collect = (node: DirectedGraphNode): void => {
    for (const def of node.stateNode.invoke) invokeSrc.set(def.id, srcName(def.src, def.id));
    node.children.forEach(collect);
  };
  collect(graph);
  const edges: ChartEdge[] = [];
  const walk = (node: DirectedGraphNode): void => {
    const own = node.edges.map((e) => toEdge(e.transition, e.source, e.target, invokeSrc));
    for (const t of node.stateNode.always ?? []) {
      for (const target of t.target ?? [node.stateNode]) own.push(toEdge(t, node.stateNode, target, invokeSrc));
    }
    edges.push(...own.sort((a, b) => compare(a.label, b.label)));
    node.children.forEach(walk);
  };
  walk(graph);
  return { machine: machine.id, root: toState(graph), edges };
}

/**
 * The text of an edge's label: its event label, then ` [guard]` when it has one. `format`
 * is applied to each name, not to the brackets.
 *
 * @internal
 */
export function edgeText(edge: ChartEdge, format: (text: string) => string = (t) => t): string {
  return edge.guard === undefined ? format(edge.label) : `${format(edge.label)} [${format(edge.guard)}]`;
}

/**
 * The text of a targetless transition as a line of a note: `event [guard] / action, …`.
 *
 * @internal
 */
export function handlerText(edge: ChartEdge, format: (text: string) => string = (t) => t): string {
  const actions = edge.actions.length === 0 ? "" : ` / ${format(edge.actions.join(", "))}`;
  return `${edgeText(edge, format)}${actions}`;
}

/**
 * Every state of the chart by id, in definition order, with its parent.
 *
 * @internal
 */
export function indexStates(root: ChartState): Map<string, { state: ChartState; parent: ChartState | undefined }> {
  const index = new Map<string, { state: ChartState; parent: ChartState | undefined }>();
  const visit = (state: ChartState, parent: ChartState | undefined): void => {
    index.set(state.id, { state, parent });
    for (const child of state.states) visit(child, state);
  };
  visit(root, undefined);
  return index;
}

function toState(node: DirectedGraphNode): ChartState {
  const s: AnyStateNode = node.stateNode;
  const initial: string | undefined = s.type === "compound" ? s.initial?.target[0]?.id : undefined;
  return {
    id: s.id,
    key: s.key,
    type: s.type,
    ...(initial === undefined ? {} : { initial }),
    invokes: s.invoke.map((def) => srcName(def.src, def.id)),
    entry: s.entry.map(actionName),
    exit: s.exit.map(actionName),
    tags: [...s.tags],
    states: node.children.map(toState),
  };
}

function toEdge(t: AnyTransitionDefinition, source: AnyStateNode, target: AnyStateNode, invokeSrc: Map<string, string>): ChartEdge {
  const guard = t.guard === undefined ? undefined : guardName(t.guard);
  return {
    source: source.id,
    target: target.id,
    event: t.eventType,
    label: eventLabel(t, source, invokeSrc),
    ...(guard === undefined ? {} : { guard }),
    actions: t.actions.map(actionName),
    targetless: t.target === undefined,
    reenter: t.reenter,
  };
}

/** Shortens XState's internal event types; see {@link ChartEdge.label}. */
function eventLabel(t: AnyTransitionDefinition, source: AnyStateNode, invokeSrc: Map<string, string>): string {
  const type = t.eventType;
  if (type === "") return "always";
  const after = "xstate.after.";
  if (type.startsWith(after)) {
    const delay = (t as { delay?: unknown }).delay ?? type.slice(after.length).replace(`.${source.id}`, "");
    return typeof delay === "number" ? `after ${delay}ms` : `after ${String(delay)}`;
  }
  for (const [prefix, word] of [
    ["xstate.done.actor.", "done"],
    ["xstate.error.actor.", "error"],
    ["xstate.snapshot.", "snapshot"],
  ] as const) {
    if (type.startsWith(prefix)) {
      const id = type.slice(prefix.length);
      return `${word}: ${invokeSrc.get(id) ?? id}`;
    }
  }
  if (type.startsWith("xstate.done.state.")) return "done";
  return type;
}

/** Names a guard, spelling out the higher-order guards `and`, `or`, `not` and `stateIn`. */
function guardName(guard: unknown): string {
  if (typeof guard === "string") return guard;
  if (typeof guard === "function") {
    const fn = guard as { name: string; guards?: unknown[]; stateValue?: unknown };
    if ("stateValue" in fn) {
      return `in(${typeof fn.stateValue === "string" ? fn.stateValue : JSON.stringify(fn.stateValue)})`;
    }
    if (Array.isArray(fn.guards)) return `${fn.name}(${fn.guards.map(guardName).join(", ")})`;
    return fn.name || "inline";
  }
  if (guard && typeof guard === "object" && "type" in guard) return String(guard.type);
  return "inline";
}

/** Names an action: its name, `type`, or `inline` for an anonymous function. */
function actionName(action: unknown): string {
  if (typeof action === "string") return action;
  if (action && (typeof action === "object" || typeof action === "function")) {
    const a = action as { type?: unknown; name?: unknown };
    if (typeof a.type === "string") return a.type;
    if (typeof a.name === "string" && a.name !== "") return a.name;
  }
  return "inline";
}

function srcName(src: unknown, id: string): string {
  return typeof src === "string" ? src : id;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
