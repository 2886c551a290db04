/**
 * The echo of a user's groupchat message is serialized once: the archived row and every joined
 * resource's echo are the same text but for `to` (issue 18: the echo was built twice, once for
 * the archive and once per resource).
 */
import { xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { SerializedElement } from "../../src/protocol/serializedElement.js";
import { parseElement } from "../../src/protocol/parseXml.js";
import { cloneElement } from "../../src/protocol/rfc6120.js";
import { stripStanzaIds } from "../../src/protocol/xep0359.js";
import { isOccupantId } from "../../src/protocol/xep0421.js";
import { ALICE, DOMAIN, fixtureHarness, groupchat, joined, lobbyFixture } from "../helpers/harness.js";
import { qualifiedText, qualifiedTree } from "../helpers/stanzas.js";

const ROOM = `lobby@${DOMAIN}`;
const DELAY = "urn:xmpp:delay";
/** A stanza's text with its `to` taken out. */
const withoutTo = (text: string) => text.replace(/ to="[^"]*"/, "");

describe("the echo of a user's message", () => {
  it("is one serialization: the archived row and each resource's echo differ only in `to`", async () => {
    const h = fixtureHarness(lobbyFixture());
    await joined(h, "lobby", ["phone", "laptop"]);
    h.route(groupchat("lobby", "hello <all> & 'you'"));
    await h.settle();
    const echoes = h.take();
    expect(echoes.map((e) => e.attrs.to)).toEqual([`${ALICE}/phone`, `${ALICE}/laptop`]);
    // Made from one text, not built element by element for each resource.
    for (const e of echoes) expect(e).toBeInstanceOf(SerializedElement);
    const [row] = h.store.queryArchive({ user: ALICE, room: ROOM }, { max: 10 }).messages;
    expect(row!.xml).toContain(` to="${ALICE}"`);
    expect(echoes.map((e) => withoutTo(e.toString()))).toEqual([withoutTo(row!.xml), withoutTo(row!.xml)]);
    expect(qualifiedTree(echoes[1]!)).toEqual([
      "{jabber:client}message",
      "  {jabber:client}body",
      "  {urn:xmpp:sid:0}stanza-id",
      "  {urn:xmpp:occupant-id:0}occupant-id",
    ]);
    expect(qualifiedText(echoes[1]!, "{jabber:client}body")).toBe("hello <all> & 'you'");
  });

  it("with a <delay/> from the client: the resources get it, the archived row does not", async () => {
    const h = fixtureHarness(lobbyFixture());
    await joined(h, "lobby");
    const message = groupchat("lobby", "late");
    message.append(xml("delay", { xmlns: DELAY, stamp: "2026-12-01T10:00:00Z" }));
    h.route(message);
    await h.settle();
    const [echo, ...rest] = h.take();
    expect(rest).toEqual([]);
    expect(echo!.getChild("delay", DELAY)?.attrs.stamp).toBe("2026-12-01T10:00:00Z");
    const [row] = h.store.queryArchive({ user: ALICE, room: ROOM }, { max: 10 }).messages;
    expect(row!.xml).not.toContain("delay");
    expect(row!.xml).toContain("<body>late</body>");
  });

  it("is what a copy of the client's message would serialize to: attributes and children in order, forged ids dropped, the message itself untouched", async () => {
    const h = fixtureHarness(lobbyFixture());
    await joined(h, "lobby");
    const message = parseElement(
      `<message xmlns="jabber:client" id="m-1" xml:lang="en" to="${ROOM}" type="groupchat">` +
        `<body>&gt; quoted\nreply &amp; more</body>` +
        `<reply xmlns="urn:xmpp:reply:0" id="target-1" to="${ROOM}/bob"/>` +
        `<fallback xmlns="urn:xmpp:fallback:0" for="urn:xmpp:reply:0"><body start="0" end="9"/></fallback>` +
        `<origin-id xmlns="urn:xmpp:sid:0" id="origin-1"/>` +
        `<stanza-id xmlns="urn:xmpp:sid:0" id="forged" by="${ROOM}"/>` +
        `<stanza-id xmlns="urn:xmpp:sid:0" id="theirs" by="elsewhere.example"/>` +
        `<occupant-id xmlns="urn:xmpp:occupant-id:0" id="forged-occupant"/>` +
        `</message>`,
    );
    message.attrs.from = `${ALICE}/phone`;
    const before = message.toString();
    h.route(message);
    await h.settle();
    const [echo] = h.take();
    // The copy echoOf makes, serialized the old way.
    const copy = cloneElement(message);
    stripStanzaIds(copy, ROOM);
    copy.children = copy.children.filter((c) => typeof c === "string" || !isOccupantId(c));
    copy.attrs = { ...copy.attrs, from: echo!.attrs.from, to: echo!.attrs.to, type: "groupchat" };
    delete copy.attrs.xmlns;
    copy.append(xml("stanza-id", { xmlns: "urn:xmpp:sid:0", id: echo!.getChildren("stanza-id", "urn:xmpp:sid:0").find((c) => c.attrs.by === ROOM)!.attrs.id, by: ROOM }));
    copy.append(xml("occupant-id", { xmlns: "urn:xmpp:occupant-id:0", id: echo!.getChild("occupant-id", "urn:xmpp:occupant-id:0")!.attrs.id }));
    expect(echo!.toString()).toBe(copy.toString());
    expect(echo!.toString()).not.toContain("forged");
    expect(echo!.toString()).toContain(`id="theirs"`);
    expect(message.toString()).toBe(before);
    for (const child of message.children) if (typeof child !== "string") expect(child.parent).toBe(message);
  });
});
