/**
 * The inspector page's search box: a person types a room JID or a user JID (any case, with or
 * without a resource); the page keeps its bare JID in lower case, asks the server (`POST
 * /api/find`; see jidSearch.ts for why the page cannot hash it itself) and selects the room found.
 * The answer holds room ids only, and the page shows the room by its label, so the typed JID
 * appears nowhere but in the box. The script uses the page script's `rooms`, `select` and
 * `withToken`, and runs before it.
 */

/** The search box's markup, in the page's header. */
export const SEARCH_HTML = `
  <form id="find" class="find" data-testid="find-form" role="search">
    <input id="find-jid" data-testid="find-jid" type="search" placeholder="Find a room or user by JID" aria-label="Room or user JID"
      autocomplete="off" spellcheck="false">
    <button type="submit" data-testid="find-button">Find</button>
    <span id="find-result" class="note" data-testid="find-result" role="status"></span>
  </form>`;

/** The search box's style. */
export const SEARCH_STYLE = `
  header .find { margin-left: auto; display: flex; gap: .4em; align-items: baseline; }
  header .find input { font: 13px ui-monospace, monospace; width: 22em; padding: .2em .4em; border-radius: 4px; border: 1px solid #cfd5de; }
  header .find button { font: inherit; padding: .15em .7em; border-radius: 4px; border: 1px solid #cfd5de; background: #fff; cursor: pointer; }
`;

/** The search box's script. */
export const SEARCH_SCRIPT = `
"use strict";
document.getElementById("find").addEventListener("submit", async (event) => {
  event.preventDefault();
  // The bare JID in lower case, as the server compares it: the resource never leaves the page.
  const typed = document.getElementById("find-jid").value.trim().replace(/^xmpp:/i, "");
  const jid = typed.split("/")[0].toLowerCase();
  const result = document.getElementById("find-result");
  if (jid === "") return;
  result.textContent = "searching…";
  try {
    const response = await fetch(withToken("/api/find"), { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ jid }) });
    if (response.status === 429) { result.textContent = "too many searches: wait a moment"; return; }
    if (!response.ok) throw new Error("HTTP " + response.status);
    const { found } = await response.json();
    const match = found.find((f) => f.as === "room") || found[0];
    if (!match) { result.textContent = "no room or user with that JID"; return; }
    const room = rooms.get(match.id);
    const what = match.as === "room" ? "room" : "a room of user " + (room ? room.user : "");
    result.textContent = "found " + what + (found.length > 1 ? " (" + found.length + " rooms)" : "");
    select(match.id);
    const row = document.querySelector('#rooms [data-room-id="' + CSS.escape(match.id) + '"]');
    if (row) { row.scrollIntoView({ block: "nearest" }); row.focus(); }
  } catch (error) {
    result.textContent = "search failed: " + error.message;
  }
});
`;
