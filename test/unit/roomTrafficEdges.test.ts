/**
 * The plugin's traffic at two edges of a room's life that the model-based tests found: before
 * `updateInfo` has stored the room, and for a join that is dropped before it is ready.
 */
import { type Element, xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { qualifiedText } from "../helpers/stanzas.js";
import { ALICE, joinPresence } from "../helpers/harness.js";
import { STAGE, gate, joinWithHistory, stageHarness } from "../helpers/stageRoom.js";

const BODY = "{jabber:client}body";
const SUBJECT = "{jabber:client}subject";

const bodies = (out: Element[], to: string) =>
  out.filter((s) => s.attrs.to === to && qualifiedText(s, BODY) !== undefined).map((s) => qualifiedText(s, BODY));

describe("the plugin's traffic at the edges", () => {
  it("archives a message the plugin sends while updateInfo runs, and the waiting join gets it after its subject", async () => {
    const fetching = gate();
    const h = stageHarness({
      async updateInfo(room) {
        await fetching.wait();
        room.name = "Stage";
      },
    });
    h.route(joinPresence("stage", "alice"));
    await h.until(() => fetching.reached);
    (await h.actor().room.getParticipant("bob")).sendText("early bird", { legacyId: "early-1" });
    expect(h.errors).toEqual([]);
    expect(h.store.queryArchive({ user: ALICE, room: STAGE }, { max: 10 }).messages.map((m) => m.legacyId)).toEqual(["early-1"]);
    fetching.open();
    await h.until(() => bodies(h.sent, `${ALICE}/phone`).length > 0);
    const out = h.take();
    expect(bodies(out, `${ALICE}/phone`)).toEqual(["early bird"]);
    const subject = out.findIndex((s) => qualifiedText(s, SUBJECT) !== undefined);
    const message = out.findIndex((s) => qualifiedText(s, BODY) === "early bird");
    expect(message).toBeGreaterThan(subject);
    expect(h.store.getRoom(ALICE, STAGE)?.name).toBe("Stage");
  });

  it("forgets what was held for a join dropped before it was ready: the next join of the resource does not get it", async () => {
    const filling = gate();
    let fills = 0;
    const h = stageHarness({
      async fillParticipants(room) {
        fills++;
        if (fills === 1) await filling.wait();
        await room.getParticipant("bob");
      },
    });
    h.route(joinPresence("stage", "alice"));
    await h.until(() => filling.reached);
    (await h.actor().room.getParticipant("carol")).sendText("held for the first join", { legacyId: "held-1" });
    h.route(xml("presence", { from: `${ALICE}/phone`, to: `${STAGE}/alice`, type: "unavailable" }));
    expect(h.actor().snapshot.context.joins).toEqual([]);
    filling.open();
    await h.until(() => h.actor().snapshot.hasTag("participantsKnown"));
    h.take();
    h.route(joinWithHistory(STAGE, "phone", 0, "join-2"));
    await h.until(() => h.actor().snapshot.matches({ active: { lifecycle: { joined: "live" } } }));
    await new Promise((r) => setImmediate(r));
    expect(bodies(h.take(), `${ALICE}/phone`)).toEqual([]);
  });

  it("keeps a backfill that outlived its timeout archive-only until it ends (archive.filled.overrun)", async () => {
    const late = gate();
    const h = stageHarness(
      {
        async backfill(room) {
          await late.wait();
          (await room.getParticipant("olduser")).sendText("from long ago", { legacyId: "old-1" });
        },
      },
      { callbackTimeoutMs: 50 },
    );
    h.route(joinWithHistory(STAGE, "phone", 10));
    await h.until(() => h.registry.peek(ALICE, STAGE)?.snapshot.matches({ active: { archive: { filled: "overrun" } } }) === true);
    // The join did not wait for the hung backfill beyond its timeout.
    await h.until(() => h.actor().snapshot.matches({ active: { lifecycle: { joined: "live" } } }));
    expect(h.actor().snapshot.hasTag("backfilling")).toBe(true);
    expect(h.view().activeStates).toContain("backfillOverrun");
    h.take();
    late.open();
    await h.until(() => h.actor().snapshot.matches({ active: { archive: { filled: "done" } } }));
    expect(bodies(h.take(), `${ALICE}/phone`)).toEqual([]);
    expect(h.store.queryArchive({ user: ALICE, room: STAGE }, { max: 10 }).messages.map((m) => m.legacyId)).toEqual(["old-1"]);
    expect(h.actor().room._storedParticipants().map((p) => p.nickname)).not.toContain("olduser");
    (await h.actor().room.getParticipant("bob")).sendText("live again", { legacyId: "live-1" });
    expect(bodies(h.take(), `${ALICE}/phone`)).toEqual(["live again"]);
  });

  it("ends the overrun after one more callbackTimeout when the late backfill never ends: live traffic goes out live again", async () => {
    const h = stageHarness({ backfill: () => new Promise(() => {}) }, { callbackTimeoutMs: 40 });
    h.route(joinWithHistory(STAGE, "phone", 10));
    await h.until(() => h.registry.peek(ALICE, STAGE)?.snapshot.matches({ active: { archive: { filled: "overrun" } } }) === true);
    await h.until(() => h.actor().snapshot.matches({ active: { archive: { filled: "done" } } }));
    expect(h.actor().snapshot.hasTag("backfilling")).toBe(false);
    await h.until(() => h.actor().snapshot.matches({ active: { lifecycle: { joined: "live" } } }));
    h.take();
    (await h.actor().room.getParticipant("bob")).sendText("live after all", { legacyId: "live-2" });
    expect(bodies(h.take(), `${ALICE}/phone`)).toEqual(["live after all"]);
  });
});
