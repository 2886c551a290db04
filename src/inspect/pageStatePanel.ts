/**
 * The inspector page's state panel: a click on a state of the chart (or Enter on it) shows the
 * state's full id, kind, tags, entry and exit actions, invoked actors, and each transition it
 * declares with its whole guard and its actions, then those of its enclosing states, folded.
 * The data is `toStateDetails` (`chartDetails.ts`, also served as `GET /api/states`), which the
 * server writes in the page as a JSON data block; it goes into the panel as text only. Uses the
 * page's `el`, `$` and `nodes` and `pan` from `pageChart.ts`; the chart's script calls
 * `showState(id)` and `chartStates()`. A state the panel would cover is panned to its left.
 */

/** @internal */
export const STATE_PANEL_SCRIPT = `
"use strict";
let stateDetails = null;

function list(items) {
  return items.length === 0 ? el("span", { class: "sub" }, "none") : items.join(", ");
}

function transitionItem(t) {
  const item = el("li", { "data-testid": "transition" }, el("strong", {}, t.event), " → ",
    t.target === undefined ? "stays (no state left)" : el("span", { class: "jid" }, t.target), t.reenter ? " (re-entered)" : "");
  if (t.guard !== undefined) item.append(el("div", { class: "sub", "data-testid": "transition-guard" }, "guard: " + t.guard));
  if (t.actions.length > 0) item.append(el("div", { class: "sub", "data-testid": "transition-actions" }, "actions: " + t.actions.join(", ")));
  return item;
}

function renderPanel(details, id) {
  const s = details[id];
  const panel = $("state-panel");
  if (!s) { panel.hidden = true; return; }
  for (const g of document.querySelectorAll("#chart g.picked")) g.classList.remove("picked");
  if (nodes.get(id)) nodes.get(id).classList.add("picked");
  const close = el("button", { type: "button", "aria-label": "Close the state panel", "data-testid": "state-panel-close" }, "×");
  close.addEventListener("click", () => { panel.hidden = true; $("chart").focus(); });
  const facts = [s.type + " state"];
  if (s.ancestors.length > 0) facts.push("in " + details[s.ancestors[0]].key);
  if (s.initial !== undefined) facts.push("starts in " + details[s.initial].key);
  if (s.tags.length > 0) facts.push("tags: " + s.tags.join(", "));
  const parts = [
    el("h3", {}, el("span", { "data-testid": "state-panel-key" }, s.key), close),
    el("p", { class: "sub jid", "data-testid": "state-panel-id" }, s.id),
    el("p", { class: "sub" }, facts.join(" · ")),
    el("div", { "data-testid": "state-entry" }, "entry: ", list(s.entry)),
    el("div", { "data-testid": "state-exit" }, "exit: ", list(s.exit)),
    el("div", { "data-testid": "state-invokes" }, "invokes: ", list(s.invokes)),
    el("h4", {}, "Transitions"),
    s.transitions.length === 0 ? el("p", { class: "sub" }, "none of its own") : el("ul", { "data-testid": "state-transitions" }, ...s.transitions.map(transitionItem)),
  ];
  for (const a of s.ancestors.map((ancestor) => details[ancestor]).filter((d) => d.transitions.length > 0)) {
    parts.push(el("details", {}, el("summary", {}, "Also handled here, by " + a.key + " (" + a.transitions.length + ")"),
      el("ul", {}, ...a.transitions.map(transitionItem))));
  }
  panel.replaceChildren(...parts);
  panel.hidden = false;
  uncover(nodes.get(id));
}

/** Pans a state the panel covers (or nearly) to the middle of the part of the chart left of the panel. */
function uncover(g) {
  if (!g) return;
  const r = g.getBoundingClientRect(), p = $("state-panel").getBoundingClientRect(), a = $("chart").getBoundingClientRect();
  if (r.right > p.left - 40 && r.top < p.bottom) pan((a.left + p.left) / 2 - (r.left + r.right) / 2, 0);
}

/** The chart's states by id, as the server wrote them in the page. */
function chartStates() {
  stateDetails = stateDetails || JSON.parse($("chart-states").textContent);
  return stateDetails;
}

function showState(id) {
  renderPanel(chartStates(), id);
}
`;
