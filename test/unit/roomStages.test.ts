/**
 * Every stage a room can be in is in its machine (issue 14, "the chart tells the whole truth"):
 * each test holds a room in one stage, sees it in `actor.getSnapshot()` and in the inspector's
 * view of the room, and checks what the user gets meanwhile.
 */
import { type Element, xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import type { InspectionEvent } from "xstate";
import { ALICE, conditionOf, endsJoin, groupchat, iq, joined, joinPresence } from "../helpers/harness.js";
import { STAGE, STANZAS_NS, gate, joinWithHistory, stageHarness, subjectChange } from "../helpers/stageRoom.js";
import { qualifiedChild, qualifiedText } from "../helpers/stanzas.js";

const to = (resource: string) => (s: Element) => s.attrs.to === `${ALICE}/${resource}`;
const subjects = (out: Element[]) => out.filter((s) => qualifiedChild(s, "{jabber:client}subject") !== undefined).map((s) => qualifiedText(s, "{jabber:client}subject"));

describe("a room muted while updateInfo or fillParticipants runs", () => {
  it("is muted while updateInfo runs: the tag, the fetching state and the call are shown, and a subject set meanwhile is not broadcast", async () => {
    const fetching = gate();
    const h = stageHarness({
      async updateInfo(room) {
        room.name = "Stage";
        await fetching.wait();
      },
    });
    h.route(joinPresence("stage", "alice"));
    await h.until(() => fetching.reached && h.registry.peek(ALICE, STAGE)?.snapshot.context.joins.length === 1);
    const snapshot = h.actor().snapshot;
    expect(snapshot.hasTag("muted")).toBe(true);
    expect(snapshot.matches({ active: { lifecycle: { uninitialized: "fetching" } } })).toBe(true);
    // A legacy event while the call runs, with the join waiting for the room.
    h.actor().room.subject = "Fetched subject";
    const view = h.view();
    expect(view.state).toBe("uninitialized.fetching");
    expect(view.activeStates).toContain("fetching");
    expect(view.calls).toEqual([{ callback: "updateInfo", elapsedMs: expect.any(Number) }]);

    fetching.open();
    await h.until(() => h.sent.some(endsJoin(STAGE, "phone")));
    // The join sequence carries the subject, once: it was not also held as live traffic for the join.
    expect(subjects(h.take())).toEqual(["Fetched subject"]);
    expect(h.actor().snapshot.hasTag("muted")).toBe(false);
    expect(h.view().calls).toEqual([]);
    h.actor().room.subject = "Later";
    expect(h.take().map((s) => `${s.attrs.to} ${qualifiedText(s, "{jabber:client}subject") ?? null}`)).toEqual([`${ALICE}/phone Later`]);
  });

  it("is muted while fillParticipants runs: the tag, the filling state and the call are shown, and a subject set meanwhile is not broadcast", async () => {
    const filling = gate();
    const h = stageHarness({
      async fillParticipants(room) {
        await room.getParticipant("bob");
        room.subject = "Filled subject";
        await filling.wait();
      },
    });
    h.route(joinPresence("stage", "alice"));
    await h.until(() => filling.reached);
    const snapshot = h.actor().snapshot;
    expect(snapshot.hasTag("muted")).toBe(true);
    expect(snapshot.matches({ active: { lifecycle: { infoFetched: "filling" } } })).toBe(true);
    const view = h.view();
    expect(view.state).toBe("infoFetched.filling");
    expect(view.activeStates).toContain("filling");
    expect(view.calls).toEqual([{ callback: "fillParticipants", elapsedMs: expect.any(Number) }]);
    expect(h.sent).toEqual([]);

    filling.open();
    await h.until(() => h.sent.some(endsJoin(STAGE, "phone")));
    const out = h.take();
    expect(subjects(out)).toEqual(["Filled subject"]);
    expect(out.filter((s) => s.attrs.from === `${STAGE}/bob`)).toHaveLength(1);
    expect(h.actor().snapshot.hasTag("muted")).toBe(false);
    h.actor().room.subject = "Later";
    expect(subjects(h.take())).toEqual(["Later"]);
  });
});

describe("a room backfilling", () => {
  it("shows the backfilling state and call; a participant message sent meanwhile is archived, not sent live", async () => {
    const backfilling = gate();
    const h = stageHarness({
      async backfill(room) {
        (await room.getParticipant("bob")).sendText("from the backlog", { legacyId: "old-1", when: new Date("2026-11-20T09:00:00Z") });
        await backfilling.wait();
      },
    });
    // The phone asks for no history: no backfill yet. The laptop's join wants history: it runs.
    h.route(joinWithHistory(STAGE, "phone", 0));
    await h.until(() => h.sent.some(endsJoin(STAGE, "phone")));
    h.take();
    h.route(joinPresence("stage", "alice", "laptop"));
    await h.until(() => backfilling.reached);
    const actor = h.actor();
    expect(actor.snapshot.hasTag("backfilling")).toBe(true);
    expect(actor.snapshot.matches({ active: { archive: "backfilling" } })).toBe(true);
    const view = h.view();
    expect(view.activeStates).toEqual(expect.arrayContaining(["backfilling", "room.active.lifecycle.joined.live"]));
    expect(view.calls).toEqual([{ callback: "backfill", elapsedMs: expect.any(Number) }]);
    expect(h.sent).toEqual([]); // the joined phone got nothing live
    const archived = h.store.queryArchive({ user: ALICE, room: STAGE }).messages;
    expect(archived.map((m) => [m.legacyId, m.xml.includes("from the backlog")])).toEqual([["old-1", true]]);

    backfilling.open();
    await h.until(() => h.sent.some(endsJoin(STAGE, "laptop")));
    const out = h.take();
    expect(out.filter(to("phone"))).toEqual([]);
    const laptop = out.filter(to("laptop"));
    const history = laptop.find((s) => qualifiedText(s, "{jabber:client}body") === "from the backlog");
    expect(history?.getChild("delay", "urn:xmpp:delay")?.attrs.stamp).toBe("2026-11-20T09:00:00.000Z");
    expect(laptop.indexOf(history!)).toBe(laptop.length - 2); // history, then the subject
    expect(actor.snapshot.hasTag("backfilling")).toBe(false);
    expect(h.view().calls).toEqual([]);
  });
});

describe("a resource's join being streamed", () => {
  it("is joined.streaming with the resource in context.streaming until its sequence is out; live traffic meanwhile follows the subject", async () => {
    const h = stageHarness({
      async fillParticipants(room) {
        for (let i = 0; i < 1000; i++) await room.getParticipant(`p${i}`);
      },
    });
    h.route(joinPresence("stage", "alice"));
    // Between two event-loop turns of the stream: some of the sequence is out, not its subject.
    const deadline = Date.now() + 10_000;
    while (h.sent.length === 0) {
      if (Date.now() > deadline) throw new Error("the join sequence did not start");
      await new Promise((r) => setImmediate(r));
    }
    expect(h.sent.some(endsJoin(STAGE, "phone"))).toBe(false);
    expect(h.sent.length).toBeLessThan(1002);
    const snapshot = h.actor().snapshot;
    expect(snapshot.matches({ active: { lifecycle: { joined: "streaming" } } })).toBe(true);
    expect(snapshot.hasTag("streamingJoin")).toBe(true);
    expect(snapshot.context.streaming).toEqual(["phone"]);
    expect(h.view().state).toBe("joined.streaming");
    expect(h.view().activeStates).toContain("streamingJoin");
    (await h.actor().room.getParticipant("p7")).sendText("live during the stream", { legacyId: "live-1" });

    await h.until(() => h.sent.some((s) => qualifiedText(s, "{jabber:client}body") === "live during the stream"));
    const out = h.take();
    expect(out).toHaveLength(1003); // 1000 occupants, the user, the subject, the live message
    expect(out.findIndex(endsJoin(STAGE, "phone"))).toBe(1001);
    expect(out[1002]!.attrs.from).toBe(`${STAGE}/p7`);
    const after = h.actor().snapshot;
    expect(after.matches({ active: { lifecycle: { joined: "live" } } })).toBe(true);
    expect(after.context.streaming).toEqual([]);
    expect(h.view().state).toBe("joined.live");
  });
});

/** The mailbox states each microstep of the room's machine went through, in order. */
const mailboxSteps = (inspected: InspectionEvent[]) =>
  inspected
    .filter((e) => e.type === "@xstate.microstep")
    .map((e) => (e.snapshot as { value?: { active?: { mailbox?: unknown } } }).value?.active?.mailbox)
    .filter((m) => m !== undefined)
    .map((m) => JSON.stringify(m));

describe("a request timing out", () => {
  it("answers remote-server-timeout, passes through mailbox.timedOut (shown by inspection), and runs the next request", async () => {
    let subjectCalls = 0;
    const h = stageHarness(
      {
        onSetSubject: () => {
          subjectCalls++;
          return new Promise(() => {}); // the legacy network never answers
        },
        onText: async () => "legacy-1",
      },
      { callbackTimeoutMs: 50 },
    );
    await joined(h, "stage");
    h.inspected.length = 0;
    h.route(subjectChange(STAGE, "Never confirmed", "phone", "s-1"));
    h.route(groupchat("stage", "next one", "phone", "m-2"));
    await h.until(() => h.sent.some((s) => s.attrs.id === "m-2"));
    const out = h.take();
    expect(out.map((s) => `${s.name}/${s.attrs.type} ${s.attrs.id} ${conditionOf(s) ?? qualifiedText(s, "{jabber:client}body")}`)).toEqual([
      "message/error s-1 remote-server-timeout",
      "message/groupchat m-2 next one",
    ]);
    const error = qualifiedChild(out[0]!, "{jabber:client}error")!;
    expect(error.attrs.type).toBe("wait");
    expect(error.getChild("remote-server-timeout", STANZAS_NS)).toBeDefined();
    expect(subjectCalls).toBe(1);

    const steps = mailboxSteps(h.inspected);
    const timedOut = steps.indexOf('"timedOut"');
    expect(timedOut).toBeGreaterThan(-1);
    expect(steps.slice(timedOut + 1)).toContain('"waiting"');
    const events = h.view().events.map((e) => `${e.dir} ${e.type}${e.condition ? ` ${e.condition}` : ""}`);
    const settled = events.indexOf("out request.settled remote-server-timeout");
    expect(settled).toBeGreaterThan(-1);
    expect(events.slice(settled + 1)).toEqual(expect.arrayContaining(["out request.started", "out request.settled"]));
    expect(h.view().calls).toEqual([]);
  });

  it("aborts the timed-out request's AbortSignal (the runner stops), and drops its late outcome", async () => {
    const h = stageHarness({}, { callbackTimeoutMs: 50 });
    const actor = await joined(h, "stage");
    const reasons: unknown[] = [];
    let finish = () => {};
    const configure = (id: string) => iq("set", STAGE, xml("query", { xmlns: "http://jabber.org/protocol/muc#owner" }), id);
    actor.request(configure("hang"), "setConfig", async (_room, cancel) => {
      cancel.signal.addEventListener("abort", () => reasons.push(cancel.signal.reason));
      await new Promise<void>((r) => (finish = r));
      return () => [xml("iq", { type: "result", id: "late", to: `${ALICE}/phone`, from: STAGE })];
    });
    actor.request(configure("next"), "setConfig", async () => () => [xml("iq", { type: "result", id: "next", to: `${ALICE}/phone`, from: STAGE })]);
    await h.until(() => h.sent.some((s) => s.attrs.id === "next"));
    expect(reasons).toHaveLength(1);
    expect(String(reasons[0])).toMatch(/runner stopped/);
    expect(h.take().map((s) => `${s.attrs.id} ${conditionOf(s) ?? s.attrs.type}`)).toEqual(["hang remote-server-timeout", "next result"]);
    finish();
    await h.settle();
    expect(h.take()).toEqual([]);
  });
});
