/**
 * The outbox across a dying connection (what it wrote and the server did not prove read is
 * written again, in order, within the queue's bound) and against oversized stanzas.
 */
import { xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { parseElements } from "../../src/protocol/parseXml.js";
import { Outbox } from "../../src/transport/outbox.js";
import { isQualified, qualifiedChild, qualifiedTree } from "../helpers/stanzas.js";
import { FakeConnection } from "../helpers/fakeConnection.js";

const stanza = (id: string, body = "") => xml("message", { id, from: "room@muc.example.org/bob", to: "alice@example.org/a" }, body ? xml("body", {}, body) : undefined);
const tick = () => new Promise((resolve) => process.nextTick(resolve));

/** An outbox over a fake connection, with what it reported. */
function setup(options: { maxQueue?: number; maxStanzaBytes?: number } = {}) {
  const c = new FakeConnection();
  const drops: string[] = [];
  const warnings: string[] = [];
  const outbox = new Outbox(c, {
    domain: "muc.example.org",
    ...options,
    onDrop: (s, reason) => drops.push(`${s.attrs.id} ${reason}`),
    onWarning: (message) => warnings.push(message),
  });
  c.goOnline();
  return { c, outbox, drops, warnings };
}

describe("outbox across a reconnect", () => {
  it("writes again, first and in order, what the dead connection did not prove read, and not what a probe proved", async () => {
    const { c, outbox, warnings } = setup();
    for (const id of ["1", "2"]) outbox.send(stanza(id));
    await tick();
    // The probe after 1 and 2 comes back: the server read them.
    expect(c.answerProbes(outbox)).toBe(1);
    await tick();
    for (const id of ["3", "4"]) outbox.send(stanza(id));
    await tick();
    expect(c.written).toEqual(["1", "2", "3", "4"]);
    c.die();
    outbox.send(stanza("5")); // sent while offline
    c.goOnline();
    expect(c.written).toEqual(["1", "2", "3", "4", "3", "4", "5"]);
    expect(outbox.stats).toMatchObject({ resent: 2, resentInDoubt: 2, unconfirmedForgotten: 0 });
    expect(warnings).toEqual(["re-sending 2 stanza(s) written to a connection that died before the server was proven to have read them; 2 of them had reached the socket and may arrive twice"]);
  });

  it("probes after a write when no probe is in flight, and again, at least 10 ms later, once it is answered and more was written", async () => {
    const { c, outbox } = setup();
    outbox.send(stanza("1"));
    await tick();
    outbox.send(stanza("2"));
    await tick();
    expect(c.probes).toHaveLength(1);
    c.answerProbes(outbox);
    await tick();
    expect(c.probes).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 15));
    expect(c.probes).toHaveLength(1);
    c.answerProbes(outbox);
    await tick();
    expect(c.probes).toHaveLength(0);
    c.die();
    c.goOnline();
    expect(c.written).toEqual(["1", "2"]);
    expect(outbox.stats.resent).toBe(0);
  });

  it("a busy outbox probes every 32 KiB even while a probe is in flight; an answer proves the probes before it too", async () => {
    const { c, outbox } = setup();
    // Three writes of 64 KiB and more: one probe after each.
    for (let i = 0; i < 6; i++) outbox.send(stanza(String(i), "x".repeat(40_000)));
    await tick();
    expect(c.writes).toBe(3);
    expect(c.probes).toHaveLength(3);
    outbox.confirm(xml("iq", { type: "result", id: c.probes[2], from: "muc.example.org", to: "muc.example.org" }));
    c.die();
    c.goOnline();
    expect(outbox.stats.resent).toBe(0);
  });

  it("a probe answered on an old stream proves nothing on the new one, and is taken by the outbox", async () => {
    const { c, outbox } = setup();
    outbox.send(stanza("1"));
    await tick();
    const old = c.probes[0] as string;
    c.die();
    c.goOnline();
    expect(c.written).toEqual(["1", "1"]);
    expect(outbox.confirm(xml("iq", { type: "get", id: old, from: "muc.example.org", to: "muc.example.org" }))).toBe(true);
    expect(outbox.confirm(xml("iq", { type: "get", id: "other", from: "muc.example.org", to: "muc.example.org" }))).toBe(false);
    c.die();
    c.goOnline();
    expect(c.written).toEqual(["1", "1", "1"]);
  });

  it("counts a failed write as re-sent but not in doubt", async () => {
    const { c, outbox } = setup();
    c.failWrites = true;
    outbox.send(stanza("1"));
    await tick();
    await tick();
    c.die();
    c.failWrites = false;
    c.goOnline();
    expect(c.written).toEqual(["1"]);
    expect(outbox.stats).toMatchObject({ resent: 1, resentInDoubt: 0 });
  });

  it("keeps what it re-sends within the queue's bound, dropping the oldest and reporting them", async () => {
    const { c, outbox, drops, warnings } = setup({ maxQueue: 3 });
    for (const id of ["1", "2", "3"]) outbox.send(stanza(id));
    await tick();
    c.die();
    for (const id of ["4", "5"]) outbox.send(stanza(id));
    c.goOnline();
    expect(c.written).toEqual(["1", "2", "3", "3", "4", "5"]);
    expect(drops).toEqual(["1 queue-full", "2 queue-full"]);
    expect(outbox.stats).toMatchObject({ resent: 1, dropped: { "queue-full": 2 } });
    expect(warnings[0]).toContain("2 dropped by the queue's bound (maxOutboxQueue)");
  });

  it("reports what it no longer held when more than its bound awaited proof", async () => {
    const { c, outbox, warnings } = setup({ maxQueue: 2 });
    for (const id of ["1", "2", "3", "4"]) {
      outbox.send(stanza(id));
      await tick();
    }
    c.die();
    c.goOnline();
    expect(c.written).toEqual(["1", "2", "3", "4", "3", "4"]);
    expect(outbox.stats.unconfirmedForgotten).toBe(2);
    expect(warnings[0]).toContain("2 more were no longer held and may be lost");
  });

  it("drops a stanza as undeliverable after three connections died without proving it read", async () => {
    const { c, outbox, drops } = setup();
    outbox.send(stanza("poison"));
    await tick();
    for (let i = 0; i < 4; i++) {
      c.die();
      c.goOnline();
    }
    expect(c.written).toEqual(["poison", "poison", "poison", "poison"]);
    expect(drops).toEqual(["poison undeliverable"]);
  });
});

describe("outbox size bound", () => {
  it("never writes a stanza over maxStanzaBytes in UTF-8 bytes, drops it as too-large and warns", async () => {
    const { c, outbox, drops, warnings } = setup({ maxStanzaBytes: 20_000 });
    // 9,000 characters of 3 bytes each: 27,000 bytes, though only ~9,100 characters.
    outbox.send(stanza("wide", "€".repeat(9_000)));
    outbox.send(stanza("fits", "x".repeat(19_000)));
    outbox.send(stanza("after"));
    await tick();
    expect(c.written).toEqual(["fits", "after"]);
    expect(drops).toEqual(["wide too-large"]);
    expect(outbox.stats.dropped["too-large"]).toBe(1);
    expect(warnings).toEqual([expect.stringMatching(/^dropped a message to alice@example\.org\/a of 27\d{3} bytes: over maxStanzaBytes \(20000 bytes\)$/)]);
  });

  it("answers an iq whose result is over the bound with resource-constraint instead, in its place", async () => {
    const { c, outbox, drops } = setup({ maxStanzaBytes: 20_000 });
    const data: string[] = [];
    const write = c.write.bind(c);
    c.write = async (d: string) => {
      data.push(d);
      await write(d);
    };
    outbox.send(xml("iq", { type: "result", id: "members", from: "room@muc.example.org", to: "alice@example.org/a" }, xml("query", {}, "x".repeat(25_000))));
    outbox.send(stanza("after"));
    await tick();
    const [reply] = parseElements(data.join("")).filter((s) => isQualified(s, "{jabber:client}iq") && s.attrs.id === "members");
    expect(reply!.attrs).toEqual({ type: "error", id: "members", from: "room@muc.example.org", to: "alice@example.org/a" });
    expect(qualifiedTree(reply!, "jabber:component:accept")).toEqual([
      "{jabber:component:accept}iq",
      "  {jabber:component:accept}error",
      "    {urn:ietf:params:xml:ns:xmpp-stanzas}resource-constraint",
      "    {urn:ietf:params:xml:ns:xmpp-stanzas}text",
    ]);
    expect(qualifiedChild(reply!, "{jabber:client}error")!.getChildText("text", "urn:ietf:params:xml:ns:xmpp-stanzas")).toContain("over this gateway's limit of 20000 bytes");
    expect(c.written).toEqual(["after"]);
    expect(drops).toEqual(["members too-large"]);
  });
});
