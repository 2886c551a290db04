/**
 * The inspector page's timeline of legacy callbacks: one row per room on one time axis, one bar
 * per call from its start to its end, a hatched line for the time a request waited in the
 * mailbox, and each bar's words above it ("onSetSubject 1.5 s · slow"). A person sees that a
 * room's calls never overlap, which call held the queue and which timed out, and that rooms run
 * side by side. Positioned elements, no library; times are the server's, drawn against the page's
 * clock (the same machine's, as the inspector listens on loopback by default).
 *
 * The script uses the page script's `rooms`, `selected`, `select`, `el` and `seconds`, and runs
 * before it: it only defines functions and listens to its own controls.
 */
import { SLOW_MS } from "./callTimeline.js";

/** Time windows offered, in ms, and the tick spacing of each. */
const WINDOWS: ReadonlyArray<[number, number, string]> = [
  [10_000, 2_000, "10 s"],
  [30_000, 5_000, "30 s"],
  [120_000, 20_000, "2 min"],
  [600_000, 120_000, "10 min"],
];

/** Rows drawn at most (the selected room and the rooms with calls in the window). */
const MAX_ROWS = 12;

/** The timeline's markup (its container and controls). */
export const TIMELINE_HTML = `
  <section id="timeline-pane" data-testid="timeline" aria-label="Legacy callbacks over time">
    <div class="tl-controls">
      <h2>Legacy callbacks over time</h2>
      <span role="group" aria-label="Time window">${WINDOWS.map(
        ([ms, , label]) => `<button type="button" class="tl-window" data-testid="timeline-window" data-ms="${ms}" aria-pressed="${ms === 30_000}">${label}</button>`,
      ).join("")}</span>
      <label><input type="checkbox" id="tl-pause" data-testid="timeline-pause"> pause</label>
      <span class="tl-legend"><span class="tl-key tl-key-bar"></span> a call, start to end
        <span class="tl-key tl-key-wait"></span> waiting in the mailbox · <strong>slow</strong>: over ${(SLOW_MS / 1000).toFixed(1)} s</span>
    </div>
    <div id="timeline-rows"></div>
  </section>`;

/** The timeline's style. */
export const TIMELINE_STYLE = `
  #timeline-pane { grid-column: 1 / -1; background: #fff; border: 1px solid #cfd5de; border-radius: 6px; padding: .3em .8em .5em; }
  .tl-controls { display: flex; flex-wrap: wrap; gap: .3em 1em; align-items: center; font-size: .9em; }
  .tl-controls h2 { margin: 0; }
  .tl-window { font: inherit; padding: .1em .5em; border: 1px solid #cfd5de; background: #fff; border-radius: 4px; cursor: pointer; }
  .tl-window[aria-pressed="true"] { background: #1d2430; color: #fff; }
  .tl-legend { color: #4a5260; }
  .tl-key { display: inline-block; width: 2em; vertical-align: middle; }
  .tl-key-bar { height: .8em; background: #3d7bd9; }
  .tl-key-wait { height: 4px; background: repeating-linear-gradient(90deg, #6b7585 0 4px, transparent 4px 7px); }
  .tl-row, .tl-axis { display: grid; grid-template-columns: 13em 1fr; border-top: 1px solid #e3e6eb; }
  .tl-room { font: 12px ui-monospace, monospace; text-align: left; border: 0; background: none; cursor: pointer; padding: 0 .4em 0 0;
    overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: inherit; }
  .tl-row[aria-current="true"] { background: #eef4ff; }
  .tl-row[aria-current="true"] .tl-room { font-weight: 700; color: #2a62c9; }
  .tl-track { position: relative; height: 80px; overflow: hidden; }
  .tl-axis .tl-track { height: 18px; }
  .tl-grid { position: absolute; top: 0; bottom: 0; width: 1px; background: #eef0f3; }
  .tl-tick { position: absolute; top: 1px; font-size: 12px; color: #4a5260; white-space: nowrap; transform: translateX(-50%); }
  .tl-label { position: absolute; font-size: 12px; line-height: 16px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .tl-lane0 { top: 2px; } .tl-lane1 { top: 18px; } .tl-lane2 { top: 34px; }
  .tl-label.tl-marked { font-weight: 700; color: #8a3b00; }
  .tl-bar { position: absolute; top: 52px; height: 14px; min-width: 2px; box-sizing: border-box; border-radius: 2px; background: #3d7bd9; }
  .tl-bar[data-outcome="running"] { background: #2a9d6b; }
  .tl-bar[data-outcome="failed"], .tl-bar[data-outcome="refused"] { background: #c94a4a; }
  .tl-bar[data-outcome="timeout"] { background: #7a1c1c; }
  .tl-bar[data-outcome="stopped"] { background: #8892a0; }
  .tl-bar[data-slow="true"] { border: 3px solid #e0a020; }
  .tl-wait { position: absolute; height: 3px; min-width: 2px; background: repeating-linear-gradient(90deg, #6b7585 0 4px, transparent 4px 7px); }
`;

/** The timeline's script. */
export const TIMELINE_SCRIPT = `
"use strict";
const WINDOWS = ${JSON.stringify(WINDOWS)};
const TL_SLOW_MS = ${SLOW_MS};
const tl = { windowMs: 30000, frozenAt: null };
/** Room right of "now", as a share of the window, so that the newest calls' words fit. */
const TL_MARGIN = 0.12;

/** A call's words: its callback, how long it ran (so far), and how it ended when that is news. */
function barWords(bar, now) {
  if (bar.startedAt === undefined) return bar.callback + " refused" + (bar.condition ? ": " + bar.condition : "");
  const ms = (bar.endedAt ?? now) - bar.startedAt;
  const words = [bar.callback + " " + seconds(ms)];
  if (bar.outcome === "timeout") words.push("timed out");
  else if (bar.outcome === "failed") words.push("failed" + (bar.condition ? ": " + bar.condition : ""));
  else if (bar.outcome === "stopped") words.push("stopped");
  if (ms > TL_SLOW_MS && bar.outcome !== "timeout") words.push("slow");
  return words.join(" · ");
}

const tlCanvas = document.createElement("canvas").getContext("2d");

/** Width of a label in px, in the font the style gives it. */
function labelWidth(text, marked) {
  tlCanvas.font = (marked ? "bold " : "") + "12px system-ui, sans-serif";
  return Math.ceil(tlCanvas.measureText(text).width) + 6;
}

/**
 * Places each bar's words on one of three lanes above the bars, at the bar's start (or ending at
 * the track's right edge), on the first lane where they do not run into the words before.
 */
function placeLabels(labels, width) {
  const ends = [-Infinity, -Infinity, -Infinity];
  for (const l of labels) {
    let x = Math.min(l.x, width - l.w);
    let lane = ends.findIndex((end) => end <= x);
    if (lane === -1) {
      lane = ends.indexOf(Math.min(...ends));
      x = Math.max(x, ends[lane]);
    }
    l.node.classList.add("tl-lane" + lane);
    l.node.style.left = Math.max(0, x) + "px";
    l.node.style.maxWidth = Math.max(0, width - x) + "px";
    ends[lane] = x + l.w + 8;
  }
}

function tlRow(room, now, from, width) {
  const span = tl.windowMs * (1 + TL_MARGIN);
  const x = (t) => (Math.min(Math.max(t, from), now) - from) / span * 100;
  const track = el("div", { class: "tl-track" });
  const [, step] = WINDOWS.find(([ms]) => ms === span) || WINDOWS[0];
  for (let t = now; t > from; t -= step) {
    const line = el("div", { class: "tl-grid" });
    line.style.left = x(t) + "%";
    track.append(line);
  }
  const bars = room.timeline.filter((b) => (b.endedAt ?? now) >= from && (b.queuedAt ?? b.startedAt ?? now) <= now);
  const runs = bars.filter((b) => b.startedAt !== undefined).sort((a, b) => a.startedAt - b.startedAt);
  bars.filter((b) => b.queuedAt !== undefined).forEach((b, i) => {
    const end = b.startedAt ?? b.endedAt ?? now;
    if (end <= b.queuedAt) return;
    const wait = el("div", { class: "tl-wait", "data-testid": "timeline-wait", "data-id": b.id, title: b.kind + " waited " + seconds(end - b.queuedAt) });
    wait.style.left = x(b.queuedAt) + "%";
    wait.style.width = (x(end) - x(b.queuedAt)) + "%";
    wait.style.top = (68 + (i % 3) * 3) + "px";
    track.append(wait);
  });
  const labels = [];
  runs.forEach((b) => {
    const ms = (b.endedAt ?? now) - b.startedAt;
    const slow = ms > TL_SLOW_MS;
    const words = barWords(b, now);
    const bar = el("div", { class: "tl-bar", "data-testid": "timeline-bar", "data-callback": b.callback, "data-kind": b.kind,
      "data-id": b.id, "data-outcome": b.outcome, "data-slow": String(slow), title: words });
    const left = x(b.startedAt), right = x(b.endedAt ?? now);
    bar.style.left = left + "%";
    bar.style.width = (right - left) + "%";
    const marked = slow || b.outcome !== "ok";
    const label = el("span", { class: "tl-label" + (marked ? " tl-marked" : ""), "data-testid": "timeline-label", "data-id": b.id }, words);
    labels.push({ node: label, x: left / 100 * width, w: labelWidth(words, marked) });
    track.append(bar, label);
  });
  placeLabels(labels, width);
  const name = el("button", { type: "button", class: "tl-room", "data-testid": "timeline-room", title: room.room + " (" + room.user + ")" }, room.room);
  name.addEventListener("click", () => select(room.id));
  return el("div", { class: "tl-row", "data-testid": "timeline-row", "data-room-id": room.id, "aria-current": String(room.id === selected) }, name, track);
}

function tlAxis(now, from) {
  const [, step] = WINDOWS.find(([ms]) => ms === tl.windowMs) || WINDOWS[0];
  const track = el("div", { class: "tl-track" });
  for (let t = now; t > from; t -= step) {
    const ago = now - t;
    const tick = el("span", { class: "tl-tick" }, ago === 0 ? (tl.frozenAt ? "paused" : "now") : "−" + (ago >= 60000 ? ago / 60000 + " min" : ago / 1000 + " s"));
    tick.style.left = (tl.windowMs - ago) / (tl.windowMs * (1 + TL_MARGIN)) * 100 + "%";
    track.append(tick);
  }
  return el("div", { class: "tl-axis" }, el("span", {}, ""), track);
}

function renderTimeline() {
  const now = tl.frozenAt ?? Date.now();
  const from = now - tl.windowMs;
  const shown = [...rooms.values()]
    .filter((r) => r.id === selected || r.timeline.some((b) => (b.endedAt ?? now) >= from))
    .sort((a, b) => (a.room < b.room ? -1 : a.room > b.room ? 1 : a.user < b.user ? -1 : 1));
  const pane = document.getElementById("timeline-rows");
  const drawn = pane.querySelector(".tl-track");
  const width = drawn ? drawn.clientWidth : pane.clientWidth - 190;
  const rows = shown.slice(0, ${MAX_ROWS}).map((room) => tlRow(room, now, from, width));
  const more = shown.length > ${MAX_ROWS} ? [el("p", { class: "empty" }, (shown.length - ${MAX_ROWS}) + " more rooms had calls in this window")] : [];
  const none = shown.length === 0 ? [el("p", { class: "empty", "data-testid": "timeline-empty" }, "No legacy callback in this window.")] : [];
  pane.replaceChildren(...rows, ...none, ...more, tlAxis(now, from));
}

for (const button of document.querySelectorAll(".tl-window")) {
  button.addEventListener("click", () => {
    tl.windowMs = Number(button.dataset.ms);
    for (const b of document.querySelectorAll(".tl-window")) b.setAttribute("aria-pressed", String(b === button));
    renderTimeline();
  });
}
// The rows are drawn again 4 times a second: a press selects at once, before a redraw could take the button away.
document.getElementById("timeline-rows").addEventListener("pointerdown", (event) => {
  const row = event.target.closest(".tl-room") && event.target.closest(".tl-row");
  if (row) select(row.dataset.roomId);
});
document.getElementById("tl-pause").addEventListener("change", (event) => {
  tl.frozenAt = event.target.checked ? Date.now() : null;
  renderTimeline();
});
setInterval(() => { if (tl.frozenAt === null) renderTimeline(); }, 250);
`;
