/**
 * The inspector's timeline, events in words and search as a person uses them, with default
 * privacy: a gateway in this process on a real Prosody, a real XMPP client whose subject change
 * takes the plugin 1.5 s while two configuration changes wait behind it (and another room works
 * at the same time), and Debian's Chromium at 1280×800 driven by playwright-core. Screenshots go
 * to test/artifacts/; with UPDATE_DOCS_SCREENSHOTS=1 also to docs/ (the ones docs/inspector.md shows).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Gateway, createGateway } from "../../src/createGateway.js";
import { type Inspector, createInspector } from "../../src/inspect/inspector.js";
import { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import { NO_CHROMIUM, openBrowser } from "../helpers/browser.js";
import { joinRoom, prosodyWithAlice } from "../helpers/e2e.js";
import { xml } from "../helpers/xmppClient.js";

const DOMAIN = "tl.localhost";
const LOBBY = `lobby@${DOMAIN}`;
const OTHER = `other@${DOMAIN}`;
const ARTIFACTS = new URL("../artifacts/", import.meta.url).pathname;
const DOCS = new URL("../../docs/", import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A room whose subject change takes the legacy network 1.5 s, and a configuration change 0.3 s (0.8 s in `other`). */
class SlowRoom extends LegacyRoom {
  override async updateInfo() {
    this.name = this.legacyId;
    this.subject = "old topic";
  }
  override async onSetSubject(subject: string) {
    await sleep(1500);
    this.subject = subject;
  }
  override async onSetConfig() {
    await sleep(this.legacyId === "other" ? 800 : 300);
  }
}

const configSet = (room: string, id: string) =>
  xml(
    "iq",
    { to: room, type: "set", id },
    xml("query", { xmlns: "http://jabber.org/protocol/muc#owner" }, xml("x", { xmlns: "jabber:x:data", type: "submit" }, xml("field", { var: "muc#roomconfig_roomname" }, xml("value", {}, id)))),
  );

/** A bar of the timeline as the page draws it. */
type DrawnBar = { id: string; kind: string; callback: string; outcome: string; slow: string; left: number; right: number; label: string };

describe("the inspector's timeline, events in words and search in a browser", () => {
  const title = NO_CHROMIUM ?? "draws a slow request and the two queued behind it as three bars in order that do not overlap, finds the room by its JID typed in mixed case, and tells the events in words";
  let bed: Awaited<ReturnType<typeof prosodyWithAlice>>;
  let gateway: Gateway;
  let inspector: Inspector;
  let dir: string;

  beforeAll(async () => {
    bed = await prosodyWithAlice(DOMAIN);
    dir = mkdtempSync(join(tmpdir(), "mucstate-timeline-"));
    class Session extends LegacySession {
      override async createRoom(id: string) {
        return new SlowRoom(this, id);
      }
    }
    inspector = await createInspector();
    gateway = createGateway({
      domain: DOMAIN,
      secret: bed.prosody.secret,
      service: bed.prosody.service,
      store: join(dir, "gateway.sqlite"),
      plugin: { createSession: (user) => new Session(user) },
    });
    inspector.watch(gateway.rooms);
    await gateway.start();
  });
  afterAll(async () => {
    await inspector?.close();
    await bed?.stop(gateway);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(NO_CHROMIUM !== undefined)(title, { timeout: 90_000 }, async () => {
    const { alice } = bed;
    await joinRoom(alice, LOBBY);
    await joinRoom(alice, OTHER);
    const { context, close } = await openBrowser();
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto(inspector.url);
      await expect.poll(() => page.getByTestId("room-row").count(), { timeout: 15_000 }).toBe(2);
      await page.locator('[data-testid="timeline-window"][data-ms="10000"]').click();

      // One slow subject change, two configuration changes behind it, and the other room busy meanwhile.
      await alice.send(xml("message", { to: LOBBY, type: "groupchat", id: "s1" }, xml("subject", {}, "new topic")));
      await alice.send(configSet(LOBBY, "c1"));
      await alice.send(configSet(LOBBY, "c2"));
      await alice.send(configSet(OTHER, "o1"));
      for (const id of ["c1", "c2", "o1"]) await alice.waitFor((s) => s.is("iq", "jabber:client") && s.attrs.id === id && s.attrs.type === "result");
      await page.getByTestId("timeline-pause").check();

      // Find the room by its JID, typed in mixed case with a resource: the room is selected, shown by its label only.
      expect(await page.content()).not.toMatch(/alice@localhost|lobby@|other@/);
      const sent: Array<string | null> = [];
      page.on("request", (r) => void (r.url().includes("/api/find") && sent.push(r.postData())));
      await page.getByTestId("find-jid").fill("LoBBy@TL.Localhost/Alice");
      await page.getByTestId("find-jid").press("Enter");
      await expect.poll(() => page.getByTestId("find-result").textContent()).toBe("found room");
      expect(sent).toEqual([JSON.stringify({ jid: LOBBY })]);
      const selectedRow = page.locator('#rooms [data-testid="room-row"][aria-pressed="true"]');
      const label = await selectedRow.getByTestId("room-jid").textContent();
      expect(label).toMatch(/^#[0-9a-f]{8}@tl\.localhost$/);
      expect(await page.getByTestId("selected-room").textContent()).toBe(`${label} (${await page.getByTestId("user-jid").textContent()})`);

      // Three bars for the room, in the order the requests came, not overlapping; the slow one marked in words.
      const drawn = (rowSelector: string) =>
        page.$$eval(`${rowSelector} [data-testid="timeline-bar"][data-kind]`, (bars) =>
          bars.map((b) => {
            const box = b.getBoundingClientRect();
            const e = b as unknown as { dataset: Record<string, string> };
            const words = b.parentElement!.querySelector(`[data-testid="timeline-label"][data-id="${e.dataset.id}"]`)?.textContent ?? "";
            return { id: e.dataset.id!, kind: e.dataset.kind!, callback: e.dataset.callback!, outcome: e.dataset.outcome!, slow: e.dataset.slow!, left: box.left, right: box.right, label: words };
          }),
        ) as Promise<DrawnBar[]>;
      const bars = await drawn('[data-testid="timeline-row"][aria-current="true"]');
      expect(bars.map((b) => [b.callback, b.outcome, b.slow])).toEqual([
        ["onSetSubject", "ok", "true"],
        ["onSetConfig", "ok", "false"],
        ["onSetConfig", "ok", "false"],
      ]);
      expect(bars[0]!.label).toMatch(/^onSetSubject [1-9]\.\d s · slow$/);
      expect(bars[1]!.label).toMatch(/^onSetConfig 0\.\d s$/);
      for (let i = 1; i < bars.length; i++) expect(bars[i]!.left).toBeGreaterThanOrEqual(bars[i - 1]!.right - 0.01);
      expect(bars[0]!.right - bars[0]!.left).toBeGreaterThan(100);
      // The two queued ones waited: a dotted segment each, from while the slow one ran to where their bar starts.
      for (const bar of bars.slice(1)) {
        const wait = await page.locator(`[data-testid="timeline-wait"][data-id="${bar.id}"]`).boundingBox();
        expect(wait!.x).toBeLessThan(bars[0]!.right - 10);
        expect(Math.abs(wait!.x + wait!.width - bar.left)).toBeLessThan(1);
      }
      // The other room ran at the same time, on its own row.
      const [other] = await drawn('[data-testid="timeline-row"][aria-current="false"]');
      expect(other).toMatchObject({ callback: "onSetConfig", outcome: "ok" });
      expect(other!.left).toBeLessThan(bars[0]!.right);
      expect(other!.right).toBeGreaterThan(bars[0]!.left);
      // A room's name on the timeline selects it.
      await page.locator('[data-testid="timeline-row"][aria-current="false"] [data-testid="timeline-room"]').click();
      await expect.poll(() => page.getByTestId("selected-room").textContent()).not.toContain(label!);
      await page.getByTestId("find-button").click();
      await expect.poll(() => page.getByTestId("selected-room").textContent()).toContain(label!);

      // The events in words, with hashed names; the requests filter hides the queueing.
      const texts = () => page.getByTestId("event-text").allTextContents();
      const said = await texts();
      expect(said).toEqual(expect.arrayContaining(["setSubject queued (1 waiting)", "setConfig queued (2 waiting)"]));
      expect(said).toContainEqual(expect.stringMatching(/^onSetSubject took (1\.[5-9]|[2-9]\.\d) s$/));
      expect(said).toContainEqual(expect.stringMatching(/^onSetConfig took 0\.[3-9] s$/));
      expect(said).toContainEqual(expect.stringMatching(/^#[0-9a-f]{8}@localhost\/#[0-9a-f]{8} joined$/));
      expect(said.join("\n")).not.toMatch(/alice|lobby|new topic/);
      await page.locator('[data-testid="event-filter"][value="requests"]').uncheck();
      expect((await texts()).filter((t) => t.includes("queued"))).toEqual([]);
      await page.locator('[data-testid="event-filter"][value="requests"]').check();

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, "inspector-page.png") });
      for (const folder of process.env.UPDATE_DOCS_SCREENSHOTS ? [ARTIFACTS, DOCS] : [ARTIFACTS]) {
        await page.getByTestId("timeline").screenshot({ path: join(folder, "inspector-timeline.png") });
        // The events: from their heading to the end of the list.
        const heading = (await page.getByTestId("event-filters").boundingBox())!;
        const list = (await page.getByTestId("event-list").boundingBox())!;
        const clip = { x: list.x, y: heading.y - 36, width: list.width, height: list.y + list.height - heading.y + 36 };
        await page.screenshot({ path: join(folder, "inspector-events.png"), clip, fullPage: true });
      }
    } finally {
      await close();
    }
  });
});
