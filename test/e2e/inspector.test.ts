/**
 * The live inspector as a person uses it: `mucstate demo --inspect 0` in its own process (the
 * real bin; `npm test` builds dist/ first), Debian's Chromium driven by playwright-core, and a
 * real XMPP client whose join and requests move what the page shows. A screenshot goes to
 * test/artifacts/inspector.png.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { connectUser, xml } from "../helpers/xmppClient.js";

const CHROMIUM = "/usr/bin/chromium";
const BIN = new URL("../../bin/mucstate.js", import.meta.url).pathname;
const ARTIFACTS = new URL("../artifacts/", import.meta.url).pathname;
const MUC = "http://jabber.org/protocol/muc";
const ROOM = "team@muc.localhost";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `mucstate demo` with the inspector on a free port; resolves once it printed how to connect. */
async function startDemo(fixture: string) {
  if (!existsSync(new URL("../../dist/cli/main.js", import.meta.url))) throw new Error("dist/ is missing: run `npm test` (it builds first)");
  const child: ChildProcess = spawn(process.execPath, [BIN, "demo", "--fixture", fixture, "--inspect", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  cleanups.push(() => void (child.exitCode === null && child.kill("SIGKILL")));
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!/port: \d+/.test(out)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the demo did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    exited,
    url: out.match(/mucstate inspector: (http:\/\/\S+)/)![1]!,
    c2sPort: Number(out.match(/port: (\d+)/)![1]),
    password: out.match(/password:\s+(\S+)/)![1]!,
  };
}

async function openBrowser(): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), "mucstate-chromium-"));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
  cleanups.push(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });
  return context;
}

const configSet = (id: string) =>
  xml(
    "iq",
    { to: ROOM, type: "set", id },
    xml("query", { xmlns: `${MUC}#owner` }, xml("x", { xmlns: "jabber:x:data", type: "submit" }, xml("field", { var: "muc#roomconfig_roomname" }, xml("value", {}, id)))),
  );

describe("the live inspector in a browser", () => {
  const missing = !existsSync(CHROMIUM);
  const title = missing
    ? `SKIPPED: ${CHROMIUM} is missing (install it with 'apt-get install -y chromium'; scripts/ensure-deps.sh does)`
    : "lists the demo's room, highlights its state going to joined, and counts the mailbox down as requests run";

  it.skipIf(missing)(title, { timeout: 90_000 }, async () => {
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
    const demo = await startDemo(fixture);
    const context = await openBrowser();
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
    await active("infoIdle").waitFor({ state: "attached", timeout: 15_000 });
    expect(await active("joined").count()).toBe(0);

    // A real client joins: the highlight moves to joined.
    const alice = await connectUser(demo.c2sPort, "alice", demo.password, "browser-test");
    cleanups.push(() => alice.stop());
    await alice.send(xml("presence", { to: `${ROOM}/alice`, id: "join" }, xml("x", { xmlns: MUC })));
    await alice.waitFor((s) => s.is("message") && s.getChild("subject") !== undefined);
    await active("joined").waitFor({ state: "attached", timeout: 10_000 });
    expect(await active("infoIdle").count()).toBe(0);
    await expect.poll(() => page.getByTestId("selected-state").textContent()).toBe("joined");

    // Three slow requests: one runs, two wait; the counter goes 2, 1, 0 as each takes 1.5 s.
    const depth = () => row.getByTestId("mailbox-depth").textContent();
    for (const id of ["c1", "c2", "c3"]) await alice.send(configSet(id));
    await expect.poll(depth, { timeout: 5_000, interval: 50 }).toBe("2");
    expect(await row.getByTestId("in-flight").textContent()).toMatch(/^runRequest setConfig \d+\.\d s$/);
    await active("room.active.mailbox.busy.running").waitFor({ state: "attached" });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "inspector.png"), fullPage: true });
    await expect.poll(depth, { timeout: 5_000, interval: 50 }).toBe("1");
    await expect.poll(depth, { timeout: 5_000, interval: 50 }).toBe("0");
    await alice.waitFor((s) => s.is("iq") && s.attrs.id === "c3" && s.attrs.type === "result", { timeoutMs: 10_000 });
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
