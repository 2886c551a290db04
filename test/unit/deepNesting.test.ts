/**
 * Stanzas nested thousands of elements deep (a server delivers them: `<x>` costs 7 bytes) are
 * refused at the router with `policy-violation`, before the plugin hears of them. Without the
 * bound, a deep groupchat message reached `onText` and then overflowed the stack while the echo
 * was copied: the legacy network had the message, and the user got `internal-server-error`
 * "The legacy network could not handle this request" (found by the fuzzer's nesting mutation).
 */
import { xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { parseElement } from "../../src/protocol/parseXml.js";
import { ALICE, DOMAIN, conditionOf, fixtureHarness, groupchat, joined, lobbyFixture, summary } from "../helpers/harness.js";
import { qualifiedChild } from "../helpers/stanzas.js";

const ROOM = `lobby@${DOMAIN}`;
const STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";

/** `levels` elements, each inside the one before, as a server's parser hands them over. */
const nested = (levels: number) => "<x>".repeat(levels) + "</x>".repeat(levels);

async function lobby() {
  const h = fixtureHarness(lobbyFixture());
  const actor = await joined(h, "lobby");
  const texts: string[] = [];
  actor.room.onText = async (text) => void texts.push(text);
  return { h, texts };
}

describe("deeply nested stanzas", () => {
  it("a groupchat message 6,000 elements deep gets policy-violation, never reaches onText, and the room goes on", async () => {
    const { h, texts } = await lobby();
    h.route(parseElement(`<message from="${ALICE}/phone" to="${ROOM}" type="groupchat" id="deep"><body>hi</body>${nested(6000)}</message>`));
    await h.settle(20);
    const [reply, ...rest] = h.take();
    expect(rest).toEqual([]);
    expect(summary(reply!)).toBe(`message/error ${ROOM} -> ${ALICE}/phone error=policy-violation`);
    expect(reply!.attrs.id).toBe("deep");
    expect(qualifiedChild(reply!, "{jabber:client}error")!.getChildText("text", STANZAS)).toBe("Stanzas nested deeper than 128 elements are refused");
    expect(texts).toEqual([]);

    h.route(groupchat("lobby", "plain", "phone", "after"));
    await h.until(() => h.sent.some((s) => s.attrs.id === "after"));
    expect(h.take().map(summary)).toEqual([`message/groupchat ${ROOM}/alice -> ${ALICE}/phone body=plain`]);
    expect(texts).toEqual(["plain"]);
  });

  it("a request iq 6,000 elements deep gets exactly one answer: policy-violation", async () => {
    const { h } = await lobby();
    h.route(parseElement(`<iq from="${ALICE}/phone" to="${ROOM}" type="set" id="deep-iq"><query xmlns="http://jabber.org/protocol/muc#owner">${nested(6000)}</query></iq>`));
    await h.settle(20);
    const out = h.take();
    expect(out.map(summary)).toEqual([`iq/error ${ROOM} -> ${ALICE}/phone error=policy-violation`]);
    expect(conditionOf(out[0])).toBe("policy-violation");
  });

  it("a message exactly 128 elements deep is still a message", async () => {
    const { h, texts } = await lobby();
    // message (1) > x × 126 > y (128)
    h.route(xml("message", { from: `${ALICE}/phone`, to: ROOM, type: "groupchat", id: "edge" }, xml("body", {}, "edge"), parseElement(`${"<x>".repeat(126)}<y/>${"</x>".repeat(126)}`)));
    await h.until(() => h.sent.some((s) => s.attrs.id === "edge"));
    expect(h.take().map(summary)).toEqual([`message/groupchat ${ROOM}/alice -> ${ALICE}/phone body=edge`]);
    expect(texts).toEqual(["edge"]);
  });
});
