/**
 * The size bound where stanzas enter: a user's stanza too big to echo is refused by the router
 * with `policy-violation` before any room or plugin callback sees it, and a plugin text too big
 * for one stanza throws a `RangeError` at the plugin's call.
 */
import { type Element, xml } from "@xmpp/component";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ECHO_ALLOWANCE_BYTES, maxSerializedBytes } from "../../src/protocol/stanzaSize.js";
import { ALICE, DOMAIN, fixtureHarness, groupchat, joined, lobbyFixture } from "../helpers/harness.js";
import { conditionOf, qualifiedChild, qualifiedText, qualifiedTree } from "../helpers/stanzas.js";

const LIMIT = 20_000;
const STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";

async function lobby() {
  const h = fixtureHarness(lobbyFixture(), { maxStanzaBytes: LIMIT });
  const actor = await joined(h, "lobby");
  const texts: string[] = [];
  actor.room.onText = async (text) => void texts.push(text);
  return { h, actor, texts };
}

describe("a user's stanza over the size bound", () => {
  it("a groupchat message whose echo could exceed maxStanzaBytes gets policy-violation naming the limit, and never reaches onText", async () => {
    const { h, texts } = await lobby();
    // 2-byte characters: 9,000 of them are 18,000 bytes, under the limit in characters, over it in bytes with the allowance.
    h.route(groupchat("lobby", "é".repeat(9_000), "phone", "big"));
    await h.settle();
    const [reply, ...rest] = h.take();
    expect(rest).toEqual([]);
    expect(qualifiedTree(reply!, "jabber:component:accept")).toEqual([
      "{jabber:component:accept}message",
      "  {jabber:component:accept}error",
      `    {${STANZAS}}policy-violation`,
      `    {${STANZAS}}text`,
    ]);
    expect(reply!.attrs).toMatchObject({ type: "error", id: "big", to: `${ALICE}/phone`, from: `lobby@${DOMAIN}` });
    expect(qualifiedChild(reply!, "{jabber:client}error")!.attrs.type).toBe("modify");
    expect(qualifiedChild(reply!, "{jabber:client}error")!.getChildText("text", STANZAS)).toContain(`at most ${LIMIT} bytes`);
    expect(texts).toEqual([]);
  });

  it("one that fits with the echo's allowance is taken", async () => {
    const { h, texts } = await lobby();
    const body = "x".repeat(LIMIT - ECHO_ALLOWANCE_BYTES - 300);
    h.route(groupchat("lobby", body, "phone", "fits"));
    await h.until(() => texts.length === 1);
    await h.settle();
    expect(h.take().map((s) => [s.attrs.type, s.attrs.id])).toEqual([["groupchat", "fits"]]);
  });

  it("an iq over the bound (a room vCard with a big photo) is refused the same way, and nothing else happens", async () => {
    const { h } = await lobby();
    const photo = xml("PHOTO", {}, xml("TYPE", {}, "image/png"), xml("BINVAL", {}, "A".repeat(LIMIT)));
    h.route(xml("iq", { from: `${ALICE}/phone`, to: `lobby@${DOMAIN}`, type: "set", id: "v" }, xml("vCard", { xmlns: "vcard-temp" }, photo)));
    await h.settle();
    const sent = h.take();
    expect(sent.map((s) => [s.name, s.attrs.type, s.attrs.id, conditionOf(s)])).toEqual([["iq", "error", "v", "policy-violation"]]);
  });
});

describe("a plugin text over the size bound", () => {
  it("sendText and correct throw a RangeError naming maxStanzaBytes; nothing is sent or archived", async () => {
    const { h, actor } = await lobby();
    const bob = await actor.room.getParticipant("bob");
    const before = h.store.queryArchive({ user: ALICE, room: `lobby@${DOMAIN}` }, { max: 100 }).messages.length;
    // '&' is escaped to 5 bytes: 3,500 of them are 17,500 bytes in the stanza.
    expect(() => bob.sendText("&".repeat(3_500))).toThrow(RangeError);
    expect(() => bob.sendText("&".repeat(3_500))).toThrow(/^sendText: the text is 17513 bytes once escaped; .* maxStanzaBytes \(20000 bytes\)/);
    expect(() => bob.correct("m-1", "x".repeat(LIMIT))).toThrow(/^correct: .*maxStanzaBytes \(20000 bytes\)/);
    bob.sendText("small");
    await h.settle();
    expect(h.take().map((s) => qualifiedText(s, "{jabber:client}body") ?? null)).toEqual(["small"]);
    expect(h.store.queryArchive({ user: ALICE, room: `lobby@${DOMAIN}` }, { max: 100 }).messages.length).toBe(before + 1);
  });
});

describe("the size bound the router checks before serializing a stanza", () => {
  it("is never below the stanza's serialized UTF-8 bytes, whatever its names, attributes and text", () => {
    const text = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: "binary", maxLength: 8 }), fc.constantFrom("&<>\"'", "é€😀", ""));
    const name = fc.stringMatching(/^[a-z][a-z0-9:-]{0,8}$/);
    const { element } = fc.letrec<{ element: Element }>((tie) => ({
      element: fc
        .tuple(name, fc.dictionary(name, text, { maxKeys: 3 }), fc.array(fc.oneof(text, tie("element")), { maxLength: 3 }))
        .map(([n, attrs, children]) => xml(n, attrs, ...children)),
    }));
    fc.assert(
      fc.property(element, (e) => {
        expect(maxSerializedBytes(e, Number.POSITIVE_INFINITY)).toBeGreaterThanOrEqual(Buffer.byteLength(e.toString(), "utf8"));
      }),
      { numRuns: 500 },
    );
  });
});
