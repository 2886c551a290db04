import { type Element, xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { participantPresence, selfPresence } from "../../src/actors/roomStanzas.js";
import { joinSelfPresence } from "../../src/actors/joinPresences.js";
import { SerializedElement, SerializedTemplate } from "../../src/protocol/serializedElement.js";
import { ALICE, DOMAIN, fixtureHarness, joinPresence, joined, lobbyFixture } from "../helpers/harness.js";
import { qualifiedText } from "../helpers/stanzas.js";

const ROOM = `lobby@${DOMAIN}`;
const MUC_USER = "http://jabber.org/protocol/muc#user";
const itemOf = (s: Element) => s.getChild("x", MUC_USER)!.getChild("item")!;

describe("occupant presences reused across joins", () => {
  it("a resource that joins after occupants changed sees them as they are now", async () => {
    const h = fixtureHarness(lobbyFixture());
    const actor = await joined(h, "lobby", ["phone"]);
    const bob = await actor.room.getParticipant("bob");
    const carol = await actor.room.getParticipant("carol");
    bob.affiliation = "admin";
    bob.role = "participant";
    bob.setPresence({ show: "away", status: "lunch" });
    carol.rename("caroline");
    await h.settle();
    h.take();

    h.route(joinPresence("lobby", "alice", "laptop", "j-2"));
    await h.settle();
    const occupants = h.take().slice(0, 2);
    expect(occupants.map((s) => s.attrs.from)).toEqual([`${ROOM}/bob`, `${ROOM}/caroline`]);
    expect(itemOf(occupants[0]!).attrs).toMatchObject({ affiliation: "admin", role: "participant" });
    expect(qualifiedText(occupants[0]!, "{jabber:client}show")).toBe("away");
    expect(qualifiedText(occupants[0]!, "{jabber:client}status")).toBe("lunch");
    // Byte for byte what the builder makes for that resource now.
    const to = `${ALICE}/laptop`;
    expect(occupants.map(String)).toEqual([participantPresence(bob, to).toString(), participantPresence(carol, to).toString()]);
  });

  it("the same occupant's presence goes to each joining resource with its own address", async () => {
    const h = fixtureHarness(lobbyFixture());
    await joined(h, "lobby", ["phone"]);
    h.route(joinPresence("lobby", "alice", "a&b", "j-2"));
    await h.settle();
    const bob = h.take()[0]!;
    expect(bob.attrs.to).toBe(`${ALICE}/a&b`);
    expect(bob.toString()).toContain(` to="${ALICE}/a&amp;b"`);
  });
});

describe("the user's self-presence reused across joins", () => {
  it("is byte for byte what the builder makes, for each resource, id, nick and anonymity, and follows the user's occupant", async () => {
    const h = fixtureHarness(lobbyFixture());
    const actor = await joined(h, "lobby", ["phone"]);
    const room = actor.room;
    const user = room._userParticipant();
    const check = (to: string, join: { id?: string; requestedNick?: string }) => {
      const made = joinSelfPresence(room, user, to, join);
      const expected = selfPresence(room, user, to, join);
      expect(made.toString()).toBe(expected.toString());
      expect(made.attrs).toEqual(expected.attrs);
      expect(made.getChild("x", MUC_USER)!.getChildren("status").map((s) => s.attrs.code)).toEqual(expected.getChild("x", MUC_USER)!.getChildren("status").map((s) => s.attrs.code));
      return made;
    };
    // The second join of the same shape is made from the first one's text, not built again.
    check(`${ALICE}/phone`, { id: "j-1", requestedNick: "alice" });
    expect(check(`${ALICE}/a&b`, { id: `q"<'>`, requestedNick: "alice" })).toBeInstanceOf(SerializedElement);
    check(`${ALICE}/laptop`, {});
    check(`${ALICE}/laptop`, { id: "j-3", requestedNick: "someone-else" });
    room.type = "channel";
    expect(room.nonAnonymous).toBe(false);
    check(`${ALICE}/x&y`, { id: "j-4", requestedNick: "alice" });
    user.affiliation = "admin";
    check(`${ALICE}/phone`, { id: "j-5", requestedNick: "alice" });
  });
});

describe("serialized templates", () => {
  const built = (to: string) =>
    xml("presence", { from: `${ROOM}/b"o<b`, to }, xml("x", { xmlns: MUC_USER }, xml("item", { affiliation: "member", role: "participant" })), xml("occupant-id", { xmlns: "urn:xmpp:occupant-id:0", id: "x" }));

  it("make the text and the tree that xml() makes", () => {
    const to = `${ALICE}/'phone'`;
    const copy = new SerializedTemplate(built("")).make(to, xml.escapeXML(to));
    expect(copy.toString()).toBe(built(to).toString());
    expect(copy.attrs).toEqual({ from: `${ROOM}/b"o<b`, to });
    expect(itemOf(copy).attrs.role).toBe("participant");
    expect(copy.getChild("occupant-id", "urn:xmpp:occupant-id:0")?.attrs.id).toBe("x");
    // Once its children are read, it is written from its tree: a change to them shows.
    itemOf(copy).attrs.role = "visitor";
    expect(copy.toString()).toBe(built(to).toString().replace("participant", "visitor"));
    expect(xml("wrapper", {}, copy).toString()).toContain('role="visitor"');
  });

  it("refuse a change of attributes, which the text would not show", () => {
    const copy = new SerializedTemplate(built("")).make(ALICE, ALICE);
    expect(() => {
      copy.attrs.to = "bob@example.org";
    }).toThrow(TypeError);
  });

  it("need an element with an empty to", () => {
    expect(() => new SerializedTemplate(built(ALICE))).toThrow(/to=""/);
  });
});
