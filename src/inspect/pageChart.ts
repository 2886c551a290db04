/**
 * The inspector page's chart view: pan (drag, arrow keys), zoom (wheel around the pointer, `+`
 * and `−`), fit all, fit to the selected room's active states, and the state panel a click on
 * a state opens, with its full id, transitions, guards, actions and invoked actors from
 * the server (its script is `pageStatePanel.ts`). The page (`inspectorPage.ts`) includes
 * {@link CHART_STYLE} and {@link CHART_SCRIPT} and calls `chartReady()` once the chart is in
 * `#chart` and `followChart(room)` after each render of the selected room.
 *
 * A state that gets the keyboard focus outside the view is centred.
 *
 * The view is the SVG's `viewBox`: `x`, `y` in Graphviz points and `s`, screen pixels per point.
 * At 100 % (`s` = 4/3, the size Graphviz draws), state names are 14.7 px and edge labels 12 px;
 * fitting to the active states never goes below it, so the chart opens readable.
 */

/** @internal */
export const CHART_STYLE = `
  .chart-tools { display: flex; flex-wrap: wrap; gap: .3em; align-items: center; margin: .3em 0; }
  .chart-tools button { font: inherit; min-width: 2.2em; padding: .15em .6em; border: 1px solid #cfd5de; border-radius: 4px; background: #fff; cursor: pointer; }
  .chart-tools .hint { color: #4a5260; font-size: .9em; margin-left: .5em; }
  .chart-tools button:focus-visible, #chart:focus-visible, #chart g:focus-visible { outline: 2px solid #2a62c9; outline-offset: 1px; }
  .chart-area { position: relative; }
  #chart { height: 70vh; overflow: hidden; cursor: grab; touch-action: none; user-select: none; }
  #chart.dragging { cursor: grabbing; }
  #chart svg { display: block; width: 100%; height: 100%; }
  #chart g[data-state] { cursor: pointer; }
  #chart g.picked > path, #chart g.picked > polygon, #chart g.picked > ellipse { stroke: #2a62c9; stroke-width: 3; }
  #state-panel { position: absolute; top: .5em; right: .5em; width: 25em; max-height: calc(70vh - 1em); overflow: auto; box-sizing: border-box;
    background: #fff; border: 1px solid #cfd5de; border-radius: 6px; padding: .5em .8em; box-shadow: 0 2px 8px #1d243033; }
  #state-panel h3 { margin: 0; font-size: 1.05em; display: flex; justify-content: space-between; gap: 1em; }
  #state-panel h4 { margin: .6em 0 .2em; font-size: .95em; }
  #state-panel ul { margin: 0; padding-left: 1.1em; }
  #state-panel li { margin: .15em 0; }
  #state-panel .sub { color: #4a5260; font-size: .9em; overflow-wrap: anywhere; }
  #state-panel button { font: inherit; border: 0; background: none; cursor: pointer; padding: 0 .3em; }
`;

/** @internal */
export const CHART_SCRIPT = `
"use strict";
const NATURAL = 4 / 3;
const MIN_SCALE = 0.1;
const MAX_SCALE = 8;
const view = { x: 0, y: 0, s: NATURAL };
let chartSvg = null;
let chartBase = null;
let fittedFor = null;
let drag = null;
let dragged = false;

function applyView() {
  const area = $("chart");
  if (!chartSvg || area.clientWidth === 0 || area.clientHeight === 0) return;
  chartSvg.setAttribute("viewBox", [view.x, view.y, area.clientWidth / view.s, area.clientHeight / view.s].join(" "));
  area.dataset.scale = String(view.s);
  $("zoom-level").textContent = Math.round((view.s / NATURAL) * 100) + " %";
}

function zoomAt(factor, px, py) {
  const s = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.s * factor));
  view.x += px / view.s - px / s;
  view.y += py / view.s - py / s;
  view.s = s;
  applyView();
}

function zoomCentre(factor) {
  zoomAt(factor, $("chart").clientWidth / 2, $("chart").clientHeight / 2);
}

function pan(dx, dy) {
  view.x -= dx / view.s;
  view.y -= dy / view.s;
  applyView();
}

/** An element's box in chart points. */
function boxOf(element) {
  const r = element.getBoundingClientRect();
  const o = chartSvg.getBoundingClientRect();
  return { x: view.x + (r.left - o.left) / view.s, y: view.y + (r.top - o.top) / view.s, w: r.width / view.s, h: r.height / view.s };
}

function union(a, b) {
  const x = Math.min(a.x, b.x), y = Math.min(a.y, b.y);
  return { x, y, w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y };
}

/**
 * Centres a box, at the largest scale from least to most that shows it whole, but keeps the
 * view on the chart (a chart smaller than the view is centred).
 */
function fitBox(box, least, most) {
  const area = $("chart");
  const w = area.clientWidth, h = area.clientHeight, pad = 24;
  const s = Math.max(least, Math.min(most, (w - 2 * pad) / box.w, (h - 2 * pad) / box.h));
  const within = (centre, start, length, size) => {
    const at = centre - size / (2 * s);
    return length * s <= size ? start + length / 2 - size / (2 * s) : Math.min(Math.max(at, start), start + length - size / s);
  };
  view.s = s;
  view.x = within(box.x + box.w / 2, chartBase.x, chartBase.w, w);
  view.y = within(box.y + box.h / 2, chartBase.y, chartBase.h, h);
  applyView();
}

function fitAll() {
  if (chartBase) fitBox(chartBase, MIN_SCALE, NATURAL);
}

/** True when the state, or a state around it, invokes a callback the room is running. */
function running(room, id) {
  const states = chartStates();
  const callbacks = room.calls.map((c) => c.callback);
  return [id, ...(states[id] ? states[id].ancestors : [])].some((s) => states[s] && states[s].invokes.some((src) => callbacks.includes(src)));
}

/**
 * Centres the room's active atomic states at 100 %: first the one whose callback is running (a
 * request in the mailbox, updateInfo…), else the lifecycle's, then each other one that still
 * fits in the view with it.
 */
function fitActive(room) {
  if (!chartSvg || !room) return;
  applyView();
  const area = $("chart");
  const ids = room.activeStates.filter((id) => nodes.get(id) && nodes.get(id).classList.contains("node"));
  const leaves = [...ids.filter((id) => running(room, id)), ...ids.filter((id) => !running(room, id))].map((id) => nodes.get(id));
  if (leaves.length === 0) return fitAll();
  const fits = (b) => b.w * NATURAL <= area.clientWidth - 48 && b.h * NATURAL <= area.clientHeight - 48;
  let box = boxOf(leaves[0]);
  // A running leaf comes with the state around it (busy.running around its timed leaf), when that fits.
  const first = ids.find((id) => nodes.get(id) === leaves[0]);
  const parent = running(room, first) && chartStates()[first] ? nodes.get(chartStates()[first].ancestors[0]) : undefined;
  if (parent && parent.classList.contains("cluster") && fits(union(box, boxOf(parent)))) box = union(box, boxOf(parent));
  for (const g of leaves.slice(1)) {
    const both = union(box, boxOf(g));
    if (fits(both)) box = both;
  }
  fitBox(box, NATURAL, NATURAL);
}

/** Called by render: centres a newly selected room's active states once. */
function followChart(room) {
  if (!room) { fittedFor = null; return; }
  if (room.id === fittedFor || !chartSvg) return;
  fittedFor = room.id;
  fitActive(room);
}

/** The state a chart element stands for: a state's box or cluster, its note, or an arrow's source. */
function stateAt(target) {
  const g = target && target.closest ? target.closest("g.node, g.cluster, g.edge") : null;
  const title = g && g.querySelector(":scope > title");
  if (!title) return null;
  let name = title.textContent;
  if (g.classList.contains("edge")) name = name.split("->")[0];
  return name.replace(/^cluster_/, "").replace(/ \\((note|anchor|start)\\)$/, "");
}

/** Makes the chart in #chart pannable and zoomable and its states clickable; called once it is there. */
function chartReady() {
  const area = $("chart");
  chartSvg = area.querySelector("svg");
  if (!chartSvg) return;
  const [x, y, w, h] = (chartSvg.getAttribute("viewBox") || "0 0 100 100").split(/[ ,]+/).map(Number);
  chartBase = { x, y, w, h };
  chartSvg.removeAttribute("width");
  chartSvg.removeAttribute("height");
  for (const [id, g] of nodes) {
    if (/ \\((anchor|start)\\)$/.test(id)) continue;
    g.setAttribute("data-state", id);
    g.setAttribute("tabindex", "0");
    g.setAttribute("role", "button");
    g.setAttribute("aria-label", "state " + id);
  }
  area.addEventListener("wheel", (e) => {
    e.preventDefault();
    const r = area.getBoundingClientRect();
    zoomAt(Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.002)), e.clientX - r.left - area.clientLeft, e.clientY - r.top - area.clientTop);
  }, { passive: false });
  area.addEventListener("pointerdown", (e) => {
    dragged = false;
    if (e.button === 0) drag = { id: e.pointerId, x: e.clientX, y: e.clientY, moved: false };
  });
  area.addEventListener("pointermove", (e) => {
    if (!drag || e.pointerId !== drag.id) return;
    if (!drag.moved && Math.hypot(e.clientX - drag.x, e.clientY - drag.y) < 4) return;
    if (!drag.moved) { drag.moved = true; area.setPointerCapture(e.pointerId); area.classList.add("dragging"); }
    pan(e.clientX - drag.x, e.clientY - drag.y);
    drag.x = e.clientX;
    drag.y = e.clientY;
  });
  const endDrag = (e) => {
    if (!drag || e.pointerId !== drag.id) return;
    dragged = drag.moved;
    drag = null;
    area.classList.remove("dragging");
  };
  area.addEventListener("pointerup", endDrag);
  area.addEventListener("pointercancel", endDrag);
  area.addEventListener("click", (e) => {
    if (dragged) { dragged = false; return; }
    const id = stateAt(e.target);
    if (id) showState(id);
  });
  area.addEventListener("focusin", (e) => {
    const g = e.target.closest && e.target.closest("g[data-state]");
    if (!g) return;
    const b = boxOf(g), w = area.clientWidth / view.s, h = area.clientHeight / view.s;
    if (b.x >= view.x && b.y >= view.y && b.x + b.w <= view.x + w && b.y + b.h <= view.y + h) return;
    view.x = b.x + b.w / 2 - w / 2;
    view.y = b.y + b.h / 2 - h / 2;
    applyView();
  });
  area.addEventListener("keydown", (e) => {
    const step = 60;
    const keys = { ArrowLeft: () => pan(step, 0), ArrowRight: () => pan(-step, 0), ArrowUp: () => pan(0, step), ArrowDown: () => pan(0, -step),
      "+": () => zoomCentre(1.25), "=": () => zoomCentre(1.25), "-": () => zoomCentre(0.8), "0": fitAll,
      Escape: () => { $("state-panel").hidden = true; } };
    const id = e.key === "Enter" || e.key === " " ? stateAt(e.target) : null;
    if (id) showState(id);
    else if (keys[e.key]) keys[e.key]();
    else return;
    e.preventDefault();
  });
  $("zoom-in").addEventListener("click", () => zoomCentre(1.25));
  $("zoom-out").addEventListener("click", () => zoomCentre(0.8));
  $("fit-all").addEventListener("click", fitAll);
  $("fit-active").addEventListener("click", () => fitActive(selected ? rooms.get(selected) : undefined));
  new ResizeObserver(applyView).observe(area);
  applyView();
}
`;

/**
 * The chart's toolbar and state panel; `chart` is the `#chart` element that holds the drawing.
 *
 * @internal
 */
export function chartBox(chart: string): string {
  return `<div class="chart-tools" role="toolbar" aria-label="Chart view">
      <button type="button" id="zoom-in" data-testid="zoom-in" aria-label="Zoom in" title="Zoom in (+)">+</button>
      <button type="button" id="zoom-out" data-testid="zoom-out" aria-label="Zoom out" title="Zoom out (−)">−</button>
      <button type="button" id="fit-all" data-testid="fit-all" title="The whole chart (0)">Fit all</button>
      <button type="button" id="fit-active" data-testid="fit-active" title="Centre the room's active states at 100 %">Fit to active states</button>
      <span id="zoom-level" data-testid="zoom-level" aria-live="polite"></span>
      <span class="hint">wheel: zoom · drag or arrow keys: pan · click a state: its transitions</span>
    </div>
    <div class="chart-area">
      ${chart}
      <aside id="state-panel" data-testid="state-panel" aria-label="The state's definition" hidden></aside>
    </div>`;
}
