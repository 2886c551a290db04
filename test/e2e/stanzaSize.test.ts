/**
 * Size bounds through a real Prosody (0.12: components may send at most 512 KiB a stanza). A
 * client whose server lets it send 520 KiB posts a groupchat body that big: its echo would be over
 * the component limit, and Prosody would close the component stream for every user.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_MAX_STANZA_BYTES } from "../../src/protocol/stanzaSize.js";
import { type EdgeRoom, startEdgeBed } from "../helpers/edgeBed.js";
import { conditionOf, isQualified, qualifiedChild } from "../helpers/stanzas.js";
import { type TestUser, connectUser, xml } from "../helpers/xmppClient.js";

const DOMAIN = "size.localhost";
const MUC = "http://jabber.org/protocol/muc";
const STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";

/** The first stanza `user` received with this id, waiting up to `ms` (undefined if none came). */
const answer = (user: TestUser, id: string, ms = 15_000) =>
  user.waitFor((s) => s.attrs.id === id, { timeoutMs: ms }).then(([s]) => s, () => undefined);

describe("a stanza over the size bound", () => {
  let bed: Awaited<ReturnType<typeof startEdgeBed>>;
  let alice: TestUser;
  let carol: TestUser;

  beforeAll(async () => {
    bed = await startEdgeBed({ domain: DOMAIN, users: ["alice", "carol"], c2sStanzaSizeLimit: 4 * 1024 * 1024 });
    alice = await connectUser(bed.prosody.c2sPort, "alice", "pw", "r");
    carol = await connectUser(bed.prosody.c2sPort, "carol", "pw", "r");
    for (const [user, nick] of [[alice, "alice"], [carol, "carol"]] as const) {
      await user.send(xml("presence", { to: `big@${DOMAIN}/${nick}` }, xml("x", { xmlns: MUC })));
      await user.waitFor((s) => s.is("presence", "jabber:client") && s.attrs.from === `big@${DOMAIN}/${nick}`);
    }
  });
  afterAll(async () => {
    await alice?.stop();
    await carol?.stop();
    await bed?.stop();
  });

  it("is refused with policy-violation naming the limit, never reaches onText, and other users' stanzas in flight are answered", async () => {
    // Carol's room fans out a burst while the gateway takes alice's message.
    const burst = bed.room("carol@localhost", "big")!.burst(2_000, "b", 100);
    const body = "x".repeat(520 * 1024);
    await alice.send(xml("message", { to: `big@${DOMAIN}`, type: "groupchat", id: "huge" }, xml("body", {}, body)));
    // Carol's requests in flight while the gateway handles alice's message.
    const ids = Array.from({ length: 300 }, (_, i) => `c${i}`);
    for (const id of ids) void carol.send(xml("iq", { to: `big@${DOMAIN}`, type: "get", id }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));

    const refusal = await answer(alice, "huge");
    expect(refusal?.is("message", "jabber:client")).toBe(true);
    expect(refusal!.attrs.type).toBe("error");
    expect(conditionOf(refusal)).toBe("policy-violation");
    expect(refusal!.getChild("error", "jabber:client")!.getChildText("text", STANZAS)).toContain(`${DEFAULT_MAX_STANZA_BYTES} bytes`);
    // The refusal does not carry the body back.
    expect(qualifiedChild(refusal!, "{jabber:client}body")).toBeUndefined();

    const answers = await Promise.all(ids.map((id) => answer(carol, id)));
    expect(answers.filter((s) => s?.attrs.type === "result").length).toBe(ids.length);
    await burst;
    const last = await answer(carol, "b1999");
    const bodies = carol.received.filter((s) => s.is("message", "jabber:client") && s.attrs.from === `big@${DOMAIN}/bob`).map((s) => s.getChildText("body", "jabber:client"));
    expect(last?.attrs.type).toBe("groupchat");
    expect(bodies).toEqual(Array.from({ length: 2_000 }, (_, i) => `b${i}`));
    expect((bed.room("alice@localhost", "big") as EdgeRoom).texts.map((t) => t.length)).toEqual([]);
    expect(bed.onlines()).toBe(1);
    expect(bed.drops).toEqual([]);
    // Nothing from alice's message went out: no echo to her.
    expect(alice.received.filter((s) => isQualified(s, "{jabber:client}message") && s.attrs.type === "groupchat" && qualifiedChild(s, "{jabber:client}body"))).toEqual([]);
  });

  it("a message just under the bound still goes through and is echoed", async () => {
    alice.clear();
    const body = "y".repeat(200 * 1024);
    await alice.send(xml("message", { to: `big@${DOMAIN}`, type: "groupchat", id: "fits" }, xml("body", {}, body)));
    const echo = await answer(alice, "fits");
    expect(echo?.attrs.type).toBe("groupchat");
    expect(echo?.getChildText("body", "jabber:client")?.length).toBe(body.length);
    expect((bed.room("alice@localhost", "big") as EdgeRoom).texts.map((t) => t.length)).toEqual([body.length]);
  });
});
