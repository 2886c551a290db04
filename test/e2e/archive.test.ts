/**
 * History and MAM end to end: slidge's MAM scenarios (slidge-muc.md §7, 24–38) adapted to true
 * RSM counts, join-history limits, and backfill that runs once — checked with the call log.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCallLog } from "../../src/demo/callLog.js";
import { startBedWithAlice } from "../helpers/e2e.js";
import { MAM_RESULT_HEAD, conditionOf, qualifiedTree } from "../helpers/stanzas.js";
import { type TestUser, xml } from "../helpers/xmppClient.js";

const MUC = "http://jabber.org/protocol/muc";
const MAM = "urn:xmpp:mam:2";
const RSM = "http://jabber.org/protocol/rsm";
const FORWARD = "urn:xmpp:forward:0";
const history = Array.from({ length: 10 }, (_, i) => ({ id: `m${i}`, from: `history-man-${i % 3}`, body: `message ${i}`, at: `2000-01-01T00:0${i}:00Z` }));
const fixture = {
  users: ["alice@localhost"],
  rooms: [
    { id: "arch", participants: [{ nick: "bob" }], history, delayMs: { backfill: 200 } },
    { id: "quiet", participants: [{ nick: "bob" }], history },
  ],
};

describe("archive and MAM through Prosody", () => {
  let bed: Awaited<ReturnType<typeof startBedWithAlice>>;
  let alice: TestUser;
  let calls: string;
  const ROOM = "arch@ar.localhost";
  beforeAll(async () => {
    calls = join(mkdtempSync(join(tmpdir(), "mucstate-arch-")), "calls.jsonl");
    bed = await startBedWithAlice(fixture, { domain: "ar.localhost", calls });
    alice = bed.alice;
  });
  afterAll(() => bed?.stop());

  let n = 0;
  async function mam(fields: Record<string, string | string[]> = {}, rsm: Record<string, string> = {}, flip = false, to = ROOM) {
    const id = `q${n++}`;
    const form = Object.keys(fields).length
      ? xml("x", { xmlns: "jabber:x:data", type: "submit" }, xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, MAM)), ...Object.entries(fields).map(([k, v]) => xml("field", { var: k }, ...(Array.isArray(v) ? v : [v]).map((x) => xml("value", {}, x)))))
      : null;
    const set = Object.keys(rsm).length ? xml("set", { xmlns: RSM }, ...Object.entries(rsm).map(([k, v]) => xml(k, {}, v))) : null;
    const children = [form, set, flip ? xml("flip-page") : null].filter((c) => c !== null);
    await alice.send(xml("iq", { to, type: "set", id }, xml("query", { xmlns: MAM, queryid: id }, ...children)));
    const [reply] = await alice.waitFor((s) => s.attrs.id === id && s.is("iq", "jabber:client"));
    const results = alice.received.filter((s) => s.getChild("result", MAM)?.attrs.queryid === id);
    // Read as a namespace-aware client does: a message outside jabber:client is no message.
    const bodies = results.map((r) => r.getChild("result", MAM)?.getChild("forwarded", FORWARD)?.getChild("message", "jabber:client")?.getChildText("body", "jabber:client") ?? null);
    const fin = reply!.getChild("fin", MAM);
    const setEl = fin?.getChild("set", RSM);
    return {
      reply: reply!,
      bodies: bodies.map((b: string | null) => Number(b?.split(" ")[1])),
      results,
      complete: fin?.attrs.complete === "true",
      stable: fin?.attrs.stable,
      first: setEl?.getChildText("first", RSM),
      last: setEl?.getChildText("last", RSM),
      count: Number(setEl?.getChildText("count", RSM)),
    };
  }

  it("backfills once even when two joins and a MAM query arrive together, then serves everything (count 10)", async () => {
    await alice.send(xml("presence", { to: `${ROOM}/alice` }, xml("x", { xmlns: MUC })));
    await alice.send(xml("presence", { to: `${ROOM}/alice`, id: "again" }, xml("x", { xmlns: MUC })));
    const all = await mam();
    expect(all.bodies).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(all).toMatchObject({ complete: true, stable: "false", count: 10, first: "m0", last: "m9" });
    const forwarded = all.results[0]!.getChild("result", MAM)!.getChild("forwarded", FORWARD)!;
    // XEP-0297 §3, as the client received it (poezio showed no history while this was forward:0).
    expect(qualifiedTree(all.results[0]!).slice(0, MAM_RESULT_HEAD.length)).toEqual(MAM_RESULT_HEAD);
    expect(forwarded.getChild("delay", "urn:xmpp:delay")!.attrs.stamp).toBe("2000-01-01T00:00:00.000Z");
    await alice.waitFor((s) => s.attrs.from?.startsWith(ROOM) && s.getChild("subject", "jabber:client") !== undefined, { count: 2 });
    await bed.callLog.flush();
    const log = (await readCallLog(calls)).filter((e) => e.room === "arch");
    expect(log.filter((e) => e.callback === "backfill")).toHaveLength(1);
    // History senders are not occupants (KEEP_BACKFILLED_PARTICIPANTS is false).
    expect(alice.received.filter((s) => s.is("presence", "jabber:client") && s.attrs.from?.includes("history-man"))).toEqual([]);
  });

  it("pages with RSM: max, after, after the last, before (empty and with an id), flip", async () => {
    expect(await mam({}, { max: "2" })).toMatchObject({ bodies: [0, 1], complete: false, count: 10, first: "m0", last: "m1" });
    expect(await mam({}, { max: "2", after: "m5" })).toMatchObject({ bodies: [6, 7], count: 10 });
    const afterLast = await mam({}, { after: "m9" });
    expect(afterLast).toMatchObject({ bodies: [], complete: true, count: 10, first: null, last: null });
    expect(await mam({}, { max: "3", before: "" })).toMatchObject({ bodies: [7, 8, 9], count: 10 });
    expect(await mam({}, { max: "3", before: "m5" })).toMatchObject({ bodies: [2, 3, 4] });
    expect((await mam({}, { max: "3", after: "m5" }, true)).bodies).toEqual([8, 7, 6]);
    expect(conditionOf((await mam({}, { after: "m42" })).reply)).toBe("item-not-found");
  });

  it("filters by with, start/end, before-id/after-id and ids", async () => {
    const withMan = await mam({ with: `${ROOM}/history-man-1` });
    expect(withMan).toMatchObject({ bodies: [1, 4, 7], count: 3 });
    expect((await mam({ start: "2000-01-01T00:03:00Z", end: "2000-01-01T00:05:00Z" })).bodies).toEqual([3, 4, 5]);
    expect((await mam({ "after-id": "m6" })).bodies).toEqual([7, 8, 9]);
    expect((await mam({ "before-id": "m2" })).bodies).toEqual([0, 1]);
    expect((await mam({ ids: ["m2", "m4"] })).bodies).toEqual([2, 4]);
    expect(conditionOf((await mam({ ids: ["m2", "m14"] })).reply)).toBe("item-not-found");
    expect(conditionOf((await mam({ start: "yesterday" })).reply)).toBe("bad-request");
  });

  it("answers the form, the metadata, and bad-request on the bare component", async () => {
    await alice.send(xml("iq", { to: ROOM, type: "get", id: "form" }, xml("query", { xmlns: MAM })));
    const [form] = await alice.waitFor((s) => s.attrs.id === "form");
    const vars = form!.getChild("query", MAM)!.getChild("x", "jabber:x:data")!.getChildren("field", "jabber:x:data").map((f: any) => f.attrs.var);
    expect(vars).toEqual(["FORM_TYPE", "with", "start", "end", "before-id", "after-id", "ids"]);
    await alice.send(xml("iq", { to: ROOM, type: "get", id: "meta" }, xml("metadata", { xmlns: MAM })));
    const [meta] = await alice.waitFor((s) => s.attrs.id === "meta");
    expect(meta!.getChild("metadata", MAM)!.getChild("start", MAM)!.attrs).toEqual({ id: "m0", timestamp: "2000-01-01T00:00:00.000Z" });
    expect(meta!.getChild("metadata", MAM)!.getChild("end", MAM)!.attrs.id).toBe("m9");
    expect(conditionOf((await mam({}, {}, false, "ar.localhost")).reply)).toBe("bad-request");
  });

  it("archives live messages before they are fanned out, with their stanza-ids", async () => {
    const actor = bed.gateway.registry.peek("alice@localhost", ROOM)!;
    (await actor.room.getParticipant("bob")).sendText("live one", { legacyId: "live-1" });
    (await actor.room.getParticipant("bob")).sendText("live one, again", { legacyId: "live-1" });
    await alice.send(xml("message", { to: ROOM, type: "groupchat", id: "mine" }, xml("body", {}, "from me")));
    const [echo] = await alice.waitFor((s) => s.attrs.id === "mine");
    const last = await mam({}, { max: "2", before: "" });
    expect(last.results.map((r: any) => r.getChild("result", MAM).attrs.id)).toEqual(["live-1", echo!.getChild("stanza-id", "urn:xmpp:sid:0")!.attrs.id]);
    expect(last.count).toBe(12);
  });

  it("honours join history limits: maxstanzas, maxchars, seconds, since; zero means no history and no backfill", async () => {
    const join = async (room: string, history: Record<string, string> | null, id: string) => {
      alice.clear();
      await alice.send(xml("presence", { to: `${room}/alice`, id }, xml("x", { xmlns: MUC }, ...(history ? [xml("history", history)] : []))));
      await alice.waitFor((s) => s.attrs.from?.startsWith(room) && s.getChild("subject", "jabber:client") !== undefined);
      const msgs = alice.received.filter((s) => s.attrs.from?.startsWith(room) && s.getChild("body", "jabber:client"));
      await alice.send(xml("presence", { to: `${room}/alice`, type: "unavailable" }));
      await alice.waitFor((s) => s.attrs.type === "unavailable" && s.attrs.from === `${room}/alice`);
      return msgs;
    };
    const quiet = "quiet@ar.localhost";
    expect(await join(quiet, { maxstanzas: "0" }, "z")).toEqual([]);
    await bed.callLog.flush();
    expect((await readCallLog(calls)).filter((e) => e.room === "quiet" && e.callback === "backfill")).toHaveLength(0);
    const three = await join(quiet, { maxstanzas: "3" }, "three");
    expect(three.map((m) => m.getChildText("body", "jabber:client"))).toEqual(["message 7", "message 8", "message 9"]);
    expect(three[0]!.getChild("delay", "urn:xmpp:delay")!.attrs.from).toBe(quiet);
    const byChars = await join(quiet, { maxchars: String(three[2]!.toString().length + 10) }, "chars");
    expect(byChars.map((m) => m.getChildText("body", "jabber:client"))).toEqual(["message 9"]);
    expect(await join(quiet, { seconds: "60" }, "recent")).toEqual([]);
    const since = await join(quiet, { since: "2000-01-01T00:08:00Z" }, "since");
    expect(since.map((m) => m.getChildText("body", "jabber:client"))).toEqual(["message 8", "message 9"]);
    const defaults = await join(quiet, null, "default");
    expect(defaults).toHaveLength(10);
  });
});
