/**
 * The user's chat states and displayed markers reach the plugin's `onComposing`, `onPaused` and
 * `onDisplayed` outside the mailbox; a plugin whose network hangs must not collect a call per
 * keystroke: one chat state in flight and the latest waiting, markers in order in a bounded queue,
 * and every call given up after the callback timeout with a warning.
 */
import { type Element, xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { MAX_WAITING_MARKERS } from "../../src/actors/signalLanes.js";
import { ALICE, DOMAIN, fixtureHarness, joined, lobbyFixture } from "../helpers/harness.js";
import { gate } from "../helpers/stageRoom.js";
import { qualifiedTree } from "../helpers/stanzas.js";

const ROOM = `lobby@${DOMAIN}`;
const CHAT_STATES = "http://jabber.org/protocol/chatstates";
const MARKERS = "urn:xmpp:chat-markers:0";

/** A bodiless groupchat message from one of alice's resources carrying `payload`. */
function signal(payload: Element, id: string, resource = "phone"): Element {
  return xml("message", { from: `${ALICE}/${resource}`, to: ROOM, type: "groupchat", id }, payload);
}
const state = (name: "composing" | "paused", id: string, resource = "phone") => signal(xml(name, { xmlns: CHAT_STATES }), id, resource);
const displayed = (target: string, id: string) => signal(xml("displayed", { xmlns: MARKERS, id: target }), id);

/** A joined lobby (phone and laptop) whose signal callbacks are recorded in `calls` and wait for `hold`, when set. */
async function lobby(callbackTimeoutMs = 30_000) {
  const h = fixtureHarness(lobbyFixture(), { callbackTimeoutMs });
  const actor = await joined(h, "lobby", ["phone", "laptop"]);
  const calls: string[] = [];
  const held = { hold: undefined as Promise<void> | undefined };
  const record = (name: string) => async () => {
    calls.push(name);
    await held.hold;
  };
  actor.room.onComposing = record("onComposing");
  actor.room.onPaused = record("onPaused");
  actor.room.onDisplayed = async (legacyId) => record(`onDisplayed ${legacyId}`)();
  return { h, actor, calls, held };
}

describe("the user's chat states while the legacy network hangs", () => {
  it("50 composing signals from two clients make one call in flight and keep only the latest state; a paused replaces a waiting composing", async () => {
    const { h, calls, held } = await lobby();
    const network = gate();
    held.hold = network.wait();
    for (let i = 0; i < 50; i++) h.route(state("composing", `c-${i}`, i % 2 ? "laptop" : "phone"));
    await h.until(() => calls.length > 0);
    await h.settle(20);
    expect(calls).toEqual(["onComposing"]);
    h.route(state("paused", "p-1"));
    await h.settle(20);
    expect(calls).toEqual(["onComposing"]);
    held.hold = undefined;
    network.open();
    await h.until(() => calls.length > 1);
    await h.settle(20);
    // No composing after the newer paused.
    expect(calls).toEqual(["onComposing", "onPaused"]);
    expect(h.take()).toEqual([]);
    h.registry.shutdown();
  });

  it("a call that outlives the callback timeout is given up with a warning, and the next signal still runs", async () => {
    const { h, calls, held } = await lobby(150);
    held.hold = new Promise(() => {});
    h.route(state("composing", "c-1"));
    await h.until(() => h.warnings.length > 0);
    expect(h.warnings.map(([message, error]) => [message, (error as Error).name])).toEqual([
      [`The legacy network did not take the user's composing signal in ${ROOM}`, "SignalTimeoutError"],
    ]);
    held.hold = undefined;
    h.route(state("paused", "p-1"));
    await h.until(() => calls.length > 1);
    expect(calls).toEqual(["onComposing", "onPaused"]);
    expect(h.warnings).toHaveLength(1);
    h.registry.shutdown();
  });
});

describe("the user's displayed markers while the legacy network hangs", () => {
  it("run one at a time in order, with a bounded queue that drops the oldest waiting marker; only the markers taken are echoed", async () => {
    const { h, actor, calls, held } = await lobby();
    const bob = await actor.room.getParticipant("bob");
    const count = MAX_WAITING_MARKERS + 10;
    for (let i = 1; i <= count; i++) bob.sendText(`m${i}`, { legacyId: `B${i}` });
    await h.settle();
    h.take();
    const network = gate();
    held.hold = network.wait();
    for (let i = 1; i <= count; i++) h.route(displayed(`B${i}`, `d-${i}`));
    await h.until(() => calls.length > 0);
    await h.settle(20);
    expect(calls).toEqual(["onDisplayed B1"]);
    held.hold = undefined;
    network.open();
    const kept = Array.from({ length: MAX_WAITING_MARKERS }, (_, i) => `B${count - MAX_WAITING_MARKERS + 1 + i}`);
    await h.until(() => calls.length === 1 + MAX_WAITING_MARKERS);
    await h.settle(20);
    expect(calls).toEqual(["onDisplayed B1", ...kept.map((id) => `onDisplayed ${id}`)]);
    const echoes = h.take();
    expect(echoes.map((s) => [String(s.attrs.to), s.getChild("displayed", MARKERS)?.attrs.id])).toEqual(
      ["B1", ...kept].map((id) => [`${ALICE}/laptop`, id]),
    );
    expect(qualifiedTree(echoes[0]!)).toEqual(["{jabber:client}message", `  {${MARKERS}}displayed`, "  {urn:xmpp:occupant-id:0}occupant-id"]);
    h.registry.shutdown();
  });
});
