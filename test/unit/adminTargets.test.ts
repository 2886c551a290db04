/**
 * What `contact` and `nickname` hold in `onSetAffiliation`, `onKick` and `onSetRole` (README
 * "Requests: the mailbox"): an item by nick names an occupant by its resource or its legacy
 * nickname, and the callback gets the participant's contact and its **legacy nickname** (not the
 * resource); an item by JID gets the contact from the JID and the nickname of a stored participant
 * with that contact, if any. A ban by nick is `onSetAffiliation(contact, "outcast", reason, nickname)`.
 */
import { xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import type { Affiliation, Role } from "../../src/protocol/xep0045.js";
import { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import { DOMAIN, createHarness, iq, joined } from "../helpers/harness.js";

const ADMIN = "http://jabber.org/protocol/muc#admin";
const ROOM = `ops@${DOMAIN}`;
/** A legacy nickname that is not a valid resourcepart, so its resource differs from it. */
const ODD = "Zoë\u0007";

class AdminRoom extends LegacyRoom {
  calls: unknown[][] = [];
  override async fillParticipants() {
    await this.getParticipant(ODD, { contact: "z-1" });
    await this.getParticipant("nocontact");
  }
  override async onSetAffiliation(contact: string | undefined, affiliation: Affiliation, reason: string | undefined, nickname: string | undefined) {
    this.calls.push(["affiliation", contact, affiliation, reason, nickname]);
  }
  override async onKick(contact: string | undefined, reason: string | undefined, nickname: string | undefined) {
    this.calls.push(["kick", contact, reason, nickname]);
  }
  override async onSetRole(contact: string | undefined, role: Role, reason: string | undefined, nickname: string | undefined) {
    this.calls.push(["role", contact, role, reason, nickname]);
  }
}

class AdminSession extends LegacySession<AdminRoom> {
  override createRoom(legacyId: string) {
    return new AdminRoom(this, legacyId);
  }
}

const admin = (id: string, attrs: Record<string, string>, reason?: string) =>
  iq("set", ROOM, xml("query", { xmlns: ADMIN }, xml("item", attrs, ...(reason ? [xml("reason", {}, reason)] : []))), id);

describe("muc#admin targets", () => {
  it("give the callbacks the contact and the legacy nickname, by nick (resource or nickname) and by JID", async () => {
    const h = createHarness({ createSession: (user) => new AdminSession(user) });
    const actor = await joined(h, "ops");
    const room = actor.room as AdminRoom;
    const zoe = await room.getParticipant(ODD);
    expect(zoe.resource).not.toBe(ODD);
    h.route(admin("ban", { nick: zoe.resource, affiliation: "outcast" }, "spam"));
    h.route(admin("kick", { nick: ODD, role: "none" }));
    h.route(admin("voice", { nick: "nocontact", role: "visitor" }));
    h.route(admin("jid", { jid: `z-1@${DOMAIN}`, affiliation: "member" }));
    h.route(admin("stranger", { jid: `x-9@${DOMAIN}`, affiliation: "outcast" }));
    await h.until(() => room.calls.length === 5);
    expect(room.calls).toEqual([
      ["affiliation", "z-1", "outcast", "spam", ODD],
      ["kick", "z-1", undefined, ODD],
      ["role", undefined, "visitor", undefined, "nocontact"],
      ["affiliation", "z-1", "member", undefined, ODD],
      ["affiliation", "x-9", "outcast", undefined, undefined],
    ]);
  });
});
