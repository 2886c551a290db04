/**
 * A participant's typing notifications (XEP-0085) and displayed markers (XEP-0333), from the
 * legacy network to the user: sent to the resources in the room, never archived; legacy messages
 * are markable and carry the `active` state.
 */
import { describe, expect, it } from "vitest";
import { ALICE, joined } from "../helpers/harness.js";
import { STAGE, stageHarness } from "../helpers/stageRoom.js";

const CHAT_STATES = "http://jabber.org/protocol/chatstates";
const MARKERS = "urn:xmpp:chat-markers:0";

/** Every child of a stanza as `{namespace}name` (children without xmlns are jabber:client). */
const children = (s: { getChildElements(): { name: string; attrs: Record<string, unknown> }[] }) =>
  s.getChildElements().map((c) => `{${String(c.attrs.xmlns ?? "jabber:client")}}${c.name}`);

describe("chat states and displayed markers from the legacy network", () => {
  it("sends composing, paused and displayed to every joined resource, without a stanza-id, and archives none", async () => {
    const h = stageHarness({});
    const actor = await joined(h, "stage", ["phone", "laptop"]);
    const bob = await actor.room.getParticipant("bob");
    const archived = () => h.store.queryArchive({ user: ALICE, room: STAGE }, { max: 50 }).messages.length;
    const before = archived();
    bob.composing();
    bob.paused();
    bob.displayed("legacy-7");
    await Promise.resolve();
    const out = h.take();
    expect(out.map((s) => `${s.name}/${s.attrs.type} ${s.attrs.from} -> ${s.attrs.to}`)).toEqual([
      `message/groupchat ${STAGE}/bob -> ${ALICE}/phone`,
      `message/groupchat ${STAGE}/bob -> ${ALICE}/laptop`,
      `message/groupchat ${STAGE}/bob -> ${ALICE}/phone`,
      `message/groupchat ${STAGE}/bob -> ${ALICE}/laptop`,
      `message/groupchat ${STAGE}/bob -> ${ALICE}/phone`,
      `message/groupchat ${STAGE}/bob -> ${ALICE}/laptop`,
    ]);
    expect(out.map(children)).toEqual([
      [`{${CHAT_STATES}}composing`, "{urn:xmpp:occupant-id:0}occupant-id"],
      [`{${CHAT_STATES}}composing`, "{urn:xmpp:occupant-id:0}occupant-id"],
      [`{${CHAT_STATES}}paused`, "{urn:xmpp:occupant-id:0}occupant-id"],
      [`{${CHAT_STATES}}paused`, "{urn:xmpp:occupant-id:0}occupant-id"],
      [`{${MARKERS}}displayed`, "{urn:xmpp:occupant-id:0}occupant-id"],
      [`{${MARKERS}}displayed`, "{urn:xmpp:occupant-id:0}occupant-id"],
    ]);
    expect(out[4]!.getChild("displayed", MARKERS)!.attrs.id).toBe("legacy-7");
    expect(archived()).toBe(before);
  });

  it("marks a legacy message markable and active, and it is archived that way", async () => {
    const h = stageHarness({});
    const actor = await joined(h, "stage");
    (await actor.room.getParticipant("bob")).sendText("hello", { legacyId: "m-1" });
    const [message] = h.take();
    expect(message!.getChild("markable", MARKERS)).toBeDefined();
    expect(message!.getChild("active", CHAT_STATES)).toBeDefined();
    const stored = h.store.queryArchive({ user: ALICE, room: STAGE }, { ids: ["m-1"], max: 1 }).messages[0]!;
    expect(stored.xml).toContain(`<markable xmlns="${MARKERS}"/>`);
  });
});
