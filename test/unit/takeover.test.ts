/**
 * A process that takes over a room another process of the same run served (issue 17, failover):
 * the room comes back from the shared store with its participants, without `updateInfo` and
 * `fillParticipants` (and without `backfill` once it ran); a process of another run calls them
 * again, as after a restart.
 */
import type { Element } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import { xml } from "@xmpp/component";
import { createMemoryStore } from "../../src/store/memoryStore.js";
import type { Store } from "../../src/store/types.js";
import { ALICE, DOMAIN, createHarness, endsJoin, joinPresence } from "../helpers/harness.js";
import { isQualified } from "../helpers/stanzas.js";

const ROOM = `coven@${DOMAIN}`;
const MUC_USER = "http://jabber.org/protocol/muc#user";

/** A plugin whose rooms count their callbacks in `calls`, with a fresh occupant id per fill. */
function countingPlugin(calls: string[]) {
  let fills = 0;
  class Room extends LegacyRoom {
    override async updateInfo(): Promise<void> {
      calls.push("updateInfo");
      this.name = "The coven";
    }
    override async fillParticipants(): Promise<void> {
      calls.push("fillParticipants");
      fills++;
      await this.getParticipantByContact(`hecate-${fills}`, "hecate");
    }
    override async backfill(): Promise<void> {
      calls.push("backfill");
    }
  }
  class Session extends LegacySession {
    override createRoom(id: string) {
      return new Room(this, id);
    }
  }
  return { createSession: (user: string) => new Session(user) };
}

/** Joins the room on a fresh "process" over `store`; the callbacks it ran and the occupants' presences. */
async function serve(store: Store, run: string | undefined, options: { history?: boolean } = {}) {
  const calls: string[] = [];
  const h = createHarness(countingPlugin(calls), { store, run });
  const join = joinPresence("coven", "alice");
  // A join that asks for no history (XEP-0045 §7.2.13) does not make the room backfill.
  if (options.history === false) join.getChild("x", "http://jabber.org/protocol/muc")!.append(xml("history", { maxstanzas: "0" }));
  h.route(join);
  await h.until(() => h.sent.some(endsJoin(ROOM, "phone")));
  await h.settle(20); // the participant rows (and the mark) are written when the loop turns
  const occupants = h
    .take()
    .filter((s: Element) => isQualified(s, "{jabber:client}presence") && s.attrs.from !== `${ROOM}/alice`)
    .map((s) => `${String(s.attrs.from)} ${s.getChild("occupant-id", "urn:xmpp:occupant-id:0")?.attrs.id} ${s.getChild("x", MUC_USER)?.getChild("item", MUC_USER)?.attrs.role}`);
  h.registry.shutdown();
  return { calls, occupants };
}

describe("a room taken over by another process", () => {
  it("of the same run comes back with its participants and occupant ids, without updateInfo or fillParticipants", async () => {
    const store = createMemoryStore({ retentionDays: Number.POSITIVE_INFINITY });
    const first = await serve(store, "r1");
    expect(first.calls).toEqual(["updateInfo", "fillParticipants", "backfill"]);
    expect(first.occupants).toHaveLength(1);
    expect(store.getRoom(ALICE, ROOM)?.flags).toEqual({ participantsFilled: true, filledInRun: "r1", historyFilled: true, backfilledInRun: "r1" });
    const taken = await serve(store, "r1");
    expect(taken.calls).toEqual([]);
    expect(taken.occupants).toEqual(first.occupants);
  });

  it("of the same run calls backfill when the process before never did (its joins asked for no history)", async () => {
    const store = createMemoryStore({ retentionDays: Number.POSITIVE_INFINITY });
    expect((await serve(store, "r1", { history: false })).calls).toEqual(["updateInfo", "fillParticipants"]);
    expect(store.getRoom(ALICE, ROOM)?.flags).toEqual({ participantsFilled: true, filledInRun: "r1" });
    expect((await serve(store, "r1")).calls).toEqual(["backfill"]);
    expect((await serve(store, "r1")).calls).toEqual([]);
  });

  it("of another run, or with no run, calls updateInfo and fillParticipants again", async () => {
    const store = createMemoryStore({ retentionDays: Number.POSITIVE_INFINITY });
    await serve(store, "r1");
    expect((await serve(store, "r2")).calls).toEqual(["updateInfo", "fillParticipants", "backfill"]);
    expect((await serve(store, undefined)).calls).toEqual(["updateInfo", "fillParticipants", "backfill"]);
    expect(store.getRoom(ALICE, ROOM)?.flags).toBeUndefined();
  });
});
