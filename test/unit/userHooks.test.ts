/**
 * The plugin's own lifecycle hooks, `onUserJoined(resource, { first })` and
 * `onUserLeft(resource, { last })`: queued in the room's mailbox when a resource enters (after its
 * join sequence) or leaves, run in order with the user's requests, and isolated when they fail.
 */
import { xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import { XMPPError } from "../../src/legacy/errors.js";
import { ALICE, DOMAIN, createHarness, endsJoin, groupchat, iq, joinPresence, summary } from "../helpers/harness.js";

const ROOM = `irc@${DOMAIN}`;
const leave = (resource: string) => xml("presence", { from: `${ALICE}/${resource}`, to: `${ROOM}/alice`, type: "unavailable" });

/** A room that logs its hooks and texts; `hold` makes the next hook wait until released. */
class HookRoom extends LegacyRoom {
  static log: string[] = [];
  static hold: Promise<void> | undefined;
  static fail: Error | undefined;
  static failLeft: Error | undefined;
  static holdDestroy: Promise<void> | undefined;
  override async onUserJoined(resource: string, { first }: { first: boolean }) {
    HookRoom.log.push(`joined ${resource}${first ? " first" : ""}`);
    await HookRoom.hold;
    if (HookRoom.fail) throw HookRoom.fail;
    HookRoom.log.push(`joined ${resource} done`);
  }
  override async onUserLeft(resource: string, { last }: { last: boolean }) {
    HookRoom.log.push(`left ${resource}${last ? " last" : ""}`);
    if (HookRoom.failLeft) throw HookRoom.failLeft;
  }
  override async onText(text: string) {
    HookRoom.log.push(`text ${text}`);
    return undefined;
  }
  override async onDestroyRequest() {
    HookRoom.log.push("destroy");
    await HookRoom.holdDestroy;
  }
}

class Session extends LegacySession {
  override async createRoom(id: string) {
    const room = new HookRoom(this, id);
    room.name = "IRC";
    return room;
  }
}

function harness(options: { callbackTimeoutMs?: number; mailboxSize?: number } = {}) {
  HookRoom.log = [];
  HookRoom.hold = undefined;
  HookRoom.fail = undefined;
  HookRoom.failLeft = undefined;
  HookRoom.holdDestroy = undefined;
  return createHarness({ createSession: (user) => new Session(user) }, options);
}

describe("onUserJoined and onUserLeft", () => {
  it("run in the mailbox after the join sequence, before the user's next request, with first and last for two resources", async () => {
    const h = harness();
    let release = () => {};
    HookRoom.hold = new Promise((r) => (release = r));
    h.route(joinPresence("irc", "alice", "phone", "j-phone"));
    h.route(groupchat("irc", "right after joining"));
    await h.until(() => HookRoom.log.length > 0);
    // The join sequence went out first; the message waits for the hook.
    expect(h.sent.some(endsJoin(ROOM, "phone"))).toBe(true);
    expect(HookRoom.log).toEqual(["joined phone first"]);
    release();
    await h.until(() => HookRoom.log.includes("text right after joining"));
    HookRoom.hold = undefined;
    h.route(joinPresence("irc", "alice", "laptop", "j-laptop"));
    await h.until(() => HookRoom.log.includes("joined laptop done"));
    // A join of a resource that is already in the room gets the sequence again, and no hook.
    h.route(joinPresence("irc", "alice", "laptop", "j-again"));
    await h.until(() => h.sent.filter(endsJoin(ROOM, "laptop")).length === 2);
    h.route(leave("phone"));
    h.route(leave("laptop"));
    await h.until(() => HookRoom.log.includes("left laptop last"));
    h.route(joinPresence("irc", "alice", "phone", "j-back"));
    await h.until(() => HookRoom.log.filter((entry) => entry === "joined phone done").length === 2);
    expect(HookRoom.log).toEqual([
      "joined phone first",
      "joined phone done",
      "text right after joining",
      "joined laptop",
      "joined laptop done",
      "left phone",
      "left laptop last",
      "joined phone first",
      "joined phone done",
    ]);
    expect(h.warnings).toEqual([]);
    expect(h.errors).toEqual([]);
  });

  it("a hook that throws is a warning: the join stands and the next request runs", async () => {
    const h = harness();
    HookRoom.fail = new XMPPError("service-unavailable", "the IRC server refused JOIN");
    h.route(joinPresence("irc", "alice", "phone", "j-phone"));
    h.route(groupchat("irc", "hello"));
    await h.until(() => HookRoom.log.includes("text hello"));
    await h.settle();
    const out = h.take().map(summary);
    expect(out).toEqual([
      `presence ${ROOM}/alice -> ${ALICE}/phone [100,110]`,
      `message/groupchat ${ROOM} -> ${ALICE}/phone subject`,
      `message/groupchat ${ROOM}/alice -> ${ALICE}/phone body=hello`,
    ]);
    expect(h.warnings.map(([message, error]) => [message, (error as { condition?: string }).condition])).toEqual([
      [`onUserJoined failed in ${ROOM}: service-unavailable`, "service-unavailable"],
    ]);
  });

  it("a hook that outlives the request timeout is a warning (remote-server-timeout), and the mailbox goes on", async () => {
    const h = harness({ callbackTimeoutMs: 50 });
    HookRoom.hold = new Promise(() => {});
    h.route(joinPresence("irc", "alice", "phone", "j-phone"));
    h.route(groupchat("irc", "after the timeout"));
    await h.until(() => HookRoom.log.includes("text after the timeout"));
    expect(HookRoom.log).toEqual(["joined phone first", "text after the timeout"]);
    expect(h.warnings.map(([message]) => message)).toEqual([`onUserJoined failed in ${ROOM}: remote-server-timeout`]);
  });

  it("onUserLeft runs for a resource its client reports gone (an error presence), with last", async () => {
    const h = harness();
    h.route(joinPresence("irc", "alice", "phone", "j-phone"));
    await h.until(() => HookRoom.log.includes("joined phone done"));
    h.route(
      xml("presence", { from: `${ALICE}/phone`, to: `${ROOM}/alice`, type: "error" }, xml("error", { type: "cancel" }, xml("gone", { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" }))),
    );
    await h.until(() => HookRoom.log.includes("left phone last"));
    expect(h.registry.peek(ALICE, ROOM)!.snapshot.context.resources).toEqual([]);
  });

  it("onUserLeft is queued even when the user's requests filled the mailbox, which refuses the next message", async () => {
    const h = harness({ mailboxSize: 2 });
    let release = () => {};
    HookRoom.hold = new Promise((r) => (release = r));
    h.route(joinPresence("irc", "alice", "phone", "j-phone"));
    await h.until(() => HookRoom.log.includes("joined phone first"));
    for (const text of ["one", "two", "three"]) h.route(groupchat("irc", text));
    await h.until(() => h.sent.some((s) => s.attrs.type === "error"));
    expect(h.sent.filter((s) => s.attrs.type === "error").map(summary)).toEqual([`message/error ${ROOM} -> ${ALICE}/phone error=resource-constraint`]);
    h.route(leave("phone"));
    release();
    await h.until(() => HookRoom.log.includes("left phone last"));
    expect(HookRoom.log).toEqual(["joined phone first", "joined phone done", "text one", "text two", "left phone last"]);
    expect(h.warnings).toEqual([]);
  });

  it("a plugin that overrides neither hook queues no request for a join", async () => {
    const h = createHarness({ createSession: (user) => new (class extends LegacySession { override async createRoom(id: string) { return new LegacyRoom(this, id); } })(user) });
    h.route(joinPresence("irc", "alice", "phone"));
    await h.until(() => h.sent.some(endsJoin(ROOM, "phone")));
    const actor = h.registry.peek(ALICE, ROOM)!;
    expect(actor.snapshot.context.current).toBeNull();
    expect(actor.snapshot.context.mailbox).toEqual([]);
  });

  describe("when the room ends with the user in it", () => {
    const destroyIq = iq("set", ROOM, xml("query", { xmlns: "http://jabber.org/protocol/muc#owner" }, xml("destroy", {}, xml("reason", {}, "done"))), "d-1");

    async function joinedBoth() {
      const h = harness();
      h.route(joinPresence("irc", "alice", "phone", "j-phone"));
      await h.until(() => HookRoom.log.includes("joined phone done"));
      h.route(joinPresence("irc", "alice", "laptop", "j-laptop"));
      await h.until(() => HookRoom.log.includes("joined laptop done"));
      h.take();
      return h;
    }

    it("a destroy request calls onUserLeft once, with last, after the destroy presences and the iq result", async () => {
      const h = await joinedBoth();
      h.route(destroyIq);
      await h.until(() => HookRoom.log.includes("left laptop last"));
      await h.settle(20);
      expect(HookRoom.log.slice(4)).toEqual(["destroy", "left laptop last"]);
      expect(h.take().map(summary)).toEqual([
        `presence/unavailable ${ROOM}/alice -> ${ALICE}/phone [110]`,
        `presence/unavailable ${ROOM}/alice -> ${ALICE}/laptop [110]`,
        `iq/result ${ROOM} -> ${ALICE}/phone`,
      ]);
      expect(h.warnings).toEqual([]);
    });

    it("the legacy side removing the user (session.removeRoom) calls onUserLeft once, with last", async () => {
      const h = await joinedBoth();
      const session = (await h.sessions.get(ALICE))!;
      await session.removeRoom("irc", { reason: "kicked on IRC" });
      await h.until(() => HookRoom.log.includes("left laptop last"));
      await h.settle(20);
      expect(HookRoom.log.slice(4)).toEqual(["left laptop last"]);
      expect(h.registry.peek(ALICE, ROOM)).toBeUndefined();
    });

    it("an onUserLeft still waiting in the mailbox when the room ends runs all the same, once, and is no warning", async () => {
      const h = harness();
      h.route(joinPresence("irc", "alice", "phone", "j-phone"));
      await h.until(() => HookRoom.log.includes("joined phone done"));
      let release = () => {};
      HookRoom.holdDestroy = new Promise((r) => (release = r));
      h.route(destroyIq);
      await h.until(() => HookRoom.log.includes("destroy"));
      // The last resource leaves while the destroy runs: its onUserLeft waits behind it.
      h.route(leave("phone"));
      await h.settle();
      release();
      await h.until(() => HookRoom.log.includes("left phone last"));
      await h.settle(20);
      expect(HookRoom.log).toEqual(["joined phone first", "joined phone done", "destroy", "left phone last"]);
      expect(h.warnings).toEqual([]);
    });

    it("a room that ends with no resource in it calls no onUserLeft", async () => {
      const h = harness();
      h.route(joinPresence("irc", "alice", "phone", "j-phone"));
      await h.until(() => HookRoom.log.includes("joined phone done"));
      h.route(leave("phone"));
      await h.until(() => HookRoom.log.includes("left phone last"));
      await (await h.sessions.get(ALICE))!.removeRoom("irc", {});
      await h.settle(20);
      expect(HookRoom.log).toEqual(["joined phone first", "joined phone done", "left phone last"]);
    });

    it("an onUserLeft that throws after the room ended is a warning", async () => {
      const h = await joinedBoth();
      HookRoom.failLeft = new XMPPError("service-unavailable", "the IRC server refused PART");
      h.route(destroyIq);
      await h.until(() => h.warnings.length > 0);
      expect(h.warnings.map(([message]) => message)).toEqual([`onUserLeft failed in ${ROOM}: service-unavailable`]);
    });

    it("a gateway shutdown calls no onUserLeft: the room is kept for the next run, not left", async () => {
      const h = await joinedBoth();
      await h.registry.shutdown(0);
      await h.settle(20);
      expect(h.take().map(summary)).toEqual([
        `presence/unavailable ${ROOM}/alice -> ${ALICE}/phone [110,332]`,
        `presence/unavailable ${ROOM}/alice -> ${ALICE}/laptop [110,332]`,
      ]);
      expect(HookRoom.log.filter((l) => l.startsWith("left"))).toEqual([]);
    });
  });
});
