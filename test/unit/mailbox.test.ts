import { xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import type { InspectionEvent } from "xstate";
import { RoomRegistry } from "../../src/actors/registry.js";
import { ALICE, DOMAIN, conditionOf, fixtureHarness, groupchat, iq, joinPresence, lobbyFixture } from "../helpers/harness.js";
import { qualifiedChild, qualifiedText } from "../helpers/stanzas.js";

const ROOM = `lobby@${DOMAIN}`;
const OWNER = "http://jabber.org/protocol/muc#owner";
const rename = (name: string, id: string, room = ROOM) =>
  iq(
    "set",
    room,
    xml("query", { xmlns: OWNER }, xml("x", { xmlns: "jabber:x:data", type: "submit" }, xml("field", { var: "muc#roomconfig_roomname" }, xml("value", {}, name)))),
    id,
  );
const answers = (out: ReturnType<ReturnType<typeof fixtureHarness>["take"]>) =>
  out.filter((s) => s.name === "iq").map((s) => `${s.attrs.id}:${s.attrs.type === "result" ? "ok" : conditionOf(s)}`);
const errorText = (s: { getChild: (n: string) => any }) => s.getChild("error")?.getChildText("text", "urn:ietf:params:xml:ns:xmpp-stanzas");

describe("the room mailbox", () => {
  it("refuses requests beyond the mailbox size with resource-constraint (wait) and keeps working", async () => {
    const h = fixtureHarness(lobbyFixture({ delayMs: { requests: 20 } }), { mailboxSize: 2 });
    for (const id of ["a", "b", "c", "d"]) h.route(rename(id, id));
    await h.settle(5);
    const refused = h.take();
    expect(answers(refused)).toEqual(["d:resource-constraint"]);
    expect(qualifiedChild(refused[0]!, "{jabber:client}error")!.attrs.type).toBe("wait");
    await h.until(() => h.sent.filter((s) => s.name === "iq").length >= 3);
    expect(answers(h.take())).toEqual(["a:ok", "b:ok", "c:ok"]);
    h.route(rename("e", "e"));
    await h.until(() => h.sent.filter((s) => s.name === "iq").length >= 1);
    expect(answers(h.take())).toEqual(["e:ok"]);
  });

  it("takes the messages of one socket read as one event of the machine, reports their callbacks in one event, and echoes each in order", async () => {
    const events: string[] = [];
    const reports: number[] = [];
    const h = fixtureHarness(lobbyFixture(), {
      inspect: (e) => {
        if (e.type !== "@xstate.event") return;
        if (e.sourceRef === undefined) events.push(e.event.type);
        else if (e.event.type === "requests.settled") reports.push((e.event as unknown as { outcomes: unknown[] }).outcomes.length);
      },
    });
    h.route(joinPresence("lobby", "alice"));
    await h.until(() => h.sent.some((s) => qualifiedChild(s, "{jabber:client}subject") !== undefined));
    h.take();
    events.length = 0;
    reports.length = 0;
    for (let i = 0; i < 5; i++) h.route(groupchat("lobby", `m${i}`, "phone", `m${i}`));
    await h.until(() => h.sent.length >= 5);
    // The five of one synchronous run in one event at its end: the runner has them all before the first ends.
    expect(events.filter((e) => e.startsWith("request"))).toEqual(["requests"]);
    expect(reports).toEqual([5]);
    expect(h.take().map((s) => `${s.name}/${s.attrs.type} ${s.attrs.id} ${s.getChild("stanza-id", "urn:xmpp:sid:0") ? "sid" : ""}`)).toEqual(
      [0, 1, 2, 3, 4].map((i) => `message/groupchat m${i} sid`),
    );
  });

  it("sends what the plugin says during a request's callback after the echoes of the requests before it, and before its own", async () => {
    const h = fixtureHarness(lobbyFixture());
    h.route(joinPresence("lobby", "alice"));
    await h.until(() => h.sent.some((s) => qualifiedChild(s, "{jabber:client}subject") !== undefined));
    h.take();
    const actor = h.registry.peek(ALICE, ROOM)!;
    const bob = await actor.room.getParticipant("bob");
    const onText = actor.room.onText.bind(actor.room);
    // m1's callback answers on the legacy network while m0's outcome may still be held by the runner.
    actor.room.onText = async (text, options) => {
      if (text === "m1") bob.sendText("bob answers m1");
      return onText(text, options);
    };
    for (let i = 0; i < 3; i++) h.route(groupchat("lobby", `m${i}`, "phone", `m${i}`));
    await h.until(() => h.sent.filter((s) => s.name === "message").length >= 4);
    const from = (s: { attrs: { from?: string } }) => s.attrs.from?.split("/")[1];
    expect(h.take().filter((s) => s.name === "message").map((s) => `${from(s)}: ${qualifiedText(s, "{jabber:client}body")}`)).toEqual([
      "alice: m0",
      "bob: bob answers m1",
      "alice: m1",
      "alice: m2",
    ]);
  });

  it("answers every message of a socket read that also shuts the room down", async () => {
    const h = fixtureHarness(lobbyFixture({ delayMs: { requests: 20 } }));
    h.route(joinPresence("lobby", "alice"));
    await h.until(() => h.sent.some((s) => qualifiedChild(s, "{jabber:client}subject") !== undefined));
    h.take();
    for (let i = 0; i < 3; i++) h.route(groupchat("lobby", `m${i}`, "phone", `m${i}`));
    const tally = h.registry.peek(ALICE, ROOM)!.shutdown(1000);
    expect(await tally).toEqual({ refused: 2, abandoned: 0 });
    const messages = h.take().filter((s) => s.name === "message");
    expect(messages.map((s) => `${s.attrs.id}:${s.attrs.type === "error" ? conditionOf(s) : "echo"}`)).toEqual(["m1:service-unavailable", "m2:service-unavailable", "m0:echo"]);
  });

  it("answers a hanging callback with remote-server-timeout and goes on with the next request", async () => {
    const h = fixtureHarness(lobbyFixture({ delayMs: { requests: 5000 } }), { callbackTimeoutMs: 30 });
    h.route(rename("slow", "slow"));
    for (let i = 0; i < 100 && h.sent.length === 0; i++) await h.settle(10);
    expect(answers(h.take())).toEqual(["slow:remote-server-timeout"]);
    const actor = h.registry.peek(ALICE, ROOM)!;
    actor.room.onSetConfig = async () => {};
    h.route(rename("fast", "fast"));
    await h.until(() => h.sent.filter((s) => s.name === "iq").length >= 1);
    expect(answers(h.take())).toEqual(["fast:ok"]);
    expect(actor.snapshot.status).toBe("active");
  });

  it("maps a plugin's errors: XMPPError passes through, not implemented, and anything else leaks nothing", async () => {
    const h = fixtureHarness(lobbyFixture({ reject: { setConfig: "not-allowed" } }));
    h.route(rename("x", "rejected"));
    await h.settle();
    const actor = h.registry.peek(ALICE, ROOM)!;
    actor.room.onSetConfig = async () => {
      throw new Error("db password hunter2 at /srv/secret.ts:12");
    };
    h.route(rename("x", "thrown"));
    await h.settle();
    delete (actor.room as unknown as Record<string, unknown>).onSetConfig;
    Object.setPrototypeOf(actor.room, Object.getPrototypeOf(Object.getPrototypeOf(actor.room)));
    h.route(rename("x", "missing"));
    await h.settle();
    const out = h.take();
    expect(answers(out)).toEqual(["rejected:not-allowed", "thrown:internal-server-error", "missing:feature-not-implemented"]);
    expect(errorText(out[1]!)).not.toMatch(/hunter2|secret/);
  });

  it("answers reads at once while a slow request holds the mailbox", async () => {
    const h = fixtureHarness(lobbyFixture({ delayMs: { requests: 200 } }));
    h.route(rename("slow", "slow"));
    await h.settle(5);
    h.route(iq("get", ROOM, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }), "disco"));
    h.route(iq("get", ROOM, xml("query", { xmlns: OWNER }), "form"));
    h.route(iq("get", ROOM, xml("vCard", { xmlns: "vcard-temp" }), "vcard"));
    h.route(iq("get", ROOM, xml("query", { xmlns: "http://jabber.org/protocol/muc#admin" }, xml("item", { affiliation: "owner" })), "admins"));
    await h.until(() => h.sent.filter((s) => s.name === "iq").length >= 4);
    expect(answers(h.take()).sort()).toEqual(["admins:ok", "disco:ok", "form:ok", "vcard:ok"]);
    expect(h.registry.peek(ALICE, ROOM)!.snapshot.context.current?.kind).toBe("setConfig");
  });

  it("keeps rooms independent: a slow callback in one room delays nothing in another", async () => {
    const fixture = lobbyFixture({ delayMs: { requests: 300 } });
    fixture.rooms.push({ ...fixture.rooms[0]!, id: "other", delayMs: { requests: 0 } } as never);
    const h = fixtureHarness(fixture);
    h.route(rename("a", "slow"));
    h.route(rename("b", "quick", `other@${DOMAIN}`));
    await h.until(() => h.sent.filter((s) => s.name === "iq").length >= 1);
    expect(answers(h.take())).toEqual(["quick:ok"]);
  });

  it("shows every request and its outcome through XState inspection", async () => {
    const events: InspectionEvent[] = [];
    const h = fixtureHarness(lobbyFixture());
    const inspected = new RoomRegistry({
      domain: DOMAIN,
      outbox: { send() {}, sendAll() {} },
      mailboxSize: 10,
      callbackTimeoutMs: 1000,
      maxRooms: 10,
      inspect: (e) => events.push(e),
    });
    const session = (await h.sessions.get(ALICE))!;
    const actor = await inspected.get(session, "lobby");
    actor.request(rename("n", "i1"), "setConfig", async () => () => []);
    actor.request(rename("n", "i2"), "setConfig", async () => {
      throw new Error("boom");
    });
    await new Promise((r) => setTimeout(r, 20));
    const types = events.filter((e) => e.type === "@xstate.event").map((e) => (e as { event: { type: string } }).event.type);
    // Two requests of one synchronous run: one event at its end; both handed to the runner in one
    // `run`, and it reports them in one event.
    expect(types.filter((t) => t === "requests")).toEqual(["requests"]);
    expect(types.filter((t) => t === "run")).toHaveLength(1);
    expect(types.filter((t) => t === "requests.settled")).toEqual(["requests.settled"]);
    const emitted = events
      .filter((e) => e.type === "@xstate.action")
      .map((e) => (e as { action: { type: string; params: { event?: { type: string; id?: string; ok?: boolean } } } }).action)
      .filter((a) => a.type === "xstate.emit" && a.params.event?.type === "request.settled")
      .map((a) => a.params.event);
    expect(emitted.map((e) => e?.ok)).toEqual([true, false]);
  });
});
