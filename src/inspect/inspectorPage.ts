/**
 * The live inspector's page: one HTML document with its style and script inline, no library and
 * no network beyond its own server, so it works offline. It lists the rooms by user, and for
 * the selected room draws the chart (`/chart.svg`) with the active states highlighted and the
 * last events, kept live by the server-sent events of `/events`.
 *
 * Data from the server is only ever put in the page as text (`textContent`), never as markup;
 * the one markup inserted is the chart, which the server draws from the machine definition.
 * Elements carry `data-testid`s for the browser test. The timeline, the events in words and the
 * search box are in pageTimeline.ts, pageEvents.ts and pageSearch.ts.
 *
 * The page comes complete: the chart and the rooms as they were are in the HTML, so the page is
 * whole when `load` fires, and only then does it open the live stream (a headless browser's
 * `--screenshot` shows the rooms and the chart). The chart's pan, zoom and state panel are in
 * `pageChart.ts` and `pageStatePanel.ts`.
 */
import { CHART_SCRIPT, CHART_STYLE, chartBox } from "./pageChart.js";
import { STATE_PANEL_SCRIPT } from "./pageStatePanel.js";
import { EVENTS_FILTER_HTML, EVENTS_SCRIPT, EVENTS_STYLE } from "./pageEvents.js";
import { SEARCH_HTML, SEARCH_SCRIPT, SEARCH_STYLE } from "./pageSearch.js";
import { TIMELINE_HTML, TIMELINE_SCRIPT, TIMELINE_STYLE } from "./pageTimeline.js";

const STYLE = `
  :root { font: 14px/1.4 system-ui, sans-serif; color: #1d2430; background: #f6f7f9; }
  body { margin: 0; }
  header { display: flex; gap: 1em; align-items: baseline; padding: .6em 1em; background: #1d2430; color: #fff; }
  header h1 { font-size: 1.1em; margin: 0; }
  header .note { color: #b8c2d0; font-size: .9em; }
  main { display: grid; grid-template-columns: minmax(22em, 32%) 1fr; gap: 1em; padding: 1em; }
  h2 { font-size: 1em; margin: .8em 0 .3em; }
  .user h2 { font-family: ui-monospace, monospace; }
  button.room { display: grid; grid-template-columns: 1fr auto; gap: .1em .8em; width: 100%; text-align: left;
    font: inherit; padding: .4em .6em; margin: .2em 0; border: 1px solid #cfd5de; border-radius: 6px; background: #fff; cursor: pointer; }
  button.room[aria-pressed="true"] { border-color: #2a62c9; box-shadow: 0 0 0 2px #2a62c955; }
  button.room[data-status="passivated"], button.room[data-status="stopped"] { background: #eef0f3; color: #5b6472; }
  button.room[data-status="destroyed"], button.room[data-status="removed"], button.room[data-status="failed"] { background: #fbecec; color: #7a2d2d; }
  .jid { font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
  .status { font-size: .85em; text-transform: uppercase; letter-spacing: .04em; }
  .meta { grid-column: 1 / -1; font-size: .9em; color: #4a5260; }
  .state { font-weight: 600; }
  #chart { background: #fff; border: 1px solid #cfd5de; border-radius: 6px; }
  #chart g.node.active path, #chart g.node.active polygon, #chart g.node.active ellipse { fill: #ffd75e; stroke: #b36b00; stroke-width: 2.5; }
  #chart g.cluster.active > path, #chart g.cluster.active > polygon { stroke: #b36b00; stroke-width: 1.5; }
  #detail[data-status="passivated"] #chart, #detail[data-status="stopped"] #chart { opacity: .6; }
  ol.events { font-family: ui-monospace, monospace; font-size: .85em; padding-left: 0; list-style: none; max-height: 40vh; overflow: auto; }
  ol.events li { padding: .1em 0; border-bottom: 1px solid #e3e6eb; }
  ol.events pre { margin: .2em 0 .2em 1.5em; white-space: pre-wrap; color: #4a5260; }
  .empty { color: #5b6472; }
`;

const SCRIPT = `
"use strict";
const token = new URLSearchParams(location.search).get("token");
const withToken = (path) => token ? path + "?token=" + encodeURIComponent(token) : path;
const rooms = new Map();
let detail = false;
let selected = location.hash.slice(1) || null;
let nodes = new Map();
let scheduled = false;
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function seconds(ms) { return (ms / 1000).toFixed(1) + " s"; }
function time(at) { return new Date(at).toISOString().slice(11, 23); }

function upsert(list, receivedAt) {
  for (const room of list) {
    room.calls = room.calls.map((c) => ({ ...c, startedAt: receivedAt - c.elapsedMs }));
    rooms.set(room.id, room);
  }
  schedule();
}

function schedule() {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => { scheduled = false; render(); });
}

function callText(room) {
  return room.calls.map((c) => el("span", { "data-testid": "in-flight" },
    c.callback + (c.kind ? " " + c.kind : "") + " ",
    el("span", { "data-testid": "callback-elapsed", "data-started": c.startedAt }, seconds(Date.now() - c.startedAt))));
}

function renderList() {
  const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.roomId : undefined;
  const byUser = new Map();
  for (const room of rooms.values()) byUser.set(room.user, [...(byUser.get(room.user) || []), room]);
  const users = [...byUser.keys()].sort();
  const list = $("rooms");
  list.replaceChildren();
  if (users.length === 0) list.append(el("p", { class: "empty", "data-testid": "no-rooms" }, "No room actors yet."));
  for (const user of users) {
    const group = el("section", { class: "user", "data-testid": "user-group" }, el("h2", { "data-testid": "user-jid" }, user));
    for (const room of byUser.get(user).sort((a, b) => (a.room < b.room ? -1 : a.room > b.room ? 1 : 0))) {
      const calls = callText(room);
      const row = el("button", { type: "button", class: "room", "data-testid": "room-row", "data-room-id": room.id,
          "data-status": room.status, "aria-pressed": String(room.id === selected) },
        el("span", { class: "jid", "data-testid": "room-jid" }, room.room),
        el("span", { class: "status", "data-testid": "room-status" }, room.status),
        el("span", { class: "meta" },
          el("span", { class: "state", "data-testid": "room-state" }, room.state), " · mailbox ",
          el("span", { "data-testid": "mailbox-depth" }, room.mailbox), "/" + room.mailboxSize,
          " · " + room.resources + " joined", ...(calls.length ? [" · "] : []), ...calls));
      row.addEventListener("click", () => select(room.id));
      group.append(row);
    }
    list.append(group);
  }
  if (focused) { const again = list.querySelector('[data-room-id="' + CSS.escape(focused) + '"]'); if (again) again.focus(); }
}

function select(id) {
  selected = id;
  history.replaceState(null, "", withToken(location.pathname) + "#" + id);
  render();
}

function highlight(room) {
  for (const g of document.querySelectorAll("#chart g.active")) {
    g.classList.remove("active");
    g.removeAttribute("data-testid");
    g.removeAttribute("data-state-id");
  }
  for (const id of room ? room.activeStates : []) {
    const g = nodes.get(id);
    if (!g) continue;
    g.classList.add("active");
    g.setAttribute("data-testid", "active-state");
    g.setAttribute("data-state-id", id);
  }
}

function renderDetail() {
  const room = selected ? rooms.get(selected) : undefined;
  const pane = $("detail");
  pane.hidden = !room;
  highlight(room);
  followChart(room);
  if (!room) return;
  pane.dataset.status = room.status;
  $("selected-room").textContent = room.room + " (" + room.user + ")";
  const calls = callText(room);
  $("summary").replaceChildren(el("span", { "data-testid": "selected-status" }, room.status), " · lifecycle ",
    el("strong", { "data-testid": "selected-state" }, room.state), " · mailbox " + room.mailbox + "/" + room.mailboxSize,
    " · " + room.resources + " joined · since " + time(room.since), ...(calls.length ? [" · "] : []), ...calls);
  $("context").hidden = room.context === undefined;
  if (room.context !== undefined) $("context").textContent = JSON.stringify(room.context, null, 2);
  renderEvents(room, $("events"));
}

function render() {
  renderList();
  renderDetail();
  renderTimeline();
}

function tick() {
  for (const span of document.querySelectorAll('[data-testid="callback-elapsed"]')) {
    span.textContent = seconds(Date.now() - Number(span.dataset.started));
  }
}

function loadChart() {
  nodes = new Map();
  for (const g of $("chart").querySelectorAll("g.node, g.cluster")) {
    const title = g.querySelector(":scope > title");
    if (!title) continue;
    const name = title.textContent;
    nodes.set(g.classList.contains("cluster") ? name.replace(/^cluster_/, "") : name, g);
  }
  chartReady();
}

function showSnapshot(data) {
  detail = data.detail;
  $("privacy").textContent = detail ? "full detail: JIDs, resources and errors shown" : "private: JIDs hashed, no message data";
  rooms.clear();
  upsert(data.users.flatMap((g) => g.rooms), Date.now());
}

function connect() {
  const source = new EventSource(withToken("/events"));
  source.addEventListener("open", () => { $("connection").textContent = "live"; });
  source.addEventListener("error", () => { $("connection").textContent = "reconnecting…"; });
  source.addEventListener("snapshot", (message) => showSnapshot(JSON.parse(message.data)));
  source.addEventListener("rooms", (message) => upsert(JSON.parse(message.data).rooms, Date.now()));
}

setInterval(tick, 100);
document.addEventListener("DOMContentLoaded", () => {
  loadChart();
  showSnapshot(JSON.parse($("initial-state").textContent));
  render();
});
addEventListener("load", connect);
`;

/**
 * What the page starts with: the chart's SVG (absent when Graphviz failed), its states as
 * `toStateDetails` describes them, and the rooms' first snapshot.
 */
interface PageStart {
  chart: string | undefined;
  states: unknown;
  initial: unknown;
}

/**
 * The page's HTML. `nonce` is the scripts' CSP nonce (the server sends a fresh one with each
 * page, in a `script-src 'nonce-…'` policy). The states and the snapshot are JSON in data
 * blocks, with `<` escaped so that no text in them can close the block.
 *
 * @internal
 */
export function inspectorPage(nonce: string, start: PageStart): string {
  const data = (id: string, value: unknown) =>
    `<script type="application/json" id="${id}">${JSON.stringify(value).replace(/</g, "\\u003c")}</script>`;
  // Inline in HTML, the <svg> takes its namespace from the parser: its xmlns attributes go, so the
  // page names no other site.
  const chart = start.chart?.replace(/^<svg[^>]*>/, (tag) => tag.replace(/\s+xmlns(:\w+)?="[^"]*"/g, "")) ?? "Graphviz failed to draw the chart.";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mucstate inspector</title>
<link rel="icon" href="data:,">
<style>${STYLE}${CHART_STYLE}${TIMELINE_STYLE}${EVENTS_STYLE}${SEARCH_STYLE}</style>
</head>
<body>
<header>
  <h1>mucstate inspector</h1>
  <span class="note" data-testid="connection" id="connection">connecting…</span>
  <span class="note" data-testid="privacy" id="privacy"></span>${SEARCH_HTML}
</header>
<main>${TIMELINE_HTML}
  <nav id="rooms" data-testid="room-list" aria-label="Rooms by user"></nav>
  <section id="detail" data-testid="room-detail" hidden>
    <h2 class="jid" id="selected-room" data-testid="selected-room"></h2>
    <p id="summary" data-testid="room-summary"></p>
    ${chartBox(`<div id="chart" data-testid="chart" tabindex="0" role="group" aria-label="The room machine, active states highlighted">${chart}</div>`)}
    <pre id="context" data-testid="room-context" hidden></pre>
    <h2>Last events (newest first)</h2>
    ${EVENTS_FILTER_HTML}
    <ol id="events" class="events" data-testid="event-list"></ol>
  </section>
</main>
${data("chart-states", start.states)}
${data("initial-state", start.initial)}
<script nonce="${nonce}">${TIMELINE_SCRIPT}${EVENTS_SCRIPT}${SEARCH_SCRIPT}</script>
<script nonce="${nonce}">${SCRIPT}</script>
<script nonce="${nonce}">${CHART_SCRIPT}</script>
<script nonce="${nonce}">${STATE_PANEL_SCRIPT}</script>
</body>
</html>
`;
}
