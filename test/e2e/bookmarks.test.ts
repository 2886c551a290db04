/**
 * Bookmarks (XEP-0402 through XEP-0356), invitations (XEP-0249) and reactions (XEP-0444)
 * through a real Prosody with mod_privilege, read back as a real client would.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD, startBed, startBedWithAlice } from "../helpers/e2e.js";
import { conditionOf } from "../helpers/stanzas.js";
import { type TestUser, connectUser, xml } from "../helpers/xmppClient.js";

const MUC = "http://jabber.org/protocol/muc";
const PUBSUB = "http://jabber.org/protocol/pubsub";
const BOOKMARKS = "urn:xmpp:bookmarks:1";
const fixture = (extra: Record<string, unknown> = {}) => ({
  users: ["alice@localhost"],
  rooms: [
    { id: "fresh", name: "Fresh", addToBookmarks: true, userNick: "Alice A.", ...extra },
    { id: "kept", name: "Kept", addToBookmarks: { autoJoin: true }, participants: [{ nick: "bob", contact: "bob-id" }] },
    {
      id: "react",
      userNick: "alice",
      participants: [{ nick: "bob", contact: "bob-id" }],
      availableEmojis: ["👍", "❤️"],
      maxReactionsPerUser: 1,
      events: [
        { afterMs: 100, message: { from: "bob", body: "react to me", id: "L-1" } },
        { afterMs: 150, react: { from: "bob", to: "L-1", emojis: ["❤️"] } },
      ],
    },
  ],
});

async function readBookmark(user: TestUser, room: string) {
  const id = `bm-${Math.random()}`;
  await user.send(xml("iq", { type: "get", id }, xml("pubsub", { xmlns: PUBSUB }, xml("items", { node: BOOKMARKS }, xml("item", { id: room })))));
  const [result] = await user.waitFor((s) => s.attrs.id === id);
  return result!.getChild("pubsub", PUBSUB)?.getChild("items", PUBSUB)?.getChild("item", PUBSUB)?.getChild("conference", BOOKMARKS);
}

describe("bookmarks, invitations and reactions through Prosody with mod_privilege", () => {
  let bed: Awaited<ReturnType<typeof startBedWithAlice>>;
  let alice: TestUser;
  beforeAll(async () => {
    // Alice's own client first stores a bookmark of "kept" with an extension and autojoin off.
    bed = await startBedWithAlice(fixture(), { domain: "bm.localhost", privileged: true, callbackTimeoutMs: 5000 });
    alice = bed.alice;
  });
  afterAll(() => bed?.stop());

  it("publishes a bookmark into the user's PEP when the session starts, with the room's user nick", async () => {
    let conference: any;
    for (let i = 0; i < 50 && !conference; i++) {
      conference = await readBookmark(alice, "fresh@bm.localhost");
      if (!conference) await new Promise((r) => setTimeout(r, 100));
    }
    expect(conference.attrs.autojoin).toBe("true");
    expect(conference.getChildText("nick", BOOKMARKS)).toBe("Alice A.");
    expect(bed.warnings).toEqual([]);
  });

  it("preserves an existing bookmark: its extensions survive and its autojoin stays as the user set it", async () => {
    const room = "kept@bm.localhost";
    await alice.send(
      xml("iq", { type: "set", id: "own" },
        xml("pubsub", { xmlns: PUBSUB },
          xml("publish", { node: BOOKMARKS }, xml("item", { id: room }, xml("conference", { xmlns: BOOKMARKS, autojoin: "false", name: "My name" }, xml("nick", {}, "old"), xml("extensions", {}, xml("pinned", { xmlns: "urn:example:pin" }))))),
          xml("publish-options", {}, xml("x", { xmlns: "jabber:x:data", type: "submit" }, xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, "http://jabber.org/protocol/pubsub#publish-options")), xml("field", { var: "pubsub#persist_items" }, xml("value", {}, "true")), xml("field", { var: "pubsub#max_items" }, xml("value", {}, "max")), xml("field", { var: "pubsub#send_last_published_item" }, xml("value", {}, "never")), xml("field", { var: "pubsub#access_model" }, xml("value", {}, "whitelist")))),
        ),
      ),
    );
    expect((await alice.waitFor((s) => s.attrs.id === "own"))[0]!.attrs.type).toBe("result");
    const session = (await bed.gateway.sessions.get("alice@localhost"))!;
    const kept = await session.getRoom("kept");
    expect(await kept.addToBookmarks({ autoJoin: true })).toBe(true);
    const conference = await readBookmark(alice, room);
    expect(conference!.attrs.autojoin).toBe("false");
    expect(conference!.getChildText("nick", BOOKMARKS)).toBe("alice");
    expect(conference!.getChild("extensions", BOOKMARKS)!.getChild("pinned", "urn:example:pin")).toBeDefined();
  });

  it("passes an XEP-0249 invitation to a contact to the plugin; a room elsewhere or with a password gets bad-request", async () => {
    await alice.send(xml("message", { to: "carol-id@bm.localhost", id: "inv1" }, xml("x", { xmlns: "jabber:x:conference", jid: "kept@bm.localhost", reason: "join us" })));
    await alice.send(xml("message", { to: "carol-id@bm.localhost", id: "inv2" }, xml("x", { xmlns: "jabber:x:conference", jid: "room@conference.example.org" })));
    await alice.send(xml("message", { to: "carol-id@bm.localhost", id: "inv3" }, xml("x", { xmlns: "jabber:x:conference", jid: "kept@bm.localhost", password: "pw" })));
    for (const id of ["inv2", "inv3"]) expect(conditionOf((await alice.waitFor((s) => s.attrs.id === id))[0])).toBe("bad-request");
    // The fixture network answers onSetAffiliation for an unknown contact with item-not-found: proof the call was made.
    expect(conditionOf((await alice.waitFor((s) => s.attrs.id === "inv1"))[0])).toBe("item-not-found");
  });

  it("advertises the reaction restrictions, refuses reactions outside them and echoes allowed ones", async () => {
    const room = "react@bm.localhost";
    await alice.send(xml("iq", { to: room, type: "get", id: "disco" }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
    const [disco] = await alice.waitFor((s) => s.attrs.id === "disco");
    const form = disco!.getChild("query", "http://jabber.org/protocol/disco#info")!.getChildren("x", "jabber:x:data").find((x: any) => x.getChildren("field", "jabber:x:data").some((f: any) => f.getChildText("value", "jabber:x:data") === "urn:xmpp:reactions:0:restrictions"));
    const fields = Object.fromEntries(form!.getChildren("field", "jabber:x:data").map((f: any) => [f.attrs.var, f.getChildren("value", "jabber:x:data").map((v: any) => v.getText())]));
    expect(fields).toMatchObject({ max_reactions_per_user: ["1"], allowlist: ["👍", "❤️"] });

    await alice.send(xml("presence", { to: `${room}/alice` }, xml("x", { xmlns: MUC })));
    const [fromBob] = await alice.waitFor((s) => s.getChildText("body", "jabber:client") === "react to me");
    const [legacyReaction] = await alice.waitFor((s) => s.getChild("reactions", "urn:xmpp:reactions:0") !== undefined);
    expect(legacyReaction!.attrs.from).toBe(`${room}/bob`);
    expect(legacyReaction!.getChild("reactions", "urn:xmpp:reactions:0")!.attrs.id).toBe("L-1");
    expect(legacyReaction!.getChild("stanza-id", "urn:xmpp:sid:0")).toBeDefined();
    expect(legacyReaction!.getChild("occupant-id", "urn:xmpp:occupant-id:0")).toBeDefined();
    const target = fromBob!.getChild("stanza-id", "urn:xmpp:sid:0")!.attrs.id;
    const react = (id: string, emojis: string[], to = target) =>
      alice.send(xml("message", { to: room, type: "groupchat", id }, xml("reactions", { xmlns: "urn:xmpp:reactions:0", id: to }, ...emojis.map((e) => xml("reaction", {}, e)))));
    await react("r-bad", ["🐙"]);
    await react("r-two", ["👍", "❤️"]);
    await react("r-unknown", ["👍"], "no-such-message");
    await alice.send(xml("message", { to: room, type: "groupchat", id: "r-malformed" }, xml("reactions", { xmlns: "urn:xmpp:reactions:0" })));
    await react("r-ok", ["👍"]);
    const [echo] = await alice.waitFor((s) => s.attrs.id === "r-ok");
    expect(echo!.attrs.type).toBe("groupchat");
    expect(echo!.getChild("reactions", "urn:xmpp:reactions:0")!.getChildText("reaction", "urn:xmpp:reactions:0")).toBe("👍");
    expect(echo!.getChild("stanza-id", "urn:xmpp:sid:0")).toBeDefined();
    const byId = (id: string) => alice.received.filter((s) => s.attrs.id === id);
    expect(byId("r-bad").map(conditionOf)).toEqual(["not-acceptable"]);
    expect(byId("r-two").map(conditionOf)).toEqual(["not-acceptable"]);
    expect(byId("r-unknown").map(conditionOf)).toEqual(["item-not-found"]);
    expect(byId("r-malformed").map(conditionOf)).toEqual(["bad-request"]);
  });
});

describe("bookmarks without the privilege", () => {
  it("fall back to an XEP-0249 invitation from the gateway and warn", async () => {
    const bed = await startBed({ users: ["alice@localhost"], rooms: [{ id: "solo", addToBookmarks: true }] }, { domain: "np.localhost" });
    try {
      // The session starts when the gateway goes online; the invitation waits offline or reaches the client.
      const alice = await connectUser(bed.prosody.c2sPort, "alice", PASSWORD, "r");
      const session = (await bed.gateway.sessions.get("alice@localhost"))!;
      expect(await (await session.getRoom("solo")).addToBookmarks()).toBe(false);
      const [invitation] = await alice.waitFor((s) => s.getChild("x", "jabber:x:conference") !== undefined);
      expect(invitation!.attrs.from).toBe("np.localhost");
      expect(invitation!.getChild("x", "jabber:x:conference")!.attrs.jid).toBe("solo@np.localhost");
      expect(bed.warnings.some((w) => w.includes("privilege"))).toBe(true);
      expect(bed.gateway.connection.entity.status).toBe("online");
      await alice.stop();
    } finally {
      await bed.stop();
    }
  });
});
