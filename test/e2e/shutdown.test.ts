/**
 * Shutting down with requests open, through Prosody: every open request is answered, a hanging
 * callback is abandoned after the grace period, and `stop()` waits for it; a callback that
 * finishes within the grace period still gets its usual answer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Gateway, createGateway } from "../../src/createGateway.js";
import { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import type { ProsodyHandle } from "../../src/testbed/prosody.js";
import { prosodyWithAlice } from "../helpers/e2e.js";
import { conditionOf } from "../helpers/stanzas.js";
import { type TestUser, reachedGateway, xml } from "../helpers/xmppClient.js";

const MUC = "http://jabber.org/protocol/muc";
const DOMAIN = "sd.localhost";
const ROOM = `slow@${DOMAIN}`;
const GRACE_MS = 600;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves when the plugin's onText starts. */
let started: () => void = () => {};
/** How long onText takes: forever, or some ms. */
let textDelay: number | "forever" = "forever";

class SlowRoom extends LegacyRoom {
  override async updateInfo() {
    this.name = "Slow";
    this.subject = "wait for it";
  }
  override async onText(text: string) {
    started();
    await (textDelay === "forever" ? new Promise<never>(() => {}) : sleep(textDelay));
    return `L-${text}`;
  }
  override async onSetConfig() {}
}

class Session extends LegacySession {
  createRoom(id: string) {
    return new SlowRoom(this, id);
  }
}

describe("shutdown with requests open", () => {
  let prosody: ProsodyHandle;
  let alice: TestUser;
  let gateway: Gateway | undefined;

  let bed: Awaited<ReturnType<typeof prosodyWithAlice>>;
  beforeAll(async () => {
    bed = await prosodyWithAlice(DOMAIN);
    ({ prosody, alice } = bed);
  });
  afterAll(() => bed?.stop(gateway));

  /** A new gateway with alice joined, and one text request in flight behind which two more wait. */
  async function busyGateway(): Promise<Gateway> {
    gateway = createGateway({
      domain: DOMAIN,
      secret: prosody.secret,
      service: prosody.service,
      store: `${prosody.dir}/shutdown.sqlite`,
      shutdownGraceMs: GRACE_MS,
      plugin: { createSession: (user) => new Session(user) },
    });
    await gateway.start();
    await alice.send(xml("presence", { to: `${ROOM}/alice` }, xml("x", { xmlns: MUC })));
    await alice.waitFor((s) => s.attrs.from === ROOM && s.getChild("subject", "jabber:client") !== undefined);
    alice.clear();
    const running = new Promise<void>((resolve) => (started = resolve));
    await alice.send(xml("message", { to: ROOM, type: "groupchat", id: "inflight" }, xml("body", {}, "inflight")));
    await running;
    await alice.send(xml("message", { to: ROOM, type: "groupchat", id: "queued" }, xml("body", {}, "queued")));
    const form = xml("x", { xmlns: "jabber:x:data", type: "submit" }, xml("field", { var: "FORM_TYPE" }, xml("value", {}, "http://jabber.org/protocol/muc#roomconfig")));
    await alice.send(xml("iq", { to: ROOM, type: "set", id: "config" }, xml("query", { xmlns: `${MUC}#owner` }, form)));
    await reachedGateway(alice, DOMAIN); // both are in the room's mailbox
    return gateway;
  }

  /** What alice received, in order: answers by id, and the shutdown presence. */
  const seen = () =>
    alice.received.map((s) => {
      if (s.is("presence", "jabber:client")) return `presence ${s.attrs.type} ${s.getChild("x", `${MUC}#user`)?.getChildren("status", `${MUC}#user`).map((c) => c.attrs.code).join(",")}`;
      if (s.attrs.type === "error") return `${s.name} ${s.attrs.id} error ${conditionOf(s)} ${s.getChild("error", "jabber:client")?.attrs.type}`;
      return `${s.name} ${s.attrs.id} ${s.attrs.type}`;
    });

  /**
   * Stops `gw`; once alice has the two refusals, checks that `stop()` is still waiting on the
   * callback in flight (no answer to it yet, no 332), then returns the tally.
   */
  async function stopWhileCallbackRuns(gw: Gateway) {
    let stopped = false;
    const stopping = gw.stop().then((tally) => {
      stopped = true;
      return tally;
    });
    await alice.waitFor((s) => s.attrs.id === "config" && s.is("iq", "jabber:client"));
    expect(stopped).toBe(false);
    expect(seen()).toEqual(["message queued error service-unavailable wait", "iq config error service-unavailable wait"]);
    const tally = await stopping;
    await alice.waitFor((s) => s.is("presence", "jabber:client") && s.attrs.type === "unavailable");
    return tally;
  }

  it("answers the queued requests at once, abandons the hanging callback after the grace period, then sends 332", async () => {
    textDelay = "forever";
    const tally = await stopWhileCallbackRuns(await busyGateway());
    expect(seen()).toEqual([
      "message queued error service-unavailable wait",
      "iq config error service-unavailable wait",
      "message inflight error remote-server-timeout wait",
      "presence unavailable 110,332",
    ]);
    expect(tally).toEqual({ refused: 2, abandoned: 1 });
  });

  it("lets a callback that finishes within the grace period give its usual answer", async () => {
    textDelay = 400;
    const tally = await stopWhileCallbackRuns(await busyGateway());
    expect(seen()).toEqual([
      "message queued error service-unavailable wait",
      "iq config error service-unavailable wait",
      "message inflight groupchat",
      "presence unavailable 110,332",
    ]);
    expect(tally).toEqual({ refused: 2, abandoned: 0 });
  });
});
