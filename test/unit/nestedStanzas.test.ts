/**
 * Stanzas inside stanzas carry their own namespace (XEP-0297 §3): a MAM result's forwarded
 * message is a `jabber:client` message as a namespace-aware client resolves it, not a
 * `{urn:xmpp:forward:0}message` that poezio and slixmpp skip.
 */
import { xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { mamResult } from "../../src/protocol/xep0313.js";
import { ALICE, DOMAIN, fixtureHarness, iq, joined, lobbyFixture } from "../helpers/harness.js";
import { MAM_RESULT_HEAD, qualifiedTree } from "../helpers/stanzas.js";

const ROOM = `lobby@${DOMAIN}`;
const MAM = "urn:xmpp:mam:2";

describe("nested stanzas", () => {
  it("a MAM result forwards the archived message in jabber:client, with its children in their namespaces", async () => {
    const history = [{ id: "h1", from: "bob", body: "hello", at: "2026-11-20T10:00:00Z" }];
    const h = fixtureHarness(lobbyFixture({ history }));
    await joined(h, "lobby");
    h.route(iq("set", ROOM, xml("query", { xmlns: MAM, queryid: "q1" }), "mam"));
    await h.settle();
    const [result, fin] = h.take();
    expect(fin!.attrs).toMatchObject({ id: "mam", type: "result" });
    expect(result!.attrs).toMatchObject({ from: ROOM, to: `${ALICE}/phone` });
    expect(qualifiedTree(result!)).toEqual([
      ...MAM_RESULT_HEAD,
      "        {urn:xmpp:sid:0}stanza-id",
      "        {urn:xmpp:occupant-id:0}occupant-id",
      "        {http://jabber.org/protocol/chatstates}active",
      "        {urn:xmpp:chat-markers:0}markable",
    ]);
  });

  it("a stanza the component stream declared is forwarded in jabber:client too", () => {
    const archived = xml("message", { xmlns: "jabber:component:accept", from: `${ROOM}/bob`, type: "groupchat" }, xml("body", {}, "hi"));
    const result = mamResult({ from: ROOM, to: ALICE, id: "s1", stamp: new Date(0), message: archived });
    expect(qualifiedTree(result)).toEqual(MAM_RESULT_HEAD);
    expect(archived.attrs.xmlns).toBe("jabber:component:accept");
  });
});
