/**
 * Mermaid `stateDiagram-v2` text for a machine, drawn from {@link toChartJson}.
 * Syntax: https://mermaid.js.org/syntax/stateDiagram.html
 */
import type { AnyStateMachine } from "xstate";
import { type ChartEdge, type ChartState, edgeText, handlerText, indexStates, toChartJson } from "./chart.js";

const INDENT = "    ";
/** Words the stateDiagram lexer reads as keywords wherever an id may stand, and its root's id. */
const RESERVED = new Set(
  ["accDescr", "accTitle", "as", "class", "classDef", "click", "default", "direction", "end", "hide", "href"]
    .concat(["left", "note", "of", "right", "root", "scale", "state", "stateDiagram", "style"])
    .map((w) => w.toLowerCase()),
);

/**
 * Renders a machine as a Mermaid `stateDiagram-v2`.
 *
 * @remarks
 * - Compound and parallel states are composite states; the regions of a parallel state are
 *   separated by `--`. Each compound state starts with `[*] --> <initial>`; a final state
 *   ends in `--> [*]`. States are named by their key (their XState id when keys repeat).
 * - An edge label is the event ({@link ChartEdge.label}: `always`, `after <delay>`,
 *   `done: <src>`, `error: <src>`, else the event type) with `[guard]` appended. Transitions
 *   between the same two states share one arrow, their labels on separate lines.
 * - Targetless transitions of an atomic state are self-loops. Those of a compound or parallel
 *   state (such as the room's `join`, `leave`, `read`, `request` and `resource.gone`, which
 *   `active` handles in every substate) are listed in a note beside that state as
 *   `event [guard] / actions`, with the actors the state invokes: Mermaid draws self-loops on
 *   nested composite states badly, and several loops on one state on top of each other.
 *   The machine's root is drawn as a composite state only when it has transitions of its own.
 * - An arrow between two states of the same composite state is declared in that composite
 *   state's block; any other arrow at the top of the diagram, since Mermaid moves a state into
 *   the last composite state whose block mentions it.
 * - Label text is escaped for Mermaid's lexer and its Markdown labels (`;`, `::`, `<`, `&`,
 *   `*`, `_`, … become character references or backslash escapes).
 *
 * The output follows the machine's definition order and is the same for the same machine.
 *
 * @example
 * ```ts
 * import { roomMachine, toMermaid } from "mucstate";
 * const markdown = "```mermaid\n" + toMermaid(roomMachine) + "```\n";
 * ```
 */
export function toMermaid(machine: AnyStateMachine): string {
  const chart = toChartJson(machine);
  const index = indexStates(chart.root);
  const drawRoot = chart.edges.some((e) => e.source === chart.root.id);
  // The diagram itself: a nameless state around the root when the root is drawn, else the root.
  const top: ChartState = drawRoot ? { ...chart.root, id: "", initial: chart.root.id, states: [chart.root] } : chart.root;
  const ids = mermaidIds(top);
  const id = (stateId: string) => ids.get(stateId) as string;
  const isComposite = (stateId: string) => (index.get(stateId)?.state.states.length ?? 0) > 0;
  const notes = new Map<string, string[]>();
  const arrows = new Map<string, Map<string, string[]>>();
  // Mermaid moves a state into the last composite whose block mentions it: an arrow goes in
  // the block that declares both of its ends, else at the top of the diagram.
  const container = (edge: ChartEdge): string => {
    const parent = index.get(edge.source)?.parent;
    const same = parent !== undefined && parent.id === index.get(edge.target)?.parent?.id;
    return same && parent.type !== "parallel" && (drawRoot || parent.id !== chart.root.id) ? parent.id : top.id;
  };

  for (const edge of chart.edges) {
    if (edge.targetless && isComposite(edge.source)) {
      push(notes, edge.source, handlerText(edge, noteText));
    } else {
      const inside = arrows.get(container(edge)) ?? new Map<string, string[]>();
      arrows.set(container(edge), inside);
      push(inside, `${id(edge.source)} --> ${id(edge.target)}`, lineStart(edgeText(edge, labelText)));
    }
  }

  const lines = ["stateDiagram-v2"];
  const body = (state: ChartState, depth: number): void => {
    const pad = INDENT.repeat(depth);
    if (state.initial !== undefined) lines.push(`${pad}[*] --> ${id(state.initial)}`);
    state.states.forEach((child, i) => {
      if (i > 0 && state.type === "parallel") lines.push(`${pad}--`);
      const name = id(child.id);
      const alias = name === child.key ? "" : `"${noteText(child.key).replaceAll('"', "&#34")}" as `;
      if (child.states.length > 0) {
        lines.push(`${pad}state ${alias}${name} {`);
        body(child, depth + 1);
        lines.push(`${pad}}`);
      } else {
        // A description replaces the name in the box unless the name comes first.
        if (alias !== "") lines.push(`${pad}state ${alias}${name}`);
        else lines.push(child.invokes.length > 0 ? `${pad}${name} : ${name}` : `${pad}${name}`);
        if (child.invokes.length > 0) lines.push(`${pad}${name} : invoke ${labelText(child.invokes.join(", "))}`);
      }
      if (child.type === "final") lines.push(`${pad}${name} --> [*]`);
      const note = child.states.length > 0 ? child.invokes.map((src) => `invoke ${noteText(src)}`) : [];
      const handlers = notes.get(child.id) ?? [];
      if (handlers.length > 0) note.push(`in ${noteText(child.key)}, without leaving it:`, ...handlers);
      if (note.length > 0) {
        lines.push(`${pad}note right of ${name}`, ...note.map((l) => `${pad}${INDENT}${noteLine(l)}`), `${pad}end note`);
      }
    });
    for (const [arrow, labels] of arrows.get(state.id) ?? []) lines.push(`${pad}${arrow} : ${labels.join("<br>")}`);
  };
  body(top, 1);
  return `${lines.join("\n")}\n`;
}

/**
 * Mermaid ids for every state below `top`: the key where it is unique, valid and not a
 * keyword, else the XState id with other characters replaced by `_`.
 */
function mermaidIds(top: ChartState): Map<string, string> {
  const all: ChartState[] = [];
  const collect = (s: ChartState): void => {
    all.push(...s.states);
    s.states.forEach(collect);
  };
  collect(top);
  const clean = (text: string) => text.replace(/\W/g, "_").replace(/^(?=\d|$)/, "s_");
  const keyCount = new Map<string, number>();
  for (const s of all) keyCount.set(clean(s.key), (keyCount.get(clean(s.key)) ?? 0) + 1);
  const used = new Set<string>();
  const ids = new Map<string, string>();
  for (const s of all) {
    let id = clean(s.key);
    if (keyCount.get(id) !== 1 || RESERVED.has(id.toLowerCase())) id = clean(s.id);
    // Mermaid names the start and end of composite state X `X_start` and `X_end`.
    while (used.has(id) || RESERVED.has(id.toLowerCase()) || /_(start|end)$/.test(id)) id = `${id}_`;
    used.add(id);
    ids.set(s.id, id);
  }
  return ids;
}

/**
 * Escapes a name for a Mermaid state diagram label. Labels end at `;`, `::` or a line break
 * and are read as Markdown and HTML: such characters become numeric character references
 * (without the `;` that Mermaid cannot carry) or Markdown backslash escapes.
 */
function labelText(text: string): string {
  return escapeText(text, true);
}

/** Escapes a name for a note, where `;` and `::` may stand but Markdown and HTML still apply. */
function noteText(text: string): string {
  return escapeText(text, false);
}

function escapeText(text: string, label: boolean): string {
  const chars = [...text.replace(/\s+/g, " ")];
  let out = "";
  let afterReference = false;
  chars.forEach((ch, i) => {
    const reference =
      /[<>&;]/.test(ch) || (label && ch === ":" && chars[i + 1] !== " ") || (afterReference && /\d/.test(ch));
    if (reference) out += `&#${ch.codePointAt(0)}`;
    else out += /[\\`*_~[\]]/.test(ch) ? `\\${ch}` : ch;
    afterReference = reference;
  });
  return out;
}

/** Escaped text that starts a Markdown line: its first character must not open a list or heading. */
function lineStart(escaped: string): string {
  const first = escaped.codePointAt(0);
  if (first === undefined || /[A-Za-z\\&]/.test(String.fromCodePoint(first))) return escaped;
  const rest = escaped.slice(String.fromCodePoint(first).length);
  return `&#${first}${/^\d/.test(rest) ? `&#${rest.charCodeAt(0)}${rest.slice(1)}` : rest}`;
}

/** A note line: its start escaped, and never read as the note's `end note`. */
function noteLine(escaped: string): string {
  const line = lineStart(escaped);
  return /^end\s*note/i.test(line) ? `&#101${line.slice(1)}` : line;
}

function push<K>(map: Map<K, string[]>, key: K, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
