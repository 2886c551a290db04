import { type Element, xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { addToBookmarks } from "../../src/actors/bookmarks.js";
import { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import { parsePrivilege } from "../../src/protocol/xep0356.js";
import { IqCaller } from "../../src/transport/iqCaller.js";
import { Privileges } from "../../src/transport/privileges.js";
import { ALICE, DOMAIN, conditionOf, fixtureHarness, groupchat, joined, lobbyFixture, summary } from "../helpers/harness.js";
import { qualifiedTree } from "../helpers/stanzas.js";

const ROOM = `lobby@${DOMAIN}`;
const NS_PRIV = "urn:xmpp:privilege:2";
const advert = xml("message", { from: "example.org", to: DOMAIN }, xml("privilege", { xmlns: NS_PRIV }, xml("perm", { access: "iq" }, xml("namespace", { ns: "http://jabber.org/protocol/pubsub", type: "both" }))));

class Session extends LegacySession {
  createRoom(id: string) {
    return new LegacyRoom(this, id);
  }
}

function services(answer: (iq: Element) => Element | undefined) {
  const sent: Element[] = [];
  const warnings: string[] = [];
  const privileges = new Privileges();
  privileges.grant("example.org", parsePrivilege(advert)!);
  const iqCaller: IqCaller = new IqCaller((s) => {
    sent.push(s);
    const reply = s.name === "iq" ? answer(s) : undefined;
    if (reply) queueMicrotask(() => iqCaller.handle(Object.assign(reply, { attrs: { ...reply.attrs, id: s.attrs.id, from: s.attrs.to } })));
  });
  return { sent, warnings, value: { domain: DOMAIN, iqCaller, privileges, send: (s: Element) => void sent.push(s), warn: (m: string) => void warnings.push(m) } };
}

function room() {
  const r = new LegacyRoom(new Session(ALICE), "lobby");
  r.jid = ROOM;
  return r;
}

describe("bookmarks", () => {
  it("reads the granted privileges from the server's advertisement", () => {
    const p = new Privileges();
    p.grant("example.org", parsePrivilege(advert)!);
    expect([p.canIq("example.org", "http://jabber.org/protocol/pubsub", "set"), p.canIq("example.org", "jabber:iq:roster", "get"), p.canIq("other.org", "http://jabber.org/protocol/pubsub", "set")]).toEqual([true, false, false]);
  });

  it("publishes with the XEP-0402 publish options through a privileged iq", async () => {
    const s = services((iq) => (iq.getChild("privileged_iq", NS_PRIV)!.getChild("iq", "jabber:client")!.attrs.type === "get" ? xml("iq", { type: "error" }, xml("error", { type: "cancel" }, xml("item-not-found", { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" }))) : xml("iq", { type: "result" })));
    expect(await addToBookmarks(room(), {}, s.value)).toBe(true);
    const publish = s.sent.find((iq) => iq.attrs.type === "set")!;
    expect(publish.attrs.to).toBe(ALICE);
    // XEP-0356 §3.1: the wrapped iq is a jabber:client stanza, not one in the privilege namespace.
    expect(qualifiedTree(publish).slice(0, 4)).toEqual(["{jabber:client}iq", "  {urn:xmpp:privilege:2}privileged_iq", "    {jabber:client}iq", "      {http://jabber.org/protocol/pubsub}pubsub"]);
    const inner = publish.getChild("privileged_iq", NS_PRIV)!.getChild("iq", "jabber:client")!;
    expect(inner.attrs).toMatchObject({ type: "set", from: ALICE });
    const pubsub = inner.getChild("pubsub")!;
    const conference = pubsub.getChild("publish")!.getChild("item")!.getChild("conference", "urn:xmpp:bookmarks:1")!;
    expect(pubsub.getChild("publish")!.getChild("item")!.attrs.id).toBe(ROOM);
    expect(conference.attrs.autojoin).toBe("true");
    expect(conference.getChildText("nick")).toBe("alice");
    const options = Object.fromEntries(pubsub.getChild("publish-options")!.getChild("x")!.getChildren("field").map((f) => [f.attrs.var, f.getChildText("value")]));
    expect(options).toMatchObject({ "pubsub#persist_items": "true", "pubsub#max_items": "max", "pubsub#send_last_published_item": "never", "pubsub#access_model": "whitelist" });
    expect(s.sent.filter((x) => x.name === "message")).toEqual([]);
  });

  it("falls back to an invitation when the server refuses the publish, and invites anyway with invite: true", async () => {
    const refused = services(() => xml("iq", { type: "error" }, xml("error", { type: "cancel" }, xml("internal-server-error", { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" }))));
    expect(await addToBookmarks(room(), {}, refused.value)).toBe(false);
    expect(refused.sent.filter((x) => x.name === "message").map((m) => m.getChild("x", "jabber:x:conference")!.attrs.jid)).toEqual([ROOM]);
    expect(refused.warnings).toHaveLength(1);
    const ok = services(() => xml("iq", { type: "result" }));
    expect(await addToBookmarks(room(), { invite: true, preserve: false }, ok.value)).toBe(true);
    expect(ok.sent.filter((x) => x.name === "message")).toHaveLength(1);
  });
});

describe("invitations and reactions", () => {
  it("passes a mediated invitation to the plugin as onSetAffiliation(contact, member, reason)", async () => {
    const h = fixtureHarness(lobbyFixture());
    const actor = await joined(h, "lobby");
    const calls: unknown[] = [];
    actor.room.onSetAffiliation = async (...args) => void calls.push(args);
    h.route(xml("message", { from: `${ALICE}/phone`, to: ROOM, id: "m" }, xml("x", { xmlns: "http://jabber.org/protocol/muc#user" }, xml("invite", { to: `dave-id@${DOMAIN}` }, xml("reason", {}, "hi")))));
    h.route(xml("message", { from: `${ALICE}/phone`, to: ROOM, id: "x" }, xml("x", { xmlns: "http://jabber.org/protocol/muc#user" }, xml("invite", { to: "dave@elsewhere.org" }))));
    await h.settle();
    expect(calls).toEqual([["dave-id", "member", "hi", undefined]]);
    expect(h.take().map(summary)).toEqual([`message/error ${ROOM} -> ${ALICE}/phone error=bad-request`]);
  });

  it("sends legacy reactions with a stanza-id, an occupant-id and a store hint", async () => {
    const h = fixtureHarness(lobbyFixture());
    const actor = await joined(h, "lobby");
    (await actor.room.getParticipant("bob")).react("L9", ["👍"], { legacyId: "R1" });
    const [r] = h.take();
    expect(r!.getChild("reactions", "urn:xmpp:reactions:0")!.attrs.id).toBe("L9");
    expect(r!.getChild("stanza-id", "urn:xmpp:sid:0")!.attrs.id).toBe("R1");
    expect(r!.getChild("occupant-id", "urn:xmpp:occupant-id:0")).toBeDefined();
    expect(r!.getChild("store", "urn:xmpp:hints")).toBeDefined();
  });

  it("calls onReact for an allowed reaction to the user's own echoed message, then echoes it", async () => {
    const h = fixtureHarness(lobbyFixture({ availableEmojis: ["👍"] }));
    const actor = await joined(h, "lobby");
    const reacted: unknown[] = [];
    actor.room.onReact = async (...args) => void reacted.push(args);
    h.route(groupchat("lobby", "mine"));
    await h.settle();
    const [echo] = h.take();
    const sid = echo!.getChild("stanza-id", "urn:xmpp:sid:0")!.attrs.id!;
    h.route(xml("message", { from: `${ALICE}/phone`, to: ROOM, type: "groupchat", id: "r" }, xml("reactions", { xmlns: "urn:xmpp:reactions:0", id: sid }, xml("reaction", {}, "👍"))));
    await h.settle();
    expect(reacted).toEqual([[sid, ["👍"]]]);
    const out = h.take();
    expect(out.map((s) => `${s.attrs.id} ${s.attrs.type} ${conditionOf(s) ?? ""}`)).toEqual(["r groupchat "]);
  });
});
