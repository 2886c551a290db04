/**
 * The inspector page's event list in words: each event's sentence (made by the server, see
 * eventSentences.ts), newest first, with a checkbox per category to filter them. The script
 * uses the page script's `el` and `time` and runs before it: it only defines functions and
 * listens to its own checkboxes.
 */
import { EVENT_CATEGORIES } from "./eventSentences.js";
import type { EventCategory } from "./inspectorViews.js";

/** Categories left out until a person ticks them: the machine's plumbing. */
const HIDDEN: readonly EventCategory[] = ["internal"];

/** The filters' markup, put above the list. */
export const EVENTS_FILTER_HTML = `
    <fieldset class="ev-filters" data-testid="event-filters"><legend>Show</legend>${EVENT_CATEGORIES.map(
      (c) => `<label><input type="checkbox" data-testid="event-filter" value="${c}"${HIDDEN.includes(c) ? "" : " checked"}> ${c}</label>`,
    ).join(" ")}</fieldset>`;

/** The event list's style. */
export const EVENTS_STYLE = `
  .ev-filters { border: 0; padding: 0; margin: 0 0 .3em; font-size: .9em; display: flex; flex-wrap: wrap; gap: .2em .9em; }
  .ev-filters legend { float: left; font-weight: 600; margin-right: .5em; padding: 0; }
  ol.events li { display: grid; grid-template-columns: 7.5em 6.5em 1fr; gap: .6em; font-family: system-ui, sans-serif; font-size: 13px; }
  ol.events li time, ol.events li .ev-tag { font-family: ui-monospace, monospace; font-size: 12px; color: #4a5260; }
  ol.events li pre { grid-column: 1 / -1; }
  ol.events li[data-category="callbacks"] .ev-text { font-weight: 600; }
  ol.events li[data-category="lifecycle"] .ev-text { color: #7a2d2d; }
`;

/** The event list's script: `renderEvents(room, list)` fills the list. */
export const EVENTS_SCRIPT = `
"use strict";
const hiddenCategories = new Set(${JSON.stringify(HIDDEN)});

function renderEvents(room, list) {
  list.replaceChildren();
  for (const e of [...room.events].reverse()) {
    if (hiddenCategories.has(e.category)) continue;
    const item = el("li", { "data-testid": "event", "data-type": e.type, "data-category": e.category },
      el("time", {}, time(e.at)), el("span", { class: "ev-tag" }, e.category),
      el("span", { class: "ev-text", "data-testid": "event-text" }, e.text));
    if (e.detail !== undefined) item.append(el("pre", {}, JSON.stringify(e.detail)));
    list.append(item);
  }
  if (list.childElementCount === 0) list.append(el("li", { class: "empty" }, "No event of the kinds shown."));
}

for (const box of document.querySelectorAll('[data-testid="event-filter"]')) {
  box.addEventListener("change", () => {
    if (box.checked) hiddenCategories.delete(box.value);
    else hiddenCategories.add(box.value);
    render();
  });
}
`;
