/**
 * Graphviz DOT text for a machine, drawn from {@link toChartJson}.
 * Language: https://graphviz.org/doc/info/lang.html
 */
import type { AnyStateMachine } from "xstate";
import { type ChartEdge, type ChartState, handlerText, indexStates, toChartJson } from "./chart.js";

const INDENT = "  ";

/**
 * Renders a machine as a Graphviz `digraph`, for `dot` (or {@link toSvg}).
 *
 * @remarks
 * - Compound and parallel states are clusters (`subgraph "cluster_<id>"`); the regions of a
 *   parallel state have a dashed border. Atomic states are rounded boxes, final states have a
 *   double border, and a state that invokes actors names them under its key.
 * - Each cluster holds an invisible anchor node; with `compound=true`, arrows to or from a
 *   compound state start or end at its border (`lhead` / `ltail`). A black dot inside each
 *   compound state points at its initial state.
 * - Edge labels are the event ({@link ChartEdge.label}) with `[guard]` under it, like
 *   {@link toMermaid}, but a higher-order guard longer than 24 characters is drawn as its outer
 *   name (`[and(…)]`; the inspector's state panel spells it out). Transitions between the same
 *   two states share one arrow, their labels stacked. Targetless transitions of an atomic
 *   state are self-loops. Those of a compound or parallel state (the room's `join`, `leave`,
 *   `read`, `request` and `resource.gone` of `active`) are listed as `event [guard] / actions`
 *   in a note inside its cluster, since Graphviz cannot loop an arrow on a cluster; the
 *   machine root's transitions go to a note at the top.
 * - Identifiers and labels are double-quoted, with `"` and `\` escaped and `&` written as
 *   `&amp;` so that Graphviz shows names as they are.
 *
 * The output follows the machine's definition order and is the same for the same machine.
 *
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * import { roomMachine, toDot } from "mucstate";
 * writeFileSync("room.dot", toDot(roomMachine)); // then: dot -Tpng room.dot > room.png
 * ```
 */
export function toDot(machine: AnyStateMachine): string {
  const chart = toChartJson(machine);
  const index = indexStates(chart.root);
  const state = (id: string) => index.get(id)?.state as ChartState;
  const isCluster = (id: string) => (index.get(id)?.state.states.length ?? 0) > 0;
  /** True when `inner` is a descendant of `outer`. */
  const inside = (inner: string, outer: string): boolean => {
    for (let p = index.get(inner)?.parent; p; p = index.get(p.id)?.parent) if (p.id === outer) return true;
    return false;
  };
  const notes = new Map<string, string[]>();
  const arrow = (from: string, to: string, attributes: string[]): string => {
    const tail = isCluster(from) ? anchor(from) : from;
    const head = isCluster(to) ? anchor(to) : to;
    const attrs = [...attributes];
    if (isCluster(from) && from !== to && !inside(to, from)) attrs.push(`ltail=${quote(`cluster_${from}`)}`);
    if (isCluster(to) && from !== to && !inside(from, to)) attrs.push(`lhead=${quote(`cluster_${to}`)}`);
    return `${INDENT}${quote(tail)} -> ${quote(head)}${attrs.length > 0 ? ` [${attrs.join(", ")}]` : ""};`;
  };
  // Transitions between the same two states share one arrow, their labels stacked: separate
  // arrows (a self-loop above all) draw their labels on top of each other.
  const labels = new Map<string, { from: string; to: string; lines: string[] }>();
  for (const edge of chart.edges) {
    if (edge.source === chart.root.id || (edge.targetless && isCluster(edge.source))) {
      const to = edge.targetless ? "" : ` -> ${state(edge.target).key}`;
      push(notes, edge.source, ...wrap(`${handlerText(drawn(edge))}${to}`, 64));
    } else {
      const { guard } = drawn(edge);
      const label = [edge.label, ...(guard === undefined ? [] : [`[${guard}]`])];
      const key = `${edge.source}\n${edge.target}`;
      const shared = labels.get(key);
      if (shared) shared.lines.push(...label);
      else labels.set(key, { from: edge.source, to: edge.target, lines: label });
    }
  }
  const transitions = [...labels.values()].map(({ from, to, lines }) => arrow(from, to, [`label="${lines.map(dotText).join("\\n")}"`]));

  const lines = [
    `digraph ${quote(chart.machine)} {`,
    `${INDENT}compound=true; nodesep=0.6;`,
    `${INDENT}fontname="Helvetica";`,
    `${INDENT}node [shape=box, style=rounded, fontname="Helvetica", fontsize=11];`,
    `${INDENT}edge [fontname="Helvetica", fontsize=9];`,
  ];
  const starts: string[] = [];
  const contents = (s: ChartState, depth: number): void => {
    const pad = INDENT.repeat(depth);
    if (s.id !== chart.root.id) lines.push(`${pad}${quote(anchor(s.id))} [shape=point, style=invis, width=0, height=0, label=""];`);
    if (s.initial !== undefined) {
      const start = `${s.id} (start)`;
      lines.push(`${pad}${quote(start)} [shape=point, style=filled, fillcolor=black, width=0.12, label=""];`);
      starts.push(arrow(start, s.initial, []));
    }
    const note = notes.get(s.id);
    if (note) {
      const title = s.id === chart.root.id ? `${s.key}:` : `in ${s.key}, without leaving it:`;
      lines.push(`${pad}${quote(`${s.id} (note)`)} [shape=note, style="", fontsize=9, label=${leftLines([title, ...note])}];`);
    }
    for (const child of s.states) {
      const name = [child.key, ...child.invokes.map((src) => `invoke ${src}`)].map(dotText).join("\\n");
      if (child.states.length > 0) {
        const style = s.type === "parallel" ? "rounded,dashed" : "rounded";
        lines.push(`${pad}subgraph ${quote(`cluster_${child.id}`)} {`, `${pad}${INDENT}label="${name}"; style="${style}";`);
        contents(child, depth + 1);
        lines.push(`${pad}}`);
      } else {
        const final = child.type === "final" ? ", peripheries=2" : "";
        lines.push(`${pad}${quote(child.id)} [label="${name}"${final}];`);
      }
    }
  };
  contents(chart.root, 1);
  lines.push(...starts, ...transitions, "}");
  return `${lines.join("\n")}\n`;
}

/** Longest higher-order guard drawn whole; see {@link drawn}. */
const GUARD_DRAWN = 24;

/**
 * The edge as drawn: a named guard whole, a spelt-out higher-order guard longer than
 * {@link GUARD_DRAWN} characters as its outer name (`and(…)`), so that a long expression neither
 * stretches the graph nor shrinks its text. The inspector's state panel spells it out.
 */
function drawn(edge: ChartEdge): ChartEdge {
  const guard = edge.guard ?? "";
  const open = guard.indexOf("(");
  return open > 0 && guard.length > GUARD_DRAWN ? { ...edge, guard: `${guard.slice(0, open)}(…)` } : edge;
}

function anchor(id: string): string {
  return `${id} (anchor)`;
}

/** Escapes text for a double-quoted DOT label: `\` and `"`, and `&` (read as an entity). */
function dotText(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/&/g, "&amp;").replace(/\r?\n/g, " ");
}

/** A double-quoted DOT string. */
function quote(text: string): string {
  return `"${dotText(text)}"`;
}

/**
 * Breaks a long name after its commas, so that a spelt-out guard does not stretch the graph;
 * continued lines are indented.
 */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const part of text.split(/(?<=, )/)) {
    if (line.trim() !== "" && line.length + part.length > width) {
      lines.push(line.trimEnd());
      line = "    ";
    }
    line += part;
  }
  return [...lines, line];
}

/** A label of left-justified lines. */
function leftLines(lines: string[]): string {
  return `"${lines.map((l) => `${dotText(l)}\\l`).join("")}"`;
}

function push(map: Map<string, string[]>, key: string, ...values: string[]): void {
  map.set(key, [...(map.get(key) ?? []), ...values]);
}
