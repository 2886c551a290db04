/**
 * The inspector's chart as a person reads it at 1280×800 in Debian's Chromium: it opens at
 * 100 % on the selected room's active states with labels of at least 11 px, zooms (buttons,
 * wheel around the pointer), pans (drag), fits, and shows a state's transitions on a click or
 * Enter. And the page is whole when it has loaded: `chromium --headless --screenshot` finishes
 * and the page it loaded already shows the room and its chart.
 *
 * The room actors are real (the fixture plugin, in process); the browser is the real one.
 * Screenshots go to test/artifacts/, or with UPDATE_SCREENSHOTS=1 to docs/ (inspector-chart.png,
 * inspector-state.png), which docs/inspector.md shows.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xml } from "@xmpp/component";
import type { Page } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { RoomRegistry } from "../../src/actors/registry.js";
import { createInspector } from "../../src/inspect/inspector.js";
import { CHROMIUM, NO_CHROMIUM, openBrowser } from "../helpers/browser.js";
import { ALICE, DOMAIN, fixtureHarness, iq, joinPresence, lobbyFixture } from "../helpers/harness.js";

const SHOTS = new URL(process.env.UPDATE_SCREENSHOTS ? "../../docs/" : "../artifacts/", import.meta.url).pathname;
const NATURAL = 4 / 3;
const LIVE = "room.active.lifecycle.joined.live";
const RUNNING = "room.active.mailbox.busy.running";
/** The active leaf of `running`: the request in flight, timed from the runner's last report. */
const TIMED = `${RUNNING}.timed`;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An inspector following a joined room with one slow request running and one waiting. */
async function inspectedRoom(): Promise<{ url: string; roomId: string }> {
  const inspector = await createInspector();
  const h = fixtureHarness(lobbyFixture({}, [ALICE]));
  const registry = new RoomRegistry({ domain: DOMAIN, outbox: { send() {}, sendAll() {} }, mailboxSize: 100, callbackTimeoutMs: 60_000, maxRooms: 10 });
  inspector.watch(registry.rooms);
  const actor = await registry.get((await h.sessions.get(ALICE))!, "lobby");
  actor.join(joinPresence("lobby", "alice"), "phone", "alice");
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  for (const id of ["c1", "c2"]) {
    const set = iq("set", `lobby@${DOMAIN}`, xml("query", { xmlns: "http://jabber.org/protocol/muc#owner" }), id);
    actor.request(set, "setConfig", async () => {
      await held;
      return () => [];
    });
  }
  cleanups.push(async () => {
    release();
    await inspector.close();
  });
  const listed = (await (await fetch(`${inspector.url}api/rooms`)).json()) as { users: Array<{ rooms: Array<{ id: string }> }> };
  return { url: inspector.url, roomId: listed.users[0]!.rooms[0]!.id };
}

/** Runs Chromium's own command line (its process group killed after `timeoutMs`): exit code (null when killed) and stdout. */
function chromiumCli(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string }> {
  const profile = mkdtempSync(join(tmpdir(), "mucstate-chromium-cli-"));
  const child = spawn(CHROMIUM, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", `--user-data-dir=${profile}`, ...args], {
    detached: true,
    stdio: ["ignore", "pipe", "ignore"],
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), timeoutMs);
  return new Promise((resolve) => {
    child.on("close", (code) => {
      clearTimeout(timer);
      rmSync(profile, { recursive: true, force: true });
      resolve({ code, stdout });
    });
  });
}

type Box = { x: number; y: number; width: number; height: number };
const box = (page: Page, selector: string) => page.locator(selector).first().evaluate((e) => e.getBoundingClientRect().toJSON() as Box);
const scale = async (page: Page) => Number(await page.getByTestId("chart").getAttribute("data-scale"));
const inside = (inner: Box, outer: Box) =>
  inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
const centre = (b: Box) => ({ x: b.x + b.width / 2, y: b.y + b.height / 2 });
const state = (id: string) => `#chart g[data-state="${id}"]`;

/** The on-screen font size (px) of each label inside the chart's view: state names, or the rest (arrows' events and guards, notes). */
function labelSizes(page: Page, kind: "state" | "other"): Promise<number[]> {
  const selector = kind === "state" ? '#chart g.node[data-state]:not([data-state$="(note)"]) text' : '#chart g.edge text, #chart g.node[data-state$="(note)"] text';
  return page.evaluate(`(() => {
    const view = document.getElementById("chart").getBoundingClientRect();
    return [...document.querySelectorAll(${JSON.stringify(selector)})]
      .filter((t) => {
        const r = t.getBoundingClientRect();
        return r.left >= view.left && r.right <= view.right && r.top >= view.top && r.bottom <= view.bottom;
      })
      .map((t) => t.getScreenCTM().a * Number(t.getAttribute("font-size")));
  })()`);
}

describe("the inspector's chart in a browser at 1280×800", () => {
  const title = NO_CHROMIUM ?? "opens readable on the room's active states, zooms around the pointer, pans, fits, and shows a state's guards and actions";

  it.skipIf(NO_CHROMIUM !== undefined)(title, { timeout: 90_000 }, async () => {
    const { url } = await inspectedRoom();
    const { context, close } = await openBrowser();
    cleanups.push(close);
    const page = context.pages()[0] ?? (await context.newPage());
    await page.setViewportSize({ width: 1280, height: 800 });
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => void (message.type() === "error" && problems.push(message.text())));
    const order: string[] = [];
    page.on("load", () => order.push("load"));
    page.on("request", (request) => void (new URL(request.url()).pathname === "/events" && order.push("/events")));
    await page.goto(url);
    await page.getByTestId("room-row").click();
    // The live stream opens once the page has loaded.
    await expect.poll(() => order).toEqual(["load", "/events"]);
    await page.locator(`${state(LIVE)}.active`).waitFor({ state: "attached" });

    // Selecting the room centres, at 100 %, the state whose callback runs: the request's; every
    // label in view is readable.
    expect(await scale(page)).toBeCloseTo(NATURAL, 6);
    expect(await page.getByTestId("zoom-level").textContent()).toBe("100 %");
    // The chart's box is read again after each step: focusing a state may scroll the page itself.
    const view = () => box(page, "#chart");
    const chart = await view();
    expect(inside(await box(page, state(RUNNING)), chart)).toBe(true);
    const nodeLabels = await labelSizes(page, "state");
    const edgeLabels = await labelSizes(page, "other");
    expect(nodeLabels.length).toBeGreaterThanOrEqual(4);
    expect(edgeLabels.length).toBeGreaterThanOrEqual(4);
    expect(Math.min(...nodeLabels)).toBeGreaterThanOrEqual(11);
    expect(Math.min(...edgeLabels)).toBeGreaterThanOrEqual(11);
    console.log(`label sizes at 100 %: states ${Math.min(...nodeLabels).toFixed(1)} px (n=${nodeLabels.length}), arrows and notes ${Math.min(...edgeLabels).toFixed(1)} px (n=${edgeLabels.length})`);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, "inspector-chart.png") });

    // Buttons zoom around the view's centre.
    await page.getByTestId("zoom-in").click();
    expect(await scale(page)).toBeCloseTo(NATURAL * 1.25, 6);
    await page.getByTestId("zoom-out").click();
    await page.getByTestId("zoom-out").click();
    expect(await scale(page)).toBeCloseTo(NATURAL * 0.8, 6);
    expect(await page.getByTestId("zoom-level").textContent()).toBe("80 %");

    // The wheel zooms around the pointer: the state under it stays under it.
    const before = centre(await box(page, state(RUNNING)));
    await page.mouse.move(before.x, before.y);
    await page.mouse.wheel(0, -300);
    await expect.poll(() => scale(page)).toBeGreaterThan(NATURAL * 0.8 * 1.5);
    const after = centre(await box(page, state(RUNNING)));
    expect(Math.abs(after.x - before.x)).toBeLessThan(2);
    expect(Math.abs(after.y - before.y)).toBeLessThan(2);

    // A drag pans by as much as the pointer moved, and opens no panel.
    await page.mouse.down();
    await page.mouse.move(before.x - 150, before.y - 80, { steps: 5 });
    await page.mouse.up();
    const dragged = centre(await box(page, state(RUNNING)));
    expect(Math.abs(dragged.x - (before.x - 150))).toBeLessThan(1.5);
    expect(Math.abs(dragged.y - (before.y - 80))).toBeLessThan(1.5);
    expect(await page.getByTestId("state-panel").isHidden()).toBe(true);

    // Fit all shows every state; fit to active states brings the room's running state back, at 100 %.
    await page.getByTestId("fit-all").click();
    expect(await scale(page)).toBeLessThan(0.5);
    for (const id of [LIVE, RUNNING, "room.destroyed", "room.stopped"]) expect(inside(await box(page, state(id)), await view()), id).toBe(true);
    await page.getByTestId("fit-active").click();
    expect(await scale(page)).toBeCloseTo(NATURAL, 6);
    expect(inside(await box(page, state(RUNNING)), await view())).toBe(true);

    // From the keyboard: a state far off the view, focused, comes into it; Enter opens its panel
    // with its full id and each transition with its guard and actions.
    await page.locator(state("streamingJoin")).focus();
    expect(inside(await box(page, state("streamingJoin")), await view())).toBe(true);
    await page.keyboard.press("Enter");
    const panel = page.getByTestId("state-panel");
    await expect.poll(() => panel.getByTestId("state-panel-id").textContent()).toBe("streamingJoin");
    expect(await panel.getByTestId("state-transitions").getByTestId("transition").allTextContents()).toEqual([
      `always → ${LIVE}guard: noJoinStreaming`,
      `join.streamed → ${LIVE}guard: lastStreamEndsactions: endStream`,
    ]);

    // A click on a state opens its panel, and the view moves the state out from under the panel
    // (closed first: streamingJoin's panel, with what joined handles, covers that state).
    await page.keyboard.press("Escape");
    await page.getByTestId("fit-active").click();
    await page.locator(state(TIMED)).click();
    await expect.poll(() => panel.getByTestId("state-panel-id").textContent()).toBe(TIMED);
    const timed = await box(page, state(TIMED));
    const covering = await box(page, "#state-panel");
    // Left of the panel, or below it: not under it.
    expect(timed.x + timed.width < covering.x || timed.y > covering.y + covering.height, JSON.stringify({ timed, covering })).toBe(true);
    expect(inside(timed, await view())).toBe(true);
    const transitions = await panel.getByTestId("state-transitions").getByTestId("transition").allTextContents();
    expect(transitions).toEqual(["after requestTimeout → mailboxExpiring"]);
    expect(await panel.getByTestId("state-entry").textContent()).toBe("entry: xstate.raise");
    // The runner's reports are handled by the enclosing `running`, its failure by `busy`.
    expect(await panel.textContent()).toContain("Also handled here, by running (6)");
    expect(await panel.textContent()).toContain("requests.settled → room.destroyedguard: requestDestroyedRoomactions: settleRun");
    expect(await panel.textContent()).toContain("Also handled here, by busy (1)");
    await page.screenshot({ path: join(SHOTS, "inspector-state.png") });
    await page.keyboard.press("Escape");
    expect(await panel.isHidden()).toBe(true);
    // No script error and no CSP refusal on the way.
    expect(problems).toEqual([]);
  });
});

describe("the inspector page when loaded", () => {
  const title = NO_CHROMIUM ?? "a headless Chromium's --screenshot finishes, and the page it loaded already shows the room and its chart";

  it.skipIf(NO_CHROMIUM !== undefined)(title, { timeout: 90_000 }, async () => {
    const { url, roomId } = await inspectedRoom();
    const dir = mkdtempSync(join(tmpdir(), "mucstate-shot-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const png = join(dir, "page.png");
    const shot = await chromiumCli([`--screenshot=${png}`, "--window-size=1280,800", `${url}#${roomId}`], 30_000);
    expect(shot.code).toBe(0);
    const bytes = readFileSync(png);
    expect(bytes.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([1280, 800]);

    // What the page holds once loaded, before any live update: the room, its chart, its active states.
    const dom = await chromiumCli(["--dump-dom", "--window-size=1280,800", `${url}#${roomId}`], 30_000);
    expect(dom.code).toBe(0);
    expect(dom.stdout).toMatch(new RegExp(`data-testid="room-row"[^>]*data-room-id="${roomId}"`));
    expect(dom.stdout).toMatch(/<svg [^>]*viewBox="[\d.-]+ [\d.-]+ [\d.]+ [\d.]+"/);
    expect(dom.stdout).toContain(`data-state-id="${LIVE}"`);
    expect(dom.stdout).toContain(`data-state-id="${RUNNING}"`);
    expect(dom.stdout).toContain('data-testid="zoom-level" aria-live="polite">100 %<');
  });
});
