/**
 * Files both ways. From the user: the XEP-0066, XEP-0447 and XEP-0385 forms are read into one
 * file for `onFile` (never `onText`), echoed with the client's elements and archived; the default
 * refuses. From the legacy network: `sendFile` by URL or by uploaded bytes, in the order sent.
 */
import { readFileSync } from "node:fs";
import { type Element, xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { parseAttachment } from "../../src/actors/requestsFiles.js";
import { roomDiscoInfo } from "../../src/actors/roomDisco.js";
import type { IncomingFile } from "../../src/legacy/files.js";
import { RoomCallbacks } from "../../src/legacy/RoomCallbacks.js";
import { parseElement } from "../../src/protocol/parseXml.js";
import { XMPPError } from "../../src/protocol/xmppError.js";
import type { FileToUpload, FileUploader } from "../../src/transport/httpUpload.js";
import { ALICE, DOMAIN, type HarnessOptions, conditionOf, fixtureHarness, iq, joined, lobbyFixture, summary } from "../helpers/harness.js";
import { MAM_RESULT_HEAD, isQualified, qualifiedChild, qualifiedText, qualifiedTree } from "../helpers/stanzas.js";

const ROOM = `lobby@${DOMAIN}`;
const OOB = "jabber:x:oob";
const SID = "urn:xmpp:sid:0";
const MAM = "urn:xmpp:mam:2";
const URL_SENT = "https://upload.example.org/a1/cat.jpg";
const golden = (name: string) => parseElement(readFileSync(new URL(`../golden/${name}.xml`, import.meta.url), "utf8"));

/** A groupchat message from alice's phone with `children`, as the router receives it. */
const fromAlice = (id: string, ...children: Element[]) =>
  xml("message", { from: `${ALICE}/phone`, to: ROOM, type: "groupchat", id }, ...children, xml("origin-id", { xmlns: SID, id }));
/** What Converse.js and Conversations send: the URL as body and in x:oob. */
const oobFile = (id: string, body = URL_SENT) => fromAlice(id, xml("body", {}, body), xml("x", { xmlns: OOB }, xml("url", {}, URL_SENT)));

/** A joined lobby whose onText and onFile calls are recorded. */
async function lobby(options: HarnessOptions = {}) {
  const h = fixtureHarness(lobbyFixture(), options);
  const actor = await joined(h, "lobby");
  const texts: unknown[] = [];
  const files: unknown[] = [];
  actor.room.onText = async (text) => void texts.push(text);
  actor.room.onFile = async (file, opts) => {
    files.push([file, opts]);
    return `L${files.length}`;
  };
  return { h, actor, texts, files };
}

describe("a file from the user", () => {
  it("reads each form: XEP-0066 (name from the URL, desc, caption), XEP-0447 (preferred to its x:oob fallback) and XEP-0385 (the https source)", () => {
    expect(parseAttachment(golden("xep0066-user-oob"))).toEqual({
      url: "https://upload.example.org/a1/cat%20photo.jpg",
      name: "cat photo.jpg",
      description: "My cat",
      caption: "Look at this",
    } satisfies IncomingFile);
    expect(parseAttachment(golden("xep0447-user-file-sharing"))).toEqual({
      url: "https://upload.example.org/b2/summit.jpg",
      name: "summit.jpg",
      mime: "image/jpeg",
      size: 3032449,
      description: "Photo from the summit.",
    });
    expect(parseAttachment(golden("xep0385-user-sims"))).toEqual({
      url: "https://upload.example.org/c3/report.pdf",
      name: "report.pdf",
      mime: "application/pdf",
      size: 48213,
      caption: "The report",
    });
    expect(parseAttachment(xml("message", {}, xml("body", {}, URL_SENT)))).toBeUndefined();
  });

  it("calls onFile(file, { xmppId }), never onText, and echoes it with x:oob to the user", async () => {
    const { h, texts, files } = await lobby();
    h.route(oobFile("f-1"));
    await h.settle();
    expect(files).toEqual([[{ url: URL_SENT, name: "cat.jpg" }, { xmppId: "f-1" }]]);
    expect(texts).toEqual([]);
    const [echo, ...rest] = h.take();
    expect(rest).toEqual([]);
    expect(summary(echo!)).toBe(`message/groupchat ${ROOM}/alice -> ${ALICE}/phone body=${URL_SENT}`);
    expect(qualifiedTree(echo!)).toEqual([
      "{jabber:client}message",
      "  {jabber:client}body",
      `  {${OOB}}x`,
      `    {${OOB}}url`,
      `  {${SID}}origin-id`,
      `  {${SID}}stanza-id`,
      "  {urn:xmpp:occupant-id:0}occupant-id",
    ]);
    expect([echo!.attrs.id, echo!.getChild("stanza-id", SID)!.attrs.id]).toEqual(["f-1", "L1"]);
  });

  it("passes a body that is more than the URL as the caption, and a file without a body too", async () => {
    const { h, texts, files } = await lobby();
    h.route(oobFile("f-1", `so cute ${URL_SENT}`));
    h.route(fromAlice("f-2", xml("x", { xmlns: OOB }, xml("url", {}, URL_SENT))));
    await h.settle();
    expect(files.map((f) => (f as [IncomingFile])[0].caption ?? null)).toEqual(["so cute", null]);
    expect(texts).toEqual([]);
    expect(h.take().map((s) => s.attrs.id)).toEqual(["f-1", "f-2"]);
  });

  it("is archived: MAM returns the echo with its x:oob under the legacy id", async () => {
    const { h } = await lobby();
    h.route(oobFile("f-1"));
    await h.settle();
    h.take();
    h.route(iq("set", ROOM, xml("query", { xmlns: MAM, queryid: "q1" }), "mam"));
    await h.settle();
    const [result, fin] = h.take();
    expect(fin!.attrs).toMatchObject({ id: "mam", type: "result" });
    expect(result!.getChild("result", MAM)!.attrs.id).toBe("L1");
    expect(qualifiedTree(result!).slice(0, 8)).toEqual([...MAM_RESULT_HEAD, `        {${OOB}}x`, `          {${OOB}}url`]);
    const forwarded = result!.getChild("result", MAM)!.getChild("forwarded", "urn:xmpp:forward:0")!.getChild("message", "jabber:client")!;
    expect(qualifiedText(forwarded, "{jabber:client}body")).toBe(URL_SENT);
  });

  it("is refused with feature-not-implemented by a room without onFile, with no echo and nothing for onText", async () => {
    const { h, actor, texts } = await lobby();
    actor.room.onFile = RoomCallbacks.prototype.onFile;
    h.route(oobFile("f-1"));
    await h.settle();
    const out = h.take();
    expect(out.map(summary)).toEqual([`message/error ${ROOM} -> ${ALICE}/phone error=feature-not-implemented`]);
    expect(qualifiedChild(out[0]!, "{jabber:client}error")!.getChildText("text", "urn:ietf:params:xml:ns:xmpp-stanzas")).toBe(
      "This room does not take files; send the link as a text message instead",
    );
    expect(texts).toEqual([]);
  });

  it("answers bad-request to an x:oob without a url", async () => {
    const { h, texts, files } = await lobby();
    h.route(fromAlice("f-1", xml("body", {}, "hi"), xml("x", { xmlns: OOB })));
    await h.settle();
    expect(h.take().map(conditionOf)).toEqual(["bad-request"]);
    expect([texts, files]).toEqual([[], []]);
  });

  it("is advertised in disco#info (x:oob, SFS, SIMS) only by a room that overrides onFile", async () => {
    const { actor } = await lobby();
    const features = async () => (await roomDiscoInfo(actor.room, true)).getChildren("feature", "http://jabber.org/protocol/disco#info").map((f) => f.attrs.var as string);
    expect(await features()).toEqual(expect.arrayContaining([OOB, "urn:xmpp:sfs:0", "urn:xmpp:sims:1"]));
    actor.room.onFile = RoomCallbacks.prototype.onFile;
    expect((await features()).filter((f) => [OOB, "urn:xmpp:sfs:0", "urn:xmpp:sims:1"].includes(f))).toEqual([]);
  });
});

/** An uploader whose uploads the test finishes by hand. */
function manualUploads() {
  const pending: { file: FileToUpload; resolve: (url: string) => void; reject: (e: unknown) => void }[] = [];
  const uploads: FileUploader = { upload: (file) => new Promise((resolve, reject) => void pending.push({ file, resolve, reject })) };
  return { uploads, pending };
}

const bodies = (out: Element[]) => out.filter((s) => isQualified(s, "{jabber:client}message")).map((s) => qualifiedText(s, "{jabber:client}body") ?? null);

describe("a participant's file", () => {
  it("by URL: the body is the URL, with x:oob and XEP-0447 metadata, archived under its legacy id", async () => {
    const { h, actor } = await lobby();
    const bob = await actor.room.getParticipant("bob");
    await bob.sendFile({ url: URL_SENT, name: "cat.jpg", mime: "image/jpeg", size: 1234 }, { legacyId: "B1" });
    await h.settle();
    const [message] = h.take().filter((s) => isQualified(s, "{jabber:client}message"));
    expect(qualifiedTree(message!).slice(0, 11)).toEqual([
      "{jabber:client}message",
      "  {jabber:client}body",
      `  {${OOB}}x`,
      `    {${OOB}}url`,
      "  {urn:xmpp:sfs:0}file-sharing",
      "    {urn:xmpp:file:metadata:0}file",
      "      {urn:xmpp:file:metadata:0}media-type",
      "      {urn:xmpp:file:metadata:0}name",
      "      {urn:xmpp:file:metadata:0}size",
      "    {urn:xmpp:sfs:0}sources",
      "      {http://jabber.org/protocol/url-data}url-data",
    ]);
    expect([qualifiedText(message!, "{jabber:client}body"), message!.attrs.id]).toEqual([URL_SENT, "B1"]);
    const [archived] = h.store.queryArchive({ user: ALICE, room: ROOM }, { ids: ["B1"] }).messages;
    expect(archived!.xml).toContain(`<x xmlns="${OOB}"><url>${URL_SENT}</url></x>`);
  });

  it("by bytes: uploaded first, then the GET URL is sent; what the room sends meanwhile waits for it", async () => {
    const { uploads, pending } = manualUploads();
    const { h, actor } = await lobby({ uploads });
    const bob = await actor.room.getParticipant("bob");
    const carol = await actor.room.getParticipant("carol");
    const sent = bob.sendFile({ data: new Uint8Array([1, 2, 3]), name: "a.bin" }, { legacyId: "B1" });
    bob.sendText("did you get it?", { legacyId: "B2" });
    carol.sendText("me too", { legacyId: "C1" });
    await h.settle();
    expect(bodies(h.take())).toEqual([]);
    expect(pending.map((p) => [p.file.name, p.file.mime, [...p.file.data]])).toEqual([["a.bin", "application/octet-stream", [1, 2, 3]]]);
    pending[0]!.resolve("https://upload.example.org/z/a.bin");
    await sent;
    await h.settle();
    expect(bodies(h.take())).toEqual(["https://upload.example.org/z/a.bin", "did you get it?", "me too"]);
  });

  it("rejects sendFile when the upload fails, sends nothing for it, and lets what waited go", async () => {
    const { uploads, pending } = manualUploads();
    const { h, actor } = await lobby({ uploads });
    const bob = await actor.room.getParticipant("bob");
    const sent = bob.sendFile({ data: new Uint8Array(10), name: "big.bin" });
    bob.sendText("after");
    pending[0]!.reject(new XMPPError("not-acceptable", "big.bin is 10 bytes; the upload service takes at most 5"));
    await expect(sent).rejects.toThrow("takes at most 5");
    await h.settle();
    expect(bodies(h.take())).toEqual(["after"]);
  });

  it("whose upload ends after the gateway stopped is dropped, like any report after the stop, without an error", async () => {
    const { uploads, pending } = manualUploads();
    const { h, actor } = await lobby({ uploads });
    const sent = (await actor.room.getParticipant("bob")).sendFile({ data: new Uint8Array(1), name: "late.bin" });
    await h.registry.shutdown();
    h.take();
    pending[0]!.resolve("https://upload.example.org/z/late.bin");
    await sent;
    await h.settle();
    expect([h.take(), h.errors]).toEqual([[], []]);
  });

  it("with bytes and no upload service rejects with an error that says so; with bad input, a TypeError", async () => {
    const { actor } = await lobby();
    const bob = await actor.room.getParticipant("bob");
    await expect(bob.sendFile({ data: new Uint8Array(1), name: "x.bin" })).rejects.toThrow("this gateway has no XEP-0363 upload service");
    await expect(bob.sendFile({ data: new Uint8Array(1) } as never)).rejects.toThrow(TypeError);
    await expect(bob.sendFile({ data: new Uint8Array(2), name: "x", size: 3 })).rejects.toThrow("size is 3 but data has 2 bytes");
    await expect(bob.sendFile({ url: "" })).rejects.toThrow(TypeError);
  });
});
