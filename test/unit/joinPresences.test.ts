import { type Element, xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { participantPresence } from "../../src/actors/roomStanzas.js";
import { SerializedTemplate } from "../../src/protocol/serializedElement.js";
import { ALICE, DOMAIN, fixtureHarness, joinPresence, joined, lobbyFixture } from "../helpers/harness.js";
import { qualifiedText } from "../helpers/stanzas.js";

const ROOM = `lobby@${DOMAIN}`;
const MUC_USER = "http://jabber.org/protocol/muc#user";
const itemOf = (s: Element) => s.getChild("x", MUC_USER)!.getChild("item", MUC_USER)!;

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
