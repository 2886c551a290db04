/**
 * What Converse.js asks right after joining, through Prosody: the affiliation lists (items as
 * Prosody's own MUC sends them, without `role`), a role list (full real JIDs), and the vCard of
 * an occupant's real JID on the gateway (clients.md, "Converse.js 14").
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBedWithAlice } from "../helpers/e2e.js";
import { conditionOf, qualifiedTree } from "../helpers/stanzas.js";
import { type TestUser, xml } from "../helpers/xmppClient.js";

const DOMAIN = "cq.localhost";
const ROOM = `salon@${DOMAIN}`;
const ADMIN = "http://jabber.org/protocol/muc#admin";
const fixture = {
  users: ["alice@localhost"],
  rooms: [
    {
      id: "salon",
      participants: [
        { nick: "bob", contact: "bob-id", affiliation: "owner", role: "moderator" },
        { nick: "carol", contact: "carol-id", affiliation: "member" },
        // No contact behind it: no real JID to show.
        { nick: "eve", affiliation: "member" },
      ],
    },
  ],
};

describe("the queries a web client makes after joining, through Prosody", () => {
  let bed: Awaited<ReturnType<typeof startBedWithAlice>>;
  let alice: TestUser;
  beforeAll(async () => {
    bed = await startBedWithAlice(fixture, { domain: DOMAIN }, "web");
    alice = bed.alice;
    await alice.send(xml("presence", { to: `${ROOM}/alice` }, xml("x", { xmlns: "http://jabber.org/protocol/muc" })));
    await alice.waitFor((s) => s.attrs.from === ROOM && s.getChild("subject", "jabber:client") !== undefined);
  });
  afterAll(() => bed?.stop());

  const ask = async (id: string, to: string, payload: ReturnType<typeof xml>) => {
    await alice.send(xml("iq", { to, type: "get", id }, payload));
    return (await alice.waitFor((s) => s.attrs.id === id && s.is("iq", "jabber:client")))[0]!;
  };
  const items = async (id: string, attrs: Record<string, string>) =>
    (await ask(id, ROOM, xml("query", { xmlns: ADMIN }, xml("item", attrs)))).getChild("query", ADMIN)!.getChildren("item", ADMIN).map((i: any) => i.attrs);

  it("affiliation lists carry affiliation, bare jid and nick, and no role", async () => {
    expect(await items("owners", { affiliation: "owner" })).toEqual([{ affiliation: "owner", jid: `bob-id@${DOMAIN}`, nick: "bob" }]);
    expect(await items("members", { affiliation: "member" })).toEqual([
      { affiliation: "member", jid: `carol-id@${DOMAIN}`, nick: "carol" },
      { affiliation: "member", nick: "eve" },
      { affiliation: "member", jid: "alice@localhost", nick: "alice" },
    ]);
  });

  it("a role list carries the full real JID of the user's joined resource", async () => {
    expect(await items("voice", { role: "participant" })).toEqual([
      { affiliation: "member", role: "participant", jid: `carol-id@${DOMAIN}`, nick: "carol" },
      { affiliation: "member", role: "participant", nick: "eve" },
      { affiliation: "member", role: "participant", jid: alice.jid, nick: "alice" },
    ]);
  });

  it("the vCard of an occupant's contact JID is an empty vCard; an unknown JID is item-not-found", async () => {
    const vcard = await ask("vc", `carol-id@${DOMAIN}`, xml("vCard", { xmlns: "vcard-temp" }));
    expect(vcard.attrs.type).toBe("result");
    expect(qualifiedTree(vcard)).toEqual(["{jabber:client}iq", "  {vcard-temp}vCard"]);
    expect(conditionOf(await ask("vc2", `nobody@${DOMAIN}`, xml("vCard", { xmlns: "vcard-temp" })))).toBe("item-not-found");
  });
});
