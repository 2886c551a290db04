/**
 * Mailbox failures end to end, with the demo's fixture network: overflow, timeout, errors the
 * legacy side answers, and a destroy with requests queued behind it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD, startBed } from "../helpers/e2e.js";
import { conditionOf } from "../helpers/stanzas.js";
import { type TestUser, connectUser, xml } from "../helpers/xmppClient.js";

const MUC = "http://jabber.org/protocol/muc";
const room = (id: string, extra: Record<string, unknown>) => ({ id, participants: [{ nick: "bob" }], ...extra });
const fixture = {
  users: ["alice@localhost"],
  rooms: [
    room("busy", { delayMs: { requests: 300 } }),
    room("hang", { delayMs: { requests: 5000 } }),
    room("strict", { reject: { setConfig: "not-allowed", setSubject: "forbidden" } }),
    room("doomed", { delayMs: { requests: 50 } }),
  ],
};
const rename = (to: string, id: string) =>
  xml("iq", { to, type: "set", id }, xml("query", { xmlns: `${MUC}#owner` }, xml("x", { xmlns: "jabber:x:data", type: "submit" }, xml("field", { var: "muc#roomconfig_roomname" }, xml("value", {}, id)))));

describe("mailbox failures through Prosody", () => {
  let bed: Awaited<ReturnType<typeof startBed>>;
  let alice: TestUser;
  beforeAll(async () => {
    bed = await startBed(fixture, { domain: "fx.localhost", mailboxSize: 3, callbackTimeoutMs: 1000 });
    alice = await connectUser(bed.prosody.c2sPort, "alice", PASSWORD, "r");
  });
  afterAll(async () => {
    await alice?.stop();
    await bed?.stop();
  });
  const answer = async (id: string, timeoutMs = 10_000) => (await alice.waitFor((s) => s.attrs.id === id, { timeoutMs }))[0]!;

  it("refuses requests beyond the mailbox with resource-constraint and answers the rest", async () => {
    for (let i = 0; i < 6; i++) await alice.send(rename("busy@fx.localhost", `b${i}`));
    const results = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => answer(`b${i}`)));
    expect(results.map((s) => s.attrs.type === "result" ? "ok" : conditionOf(s))).toEqual(["ok", "ok", "ok", "ok", "resource-constraint", "resource-constraint"]);
    expect(results[4]!.getChild("error")!.attrs.type).toBe("wait");
  });

  it("answers a callback that outlives its timeout with remote-server-timeout; reads still work", async () => {
    await alice.send(rename("hang@fx.localhost", "h1"));
    await alice.send(xml("iq", { to: "hang@fx.localhost", type: "get", id: "h-disco" }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
    expect((await answer("h-disco")).attrs.type).toBe("result");
    expect(conditionOf(await answer("h1"))).toBe("remote-server-timeout");
  });

  it("passes the legacy side's XMPP errors through", async () => {
    await alice.send(xml("presence", { to: "strict@fx.localhost/alice" }, xml("x", { xmlns: MUC })));
    await alice.waitFor((s) => s.attrs.from?.startsWith("strict@") && s.getChild("subject") !== undefined);
    await alice.send(rename("strict@fx.localhost", "st1"));
    await alice.send(xml("message", { to: "strict@fx.localhost", type: "groupchat", id: "st2" }, xml("subject", {}, "x")));
    expect(conditionOf(await answer("st1"))).toBe("not-allowed");
    expect(conditionOf(await answer("st2"))).toBe("forbidden");
  });

  it("destroys a room: destroy presence, then the result; requests queued behind it and later ones get item-not-found", async () => {
    const jid = "doomed@fx.localhost";
    await alice.send(xml("presence", { to: `${jid}/alice` }, xml("x", { xmlns: MUC })));
    await alice.waitFor((s) => s.attrs.from?.startsWith("doomed@") && s.getChild("subject") !== undefined);
    alice.clear();
    await alice.send(xml("iq", { to: jid, type: "set", id: "d" }, xml("query", { xmlns: `${MUC}#owner` }, xml("destroy", {}, xml("reason", {}, "bye")))));
    await alice.send(rename(jid, "after"));
    await answer("after");
    const seen = alice.received.filter((s) => s.attrs.from?.startsWith(jid)).map((s) => `${s.name}/${s.attrs.type}/${s.attrs.id ?? ""}`);
    expect(seen).toEqual(["presence/unavailable/", "iq/result/d", "iq/error/after"]);
    const destroyEl = alice.received[0]!.getChild("x", `${MUC}#user`)!.getChild("destroy")!;
    expect(destroyEl.getChildText("reason")).toBe("bye");
    expect(conditionOf(alice.received.find((s) => s.attrs.id === "after"))).toBe("item-not-found");
    await alice.send(xml("presence", { to: `${jid}/alice`, id: "rejoin" }, xml("x", { xmlns: MUC })));
    expect(conditionOf(await answer("rejoin"))).toBe("item-not-found");
    await alice.send(xml("iq", { to: "fx.localhost", type: "get", id: "items" }, xml("query", { xmlns: "http://jabber.org/protocol/disco#items" })));
    const items = (await answer("items")).getChild("query")!.getChildren("item").map((i: any) => i.attrs.jid);
    expect(items).not.toContain(jid);
  });
});
