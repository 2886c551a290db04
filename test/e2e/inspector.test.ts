/**
 * The live inspector as a person uses it: `mucstate demo --inspect 0` in its own process (the
 * real bin; `npm test` builds dist/ first), Debian's Chromium driven by playwright-core, and a
 * real XMPP client whose join and requests move what the page shows. A screenshot goes to
 * test/artifacts/inspector.png.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { NO_CHROMIUM, openBrowser } from "../helpers/browser.js";
import { BANNER_END, killStarted, runCli } from "../helpers/cli.js";
import { connectUser, xml } from "../helpers/xmppClient.js";

const ARTIFACTS = new URL("../artifacts/", import.meta.url).pathname;
const MUC = "http://jabber.org/protocol/muc";
const ROOM = "team@muc.localhost";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await killStarted();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `mucstate demo` with the inspector on a free port; resolves once it printed how to connect. */
async function startDemo(fixture: string, dir: string) {
  const demo = runCli(["demo", "--dir", join(dir, "demo"), "--fixture", fixture, "--inspect", "0"]);
  await demo.waitFor(BANNER_END);
  const port = demo.output().match(/port: (\d+)/)![1];
  return {
    child: demo.child,
    exited: demo.exited,
    url: demo.output().match(/mucstate inspector: (http:\/\/\S+)/)![1]!,
    c2sPort: Number(port),
    password: demo.output().match(/password:\s+(\S+)/)![1]!,
  };
}

const configSet = (id: string) =>
  xml(
    "iq",
    { to: ROOM, type: "set", id },
    xml("query", { xmlns: `${MUC}#owner` }, xml("x", { xmlns: "jabber:x:data", type: "submit" }, xml("field", { var: "muc#roomconfig_roomname" }, xml("value", {}, id)))),
  );

describe("the live inspector in a browser", () => {
  const title = NO_CHROMIUM ?? "lists the demo's room, highlights its state going to joined, and counts the mailbox down as requests run";

  it.skipIf(NO_CHROMIUM !== undefined)(title, { timeout: 90_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "mucstate-inspector-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const fixture = join(dir, "fixture.json");
    writeFileSync(
      fixture,
      JSON.stringify({
        users: ["alice@localhost"],
        rooms: [{ id: "team", name: "Team", addToBookmarks: true, delayMs: { requests: 1500 }, participants: [{ nick: "zed" }] }],
      }),
    );
    const demo = await startDemo(fixture, dir);
    const { context, close } = await openBrowser();
    cleanups.push(close);
    const page = context.pages()[0] ?? (await context.newPage());
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.goto(demo.url);

    // The room list: the room actor created at login (for its bookmark), JIDs hashed by default.
    const row = page.getByTestId("room-row");
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => row.getByTestId("room-state").textContent()).toBe("infoFetched.idle");
    expect(await row.getByTestId("room-status").textContent()).toBe("active");
    expect(await row.getByTestId("room-jid").textContent()).toMatch(/^#[0-9a-f]{8}@muc\.localhost$/);
    expect(await page.getByTestId("user-jid").textContent()).toMatch(/^#[0-9a-f]{8}@localhost$/);
    expect(await page.content()).not.toContain("alice@localhost");

    // Select it: the chart shows, with the active states highlighted.
    await row.click();
    const active = (id: string) => page.locator(`#chart [data-testid="active-state"][data-state-id="${id}"]`);
    // The first chart is drawn by the server (Graphviz in wasm): on a loaded machine that took over 15 s once.
    await active("infoIdle").waitFor({ state: "attached", timeout: 45_000 });
    expect(await active("joined").count()).toBe(0);

    // A real client joins: the highlight moves to joined.
    const alice = await connectUser(demo.c2sPort, "alice", demo.password, "browser-test");
    cleanups.push(() => alice.stop());
    await alice.send(xml("presence", { to: `${ROOM}/alice`, id: "join" }, xml("x", { xmlns: MUC })));
    await alice.waitFor((s) => s.is("message", "jabber:client") && s.getChild("subject", "jabber:client") !== undefined);
    await active("joined").waitFor({ state: "attached", timeout: 10_000 });
    expect(await active("infoIdle").count()).toBe(0);
    await expect.poll(() => page.getByTestId("selected-state").textContent()).toBe("joined.live");

    // Three slow requests: one runs, two wait; the counter goes 2, 1, 0 as each takes 1.5 s. The
    // page records every value it shows, so a busy machine that samples late misses none.
    const depth = () => row.getByTestId("mailbox-depth").textContent();
    await page.evaluate(`(() => {
      const shown = (window.shownDepths = []);
      const read = () => {
        const text = document.querySelector('[data-testid="room-row"] [data-testid="mailbox-depth"]')?.textContent ?? "";
        if (shown.at(-1) !== text) shown.push(text);
      };
      new MutationObserver(read).observe(document.body, { subtree: true, childList: true, characterData: true });
      read();
    })()`);
    const shownDepths = () => page.evaluate("window.shownDepths") as Promise<string[]>;
    for (const id of ["c1", "c2", "c3"]) await alice.send(configSet(id));
    await expect.poll(depth, { timeout: 10_000, interval: 50 }).toBe("2");
    expect(await row.getByTestId("in-flight").textContent()).toMatch(/^runRequest setConfig \d+\.\d s$/);
    await active("room.active.mailbox.busy.running").waitFor({ state: "attached" });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "inspector.png"), fullPage: true });
    await alice.waitFor((s) => s.is("iq", "jabber:client") && s.attrs.id === "c3" && s.attrs.type === "result", { timeoutMs: 15_000 });
    await expect.poll(depth, { timeout: 10_000, interval: 50 }).toBe("0");
    const shown = await shownDepths();
    expect(shown.slice(shown.lastIndexOf("2"))).toEqual(["2", "1", "0"]);
    await active("room.active.mailbox.waiting").waitFor({ state: "attached", timeout: 5_000 });
    expect(await row.getByTestId("in-flight").count()).toBe(0);
    const settled = page.locator('[data-testid="event"][data-type="request.settled"]');
    await expect.poll(() => settled.count()).toBe(3);

    // Ctrl-C: the room shows as stopped by the shutdown, not as passivated, and the demo exits 0.
    demo.child.kill("SIGINT");
    await expect.poll(() => row.getByTestId("room-status").textContent(), { timeout: 10_000 }).toBe("stopped");
    expect(await demo.exited).toBe(0);
  });
});
