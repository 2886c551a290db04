/**
 * `mucstate demo --web` as a person uses it: the real bin in its own process, Debian's Chromium
 * opening the one URL it prints, and Converse.js (served from the npm package) logging in over
 * the demo Prosody's websocket. Every request to a host other than loopback is aborted and
 * recorded. A screenshot goes to test/artifacts/web-client.png.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseElement } from "../../src/protocol/parseXml.js";
import { NO_CHROMIUM, openBrowser } from "../helpers/browser.js";
import { killStarted, runCli } from "../helpers/cli.js";

const ARTIFACTS = new URL("../artifacts/", import.meta.url).pathname;
const LOBBY = "lobby@muc.localhost";
const LOOPBACK = new Set(["127.0.0.1", "localhost"]);
/** Converse is slow to start on a busy machine: wait for what the page shows, generously. */
const SHOWN = { timeout: 60_000 };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await killStarted();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("the demo in a browser", () => {
  const title = NO_CHROMIUM ?? "Converse logs in over the websocket, joins the lobby with its subject and bob, and shows a sent message once";

  it.skipIf(NO_CHROMIUM !== undefined)(title, { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "mucstate-web-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const demo = runCli(["demo", "--dir", join(dir, "demo"), "--web"]);
    const [, url] = await demo.waitFor(/Open in a browser: (http:\/\/127\.0\.0\.1:\d+\/) /, 60_000);
    expect(demo.output()).toMatch(/websocket: ws:\/\/127\.0\.0\.1:\d+\/xmpp-websocket/);

    const browser = await openBrowser();
    cleanups.push(browser.close);
    const offHost: string[] = [];
    await browser.context.route(
      (address) => !LOOPBACK.has(address.hostname),
      (route) => {
        offHost.push(route.request().url());
        return route.abort();
      },
    );
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.setViewportSize({ width: 1300, height: 900 });
    // What the page receives over the websocket: the reflections of what it sends.
    const received: ReturnType<typeof parseElement>[] = [];
    page.on("websocket", (socket) =>
      socket.on("framereceived", (frame) => {
        try {
          received.push(parseElement(String(frame.payload)));
        } catch {} // not a stanza
      }),
    );
    const reflections = (body: string) => received.filter((s) => s.is("message", "jabber:client") && s.attrs.from === `${LOBBY}/alice` && s.getChildText("body", "jabber:client") === body);
    await page.goto(url!);

    // Logged in: the control box names the account and shows it online.
    await page.locator("converse-controlbox .username").filter({ hasText: "alice@localhost" }).waitFor(SHOWN);
    await page.locator('converse-controlbox .xmpp-status [data-value="online"]').waitFor(SHOWN);
    // Joined: the lobby's view with its subject, and bob among the occupants.
    const room = page.locator(`converse-muc[jid="${LOBBY}"]`);
    await room.locator("converse-muc-heading .chat-head__desc").filter({ hasText: /^Welcome$/ }).waitFor(SHOWN);
    await room.locator("converse-muc-occupants .occupant-nick").filter({ hasText: /^bob$/ }).waitFor(SHOWN);

    // Send: Converse shows the message as it sends it, then matches the room's reflection to it.
    const textarea = room.locator("textarea.chat-textarea");
    const shown = (body: string) => room.locator(`converse-chat-message-body[text="${body}"]`);
    await textarea.fill("hello from the browser");
    await textarea.press("Enter");
    await expect.poll(() => reflections("hello from the browser").length, SHOWN).toBe(1);
    // A second message, sent after the first one's reflection arrived: once its own reflection is
    // in, Converse has long handled the first one's, which would have added any duplicate.
    await textarea.fill("and a second one");
    await textarea.press("Enter");
    await expect.poll(() => reflections("and a second one").length, SHOWN).toBe(1);
    await shown("and a second one").waitFor(SHOWN);
    expect(await shown("hello from the browser").count()).toBe(1);
    expect(await shown("and a second one").count()).toBe(1);
    expect(reflections("hello from the browser")).toHaveLength(1);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "web-client.png") });
    // The page's security policy keeps Converse's own-website images from being requested at all.
    expect(offHost).toEqual([]);
    demo.child.kill("SIGINT");
    expect(await demo.exited).toBe(0);
  });
});
