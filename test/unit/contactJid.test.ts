/**
 * A legacy contact's JID on the gateway (`<escaped contact id>@domain`, shown as occupants' real
 * JIDs in non-anonymous rooms) answers as a contact: clients (Converse.js) ask for its vCard.
 */
import { xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { ALICE, DOMAIN, conditionOf, fixtureHarness, iq, joined, lobbyFixture } from "../helpers/harness.js";
import { qualifiedTree } from "../helpers/stanzas.js";

const CAROL = `carol-legacy-id@${DOMAIN}`;
const vcardGet = (to: string, from = ALICE) => xml("iq", { from: `${from}/phone`, to, type: "get", id: "v" }, xml("vCard", { xmlns: "vcard-temp" }));

describe("contact JIDs", () => {
  it("a vCard get to a contact JID the user sees gets an empty vCard, not item-not-found", async () => {
    const h = fixtureHarness(lobbyFixture());
    await joined(h, "lobby");
    h.route(vcardGet(CAROL));
    await h.settle();
    const [reply] = h.take();
    expect(reply!.attrs).toMatchObject({ from: CAROL, to: `${ALICE}/phone`, id: "v", type: "result" });
    expect(qualifiedTree(reply!)).toEqual(["{jabber:client}iq", "  {vcard-temp}vCard"]);
  });

  it("disco#info on a contact JID answers a client named after the occupant, with what the JID supports", async () => {
    const h = fixtureHarness(lobbyFixture());
    await joined(h, "lobby");
    h.route(iq("get", CAROL, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }), "d"));
    await h.settle();
    const [reply] = h.take();
    expect(reply!.attrs.type).toBe("result");
    const query = reply!.getChild("query", "http://jabber.org/protocol/disco#info")!;
    expect(query.getChildren("identity").map((i) => i.attrs)).toEqual([{ category: "client", type: "pc", name: "carol" }]);
    expect(query.getChildren("feature").map((f) => f.attrs.var)).toEqual(["http://jabber.org/protocol/disco#info", "vcard-temp"]);
    expect(query.getChildren("feature").map((f) => f.attrs.var)).not.toContain("http://jabber.org/protocol/muc");
  });

  it("a contact seen in a room that has since passivated still gets an empty vCard (from the stored participants)", async () => {
    const fixture = lobbyFixture();
    fixture.rooms.push({ ...fixture.rooms[0]!, id: "other", participants: [] } as never);
    const h = fixtureHarness(fixture, { maxRooms: 1 });
    await joined(h, "lobby");
    h.route(xml("presence", { from: `${ALICE}/phone`, to: `lobby@${DOMAIN}/alice`, type: "unavailable" }));
    h.route(iq("get", `other@${DOMAIN}`, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }), "evict"));
    await h.until(() => h.sent.some((s) => s.attrs.id === "evict"));
    expect(h.registry.peek(ALICE, `lobby@${DOMAIN}`)).toBeUndefined();
    h.take();
    h.route(vcardGet(CAROL));
    await h.until(() => h.sent.some((s) => s.attrs.id === "v"));
    const [reply] = h.take();
    expect(reply!.attrs).toMatchObject({ from: CAROL, type: "result" });
    expect(qualifiedTree(reply!)).toEqual(["{jabber:client}iq", "  {vcard-temp}vCard"]);
  });

  it("a JID that is no contact of the asking user is not turned into one: unknown ids and other users' contacts get item-not-found", async () => {
    const ZOE = "zoe@example.org";
    const h = fixtureHarness(lobbyFixture({}, [ALICE, ZOE]));
    await joined(h, "lobby");
    h.route(vcardGet(`nobody@${DOMAIN}`));
    await h.settle();
    // Zoe has no room with carol running: her request is not answered from alice's rooms.
    h.route(vcardGet(CAROL, ZOE));
    await h.settle();
    expect(h.take().map((s) => [s.attrs.to, s.attrs.type, conditionOf(s)])).toEqual([
      [`${ALICE}/phone`, "error", "item-not-found"],
      [`${ZOE}/phone`, "error", "item-not-found"],
    ]);
  });

  it("in a semi-anonymous room the contact's JID is not shown, so it is not answered as a contact", async () => {
    const h = fixtureHarness(lobbyFixture({ type: "channel" }));
    await joined(h, "lobby");
    h.route(vcardGet(CAROL));
    await h.settle();
    expect(conditionOf(h.take()[0])).toBe("item-not-found");
  });
});
