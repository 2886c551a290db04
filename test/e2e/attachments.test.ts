/**
 * Files through a real Prosody, both ways: a user's XEP-0066 file reaches `onFile` (never
 * `onText`) and is echoed and archived; a participant's bytes are uploaded to Prosody's own
 * mod_http_file_share (XEP-0363) and arrive as a message with the URL, which serves the same bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCallLog } from "../../src/demo/callLog.js";
import { joinRoom, startLoggedBed } from "../helpers/e2e.js";
import { conditionOf, qualifiedText, qualifiedTree } from "../helpers/stanzas.js";
import { type TestUser, archivedBodies, xml } from "../helpers/xmppClient.js";

const OOB = "jabber:x:oob";
const SFS = "urn:xmpp:sfs:0";
const SID = "urn:xmpp:sid:0";
const STATES = "http://jabber.org/protocol/chatstates";
const ROOM = "files@att.localhost";
const URL_SENT = "https://upload.example.org/abc/cat%20photo.jpg";
/** The bytes of the fixture's `bytes: 5000` file: 0, 1, … 255, 0, 1, … */
const PATTERN = Uint8Array.from({ length: 5000 }, (_, i) => i % 256);

const fixture = {
  users: ["alice@localhost"],
  rooms: [
    {
      id: "files",
      userNick: "alice",
      participants: [{ nick: "bob", contact: "bob-id" }],
      events: [
        { afterMs: 300, file: { from: "bob", bytes: 5000, name: "pattern.bin", mime: "application/octet-stream", id: "F-1" } },
        // Sent while the upload runs: it waits for the file.
        { afterMs: 301, message: { from: "bob", body: "did you get it?", id: "F-2" } },
      ],
    },
    { id: "nofiles", userNick: "alice", reject: { file: "feature-not-implemented" } },
  ],
};

/** What Converse.js 14 sends for an uploaded file: the URL as body and in x:oob, with `<active/>` and an origin-id. */
const oobMessage = (room: string, id: string) =>
  xml(
    "message",
    { to: room, type: "groupchat", id },
    xml("body", {}, URL_SENT),
    xml("active", { xmlns: STATES }),
    xml("x", { xmlns: OOB }, xml("url", {}, URL_SENT)),
    xml("origin-id", { xmlns: SID, id }),
  );

describe("files through Prosody", () => {
  let bed: Awaited<ReturnType<typeof startLoggedBed>>;
  let alice: TestUser;
  beforeAll(async () => {
    bed = await startLoggedBed(fixture, { domain: "att.localhost", callbackTimeoutMs: 5000 });
    alice = bed.alice;
  });
  afterAll(() => bed?.stop());

  it("a user's XEP-0066 file goes to onFile with its url, never onText, and is echoed with x:oob and archived", async () => {
    await joinRoom(alice, ROOM);
    await alice.send(oobMessage(ROOM, "f-1"));
    const [echo] = await alice.waitFor((s) => s.attrs.id === "f-1");
    expect(qualifiedTree(echo!)).toEqual([
      "{jabber:client}message",
      "  {jabber:client}body",
      `  {${STATES}}active`,
      `  {${OOB}}x`,
      `    {${OOB}}url`,
      `  {${SID}}origin-id`,
      `  {${SID}}stanza-id`,
      "  {urn:xmpp:occupant-id:0}occupant-id",
    ]);
    expect([echo!.attrs.from, qualifiedText(echo!.getChild("x", OOB)!, `{${OOB}}url`)]).toEqual([`${ROOM}/alice`, URL_SENT]);
    expect(await bed.logged("files", "onText", "onFile")).toEqual([["onFile", [{ url: URL_SENT, name: "cat photo.jpg" }, "f-1"]]]);
    expect(await archivedBodies(alice, ROOM, "mam-user")).toContain(URL_SENT);
  });

  it("a participant's bytes are uploaded to Prosody's mod_http_file_share: the user gets the URL with x:oob and XEP-0447, downloads the same bytes, and MAM has it", async () => {
    const [file] = await alice.waitFor((s) => s.attrs.from === `${ROOM}/bob` && s.attrs.id === "F-1", { timeoutMs: 15_000 });
    expect(qualifiedTree(file!)).toEqual([
      "{jabber:client}message",
      "  {jabber:client}body",
      `  {${OOB}}x`,
      `    {${OOB}}url`,
      `  {${SFS}}file-sharing`,
      "    {urn:xmpp:file:metadata:0}file",
      "      {urn:xmpp:file:metadata:0}media-type",
      "      {urn:xmpp:file:metadata:0}name",
      "      {urn:xmpp:file:metadata:0}size",
      `    {${SFS}}sources`,
      "      {http://jabber.org/protocol/url-data}url-data",
      `  {${SID}}stanza-id`,
      "  {urn:xmpp:occupant-id:0}occupant-id",
      `  {${STATES}}active`,
      "  {urn:xmpp:chat-markers:0}markable",
    ]);
    const url = qualifiedText(file!, "{jabber:client}body")!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/file_share\/[^/]+\/pattern\.bin$/);
    expect(qualifiedText(file!.getChild("x", OOB)!, `{${OOB}}url`)).toBe(url);
    const metadata = file!.getChild("file-sharing", SFS)!.getChild("file", "urn:xmpp:file:metadata:0")!;
    expect(qualifiedText(metadata, "{urn:xmpp:file:metadata:0}size")).toBe("5000");

    const download = await fetch(url);
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(PATTERN);

    // The message bob sent while the file uploaded comes after it.
    const [next] = await alice.waitFor((s) => s.attrs.from === `${ROOM}/bob` && s.attrs.id === "F-2");
    expect(alice.received.indexOf(next!)).toBeGreaterThan(alice.received.indexOf(file!));
    const bodies = await archivedBodies(alice, ROOM, "mam-bob");
    expect(bodies.slice(bodies.indexOf(url))).toEqual([url, "did you get it?"]);
  });

  it("a room whose network refuses files answers the refusal, with no echo", async () => {
    const room = "nofiles@att.localhost";
    await joinRoom(alice, room);
    await alice.send(oobMessage(room, "n-1"));
    const [refused] = await alice.waitFor((s) => s.attrs.id === "n-1");
    expect([refused!.attrs.type, conditionOf(refused)]).toEqual(["error", "feature-not-implemented"]);
  });
});

describe("files without an upload service", () => {
  it("the gateway says so at start-up, and a participant's bytes are not sent: sendFile fails with a clear error", async () => {
    const bed = await startLoggedBed(fixture, { domain: "noup.localhost", upload: false });
    try {
      await joinRoom(bed.alice, "files@noup.localhost");
      const deadline = Date.now() + 10_000;
      let failed: { args: unknown[]; ok: boolean } | undefined;
      while (!failed && Date.now() < deadline) {
        await bed.callLog.flush();
        failed = (await readCallLog(bed.calls)).find((e) => e.callback === "sendFile");
        if (!failed) await new Promise((r) => setTimeout(r, 50));
      }
      expect(failed).toMatchObject({ ok: false, args: ["pattern.bin", expect.stringContaining("no XEP-0363 upload service")] });
      expect(bed.warnings).toEqual([expect.stringContaining("no XEP-0363 upload service among the disco#items of localhost")]);
      const [next] = await bed.alice.waitFor((s) => s.attrs.id === "F-2");
      expect(qualifiedText(next!, "{jabber:client}body")).toBe("did you get it?");
      expect(bed.alice.received.some((s) => s.attrs.id === "F-1")).toBe(false);
    } finally {
      await bed.stop();
    }
  });
});
