/**
 * Golden files for the stanza builders: each case's XML must equal test/golden/<case>.xml.
 * Run with UPDATE_GOLDEN=1 to (re)write the files, then review the diff.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { type Element, xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { joinSequence } from "../../src/actors/joinSequence.js";
import { echoOf } from "../../src/actors/requests.js";
import { roomDiscoInfo } from "../../src/actors/roomDisco.js";
import {
  participantMessage,
  participantPresence,
  participantSignal,
  removedPresences,
  renamePresences,
  selfUnavailable,
} from "../../src/actors/roomStanzas.js";
import { chatStateElement } from "../../src/protocol/xep0085.js";
import { displayedElement } from "../../src/protocol/xep0333.js";
import { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import { NotImplementedError, XMPPError, toStanzaError } from "../../src/legacy/errors.js";
import { errorReply } from "../../src/protocol/rfc6120.js";
import { vcardPhoto } from "../../src/protocol/xep0054.js";
import { Status, occupantPresence, roomStatusMessage } from "../../src/protocol/xep0045.js";
import { affiliationList, roleList, roomConfigForm } from "../../src/protocol/xep0045admin.js";
import { avatarChanged } from "../../src/actors/roomAvatar.js";
import { mamResult } from "../../src/protocol/xep0313.js";
import { privilegedIq } from "../../src/protocol/xep0356.js";
import { invitationMessage } from "../../src/protocol/xep0249.js";
import { replaceElement } from "../../src/protocol/xep0308.js";
import { composeText } from "../../src/actors/outgoingText.js";
import { findMentions } from "../../src/legacy/replies.js";
import { moderationBy, moderationMessage, retractionMessage } from "../../src/actors/retractions.js";
import { retractElement, retractedElement, tombstone } from "../../src/protocol/xep0424.js";
import { moderatedRetracted } from "../../src/protocol/xep0425.js";
import { fileElements } from "../../src/actors/fileTraffic.js";
import { slotRequest } from "../../src/protocol/xep0363.js";

class Session extends LegacySession {
  createRoom(id: string) {
    return new LegacyRoom(this, id);
  }
}

async function lobby(type: "group" | "channel" = "group") {
  const room = new LegacyRoom(new Session("alice@example.org"), "lobby");
  room.jid = "lobby@muc.example.org";
  room.type = type;
  room.name = "The Lobby";
  room.description = "Where it starts";
  room.subject = "Welcome <all> & \u0001 friends";
  room.subjectSetter = "bob";
  room.subjectDate = new Date("2026-11-20T10:00:00Z");
  const bob = await room.getParticipantByContact("bob-legacy-id", "bob");
  bob.affiliation = "owner";
  bob.role = "moderator";
  await room.getParticipant("weird\u0007name");
  return room;
}

const TO = "alice@example.org/phone";

const cases: Record<string, () => Promise<Element | Element[]>> = {
  "xep0045-join-sequence-group": async () => [...joinSequence(await lobby(), TO, { id: "join-1", requestedNick: "alice" })],
  "xep0045-join-sequence-channel-210": async () => [...joinSequence(await lobby("channel"), TO, { id: "j", requestedNick: "Alice" })],
  "xep0045-kicked-participant": async () => {
    const room = await lobby();
    const bob = await room.getParticipant("bob");
    return participantPresence(bob, TO, { type: "unavailable", statusCodes: [Status.KICKED], reason: "spam" });
  },
  "xep0045-shutdown-self-presence": async () => {
    const room = await lobby();
    return selfUnavailable(room, TO, [Status.SHUTDOWN], { affiliationNone: true });
  },
  "xep0045-destroy-self-presence": async () => {
    const room = await lobby();
    return selfUnavailable(room, TO, [], { destroy: true, destroyReason: "bye", affiliationNone: true });
  },
  "xep0045-removed-self-presence": async () => {
    const room = await lobby();
    return removedPresences(room, ["phone"], "Kicked on the legacy network")[0]!;
  },
  "xep0045-rename-303-pair": async () => {
    const room = await lobby();
    const bob = await room.getParticipant("bob");
    bob.rename("robert");
    return renamePresences(bob, "bob", TO);
  },
  "xep0319-presence-show-status-idle": async () => {
    const room = await lobby();
    const bob = await room.getParticipant("bob");
    bob._presence = { show: "away", status: "lunch", idleSince: new Date("2026-11-25T12:00:00Z") };
    return participantPresence(bob, TO);
  },
  "xep0045-banned-participant": async () => {
    const room = await lobby();
    return participantPresence(await room.getParticipant("weird\u0007name"), TO, { type: "unavailable", statusCodes: [Status.BANNED], affiliation: "outcast" });
  },
  "xep0045-occupant-presence-all-fields": async () =>
    occupantPresence({
      from: "r@muc.example.org/n",
      to: TO,
      id: "p1",
      affiliation: "admin",
      role: "participant",
      jid: "n@muc.example.org",
      occupantId: "oid",
      statusCodes: [307, 110],
      nick: "N",
      reason: "why",
      show: "away",
      status: "busy",
    }),
  "xep0045-participant-message": async () => {
    const room = await lobby();
    return participantMessage(await room.getParticipant("bob"), TO, "hi\u0000 there", {
      id: "L1",
      stanzaId: "L1",
      when: new Date("2026-11-21T08:00:00Z"),
    });
  },
  "xep0045-user-echo": async () => {
    const room = await lobby();
    const sent = xml(
      "message",
      { xmlns: "jabber:component:accept", from: TO, to: room.jid, type: "groupchat", id: "c1" },
      xml("body", {}, "hello"),
      xml("origin-id", { xmlns: "urn:xmpp:sid:0", id: "o1" }),
      xml("stanza-id", { xmlns: "urn:xmpp:sid:0", id: "forged", by: room.jid }),
      xml("occupant-id", { xmlns: "urn:xmpp:occupant-id:0", id: "forged" }),
    );
    return echoOf(room, sent, "alice@example.org/laptop", "fx-1");
  },
  "xep0085-chat-state-composing": async () => participantSignal(await (await lobby()).getParticipant("bob"), TO, chatStateElement("composing")),
  "xep0333-displayed-marker": async () => participantSignal(await (await lobby()).getParticipant("bob"), TO, displayedElement("L1")),
  "xep0308-correction-echo": async () => {
    const room = await lobby();
    const sent = xml(
      "message",
      { xmlns: "jabber:component:accept", from: TO, to: room.jid, type: "groupchat", id: "c2" },
      xml("body", {}, "hello, corrected"),
      replaceElement("c1"),
      xml("origin-id", { xmlns: "urn:xmpp:sid:0", id: "o2" }),
    );
    return echoOf(room, sent, "alice@example.org/laptop", "fx-2");
  },
  "xep0308-participant-correction": async () => {
    const room = await lobby();
    return participantMessage(await room.getParticipant("bob"), TO, "hi, corrected", { id: "L2", stanzaId: "L2", replaces: "L1" });
  },
  "xep0461-participant-reply-mention": async () => {
    // A reply to a mangled nick's message: the quote names the legacy nick (made XML-safe), the
    // reply its occupant JID; the mention's range counts code points after the quote.
    const room = await lobby();
    const bob = await room.getParticipant("bob");
    const body = "🎉 bob, look";
    const replyTo = { legacyId: "L1", participant: await room.getParticipant("weird\u0007name"), text: "party 🎉\ntonight" };
    const text = composeText(body, { replyTo, mentions: findMentions(body, [bob]) });
    return participantMessage(bob, TO, text.body, { id: "L2", stanzaId: "L2" }, text.payload());
  },
  "xep0045-room-disco-info-group": async () => roomDiscoInfo(await lobby(), true),
  "xep0444-disco-restrictions": async () => {
    const room = await lobby();
    room.availableEmojis = async () => new Set(["👍", "❤️", "😂"]);
    room.MAX_REACTIONS_PER_USER = 1;
    return roomDiscoInfo(room, true);
  },
  "xep0045-room-disco-info-channel": async () => {
    const room = await lobby("channel");
    room.nParticipants = 12;
    return roomDiscoInfo(room, false);
  },
  "xep0045-roomconfig-form": async () => roomConfigForm({ name: "The Lobby", description: "Where it starts" }),
  "xep0045-roomconfig-form-no-description": async () => roomConfigForm({ name: "News" }),
  "xep0045-affiliation-list": async () =>
    affiliationList([
      { affiliation: "member", nick: "carol", jid: "carol-legacy-id@muc.example.org" },
      { affiliation: "member", nick: "alice", jid: "alice@example.org" },
    ]),
  "xep0045-role-list": async () =>
    roleList([
      { affiliation: "owner", role: "moderator", nick: "bob", jid: "bob-legacy-id@muc.example.org" },
      { affiliation: "member", role: "moderator", nick: "alice", jid: "alice@example.org/phone" },
      { affiliation: "member", role: "moderator", nick: "alice", jid: "alice@example.org/laptop" },
    ]),
  "xep0313-mam-result-forwarded": async () => {
    const room = await lobby();
    const archived = participantMessage(await room.getParticipant("bob"), "alice@example.org", "hi", { id: "L1", stanzaId: "L1" });
    return mamResult({ from: room.jid, to: TO, queryId: "q1", id: "L1", stamp: new Date("2026-11-21T08:00:00Z"), message: archived });
  },
  "xep0356-privileged-iq": async () =>
    privilegedIq({
      from: "muc.example.org",
      user: "alice@example.org",
      type: "get",
      id: "p1",
      innerId: "i1",
      payload: xml("pubsub", { xmlns: "http://jabber.org/protocol/pubsub" }),
    }),
  "xep0249-direct-invitation": async () =>
    invitationMessage("muc.example.org", "alice@example.org", { jid: "lobby@muc.example.org", reason: "This group could not be added to your bookmarks automatically" }),
  "xep0045-config-changed-104": async () => roomStatusMessage("lobby@muc.example.org", TO, [Status.CONFIG_CHANGED]),
  "xep0486-avatar-changed": async () => {
    const room = await lobby();
    room._avatar = { uniqueId: "v1", hash: "0123456789abcdef0123456789abcdef01234567", mime: "image/png", data: new Uint8Array([1, 2, 3]) };
    return avatarChanged(room, TO);
  },
  "xep0054-vcard-photo": async () => vcardPhoto({ mime: "image/png", data: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) }),
  "xep0054-vcard-empty": async () => vcardPhoto(),
  "xep0066-participant-file": async () => {
    const file = { url: "https://upload.example.org/z/cat.jpg", name: "cat.jpg", mime: "image/jpeg", size: 1234 };
    return participantMessage(await (await lobby()).getParticipant("bob"), TO, file.url, { id: "L3", stanzaId: "L3" }, fileElements(file));
  },
  "xep0066-participant-url-only": async () =>
    participantMessage(await (await lobby()).getParticipant("bob"), TO, "https://example.org/x", { id: "L4", stanzaId: "L4" }, fileElements({ url: "https://example.org/x" })),
  "xep0363-slot-request": async () => slotRequest("muc.example.org", "upload.example.org", { filename: "cat photo.jpg", size: 1234, contentType: "image/jpeg" }),
  "rfc6120-mailbox-full": async () =>
    errorReply(xml("iq", { from: TO, to: "lobby@muc.example.org", id: "q", type: "set" }), {
      condition: "resource-constraint",
      type: "wait",
      text: "Too many requests are waiting for this room; retry later",
      by: "lobby@muc.example.org",
    }),
  "rfc6120-plugin-error-mapping": async () =>
    [new XMPPError("not-allowed", "Only admins"), new NotImplementedError(), new Error("secret internals")].map((e) =>
      errorReply(xml("message", { from: TO, to: "lobby@muc.example.org", id: "m", type: "groupchat" }), toStanzaError(e)),
    ),
  "rfc6120-join-error-reply": async () =>
    errorReply(
      xml("presence", { from: TO, to: "lobby@muc.example.org", id: "x" }),
      { condition: "jid-malformed", text: "A nickname is required to join", by: "lobby@muc.example.org" },
      xml("x", { xmlns: "http://jabber.org/protocol/muc" }),
    ),
  "xep0424-retraction-echo": async () => {
    const room = await lobby();
    const sent = xml(
      "message",
      { xmlns: "jabber:component:accept", from: TO, to: room.jid, type: "groupchat", id: "r1" },
      retractElement("L1"),
      xml("fallback", { xmlns: "urn:xmpp:fallback:0", for: "urn:xmpp:message-retract:1" }),
      xml("body", {}, "/me retracted a previous message, but it's unsupported by your client."),
    );
    return echoOf(room, sent, "alice@example.org/laptop", "fx-3");
  },
  "xep0424-participant-retraction": async () => retractionMessage(await (await lobby()).getParticipant("bob"), TO, { id: "L3", stanzaId: "L3", target: "L1" }),
  "xep0424-tombstone": async () => {
    const bob = await (await lobby()).getParticipant("bob");
    return tombstone(participantMessage(bob, TO, "oops", { id: "L1", stanzaId: "L1" }), retractedElement("L3", RETRACTED_AT));
  },
  "xep0425-moderation-by-participant": async () => {
    const bob = await (await lobby()).getParticipant("bob");
    return moderationMessage(bob, TO, { id: "M1", stanzaId: "M1", target: "L1" }, moderationBy(bob, "No <spam> here"));
  },
  "xep0425-moderation-by-room": async () => {
    const system = (await lobby()).getSystemParticipant();
    return moderationMessage(system, TO, { id: "M1", stanzaId: "M1", target: "L1" }, moderationBy(system, undefined));
  },
  "xep0425-tombstone": async () => {
    const room = await lobby();
    const [bob, carol] = [await room.getParticipant("bob"), await room.getParticipant("carol")];
    return tombstone(participantMessage(carol, TO, "spam", { id: "L1", stanzaId: "L1" }), moderatedRetracted("M1", RETRACTED_AT, moderationBy(bob, "No spam")));
  },
};

/** When the golden retractions happened. */
const RETRACTED_AT = new Date("2026-12-02T08:00:00Z");

describe("stanza builders match their golden files", () => {
  for (const [name, build] of Object.entries(cases)) {
    it(name, async () => {
      const built = await build();
      const text = `${(Array.isArray(built) ? built : [built]).map((e) => e.toString()).join("\n")}\n`;
      const file = new URL(`../golden/${name}.xml`, import.meta.url);
      if (process.env.UPDATE_GOLDEN || !existsSync(file)) {
        if (!process.env.UPDATE_GOLDEN) throw new Error(`missing golden file ${name}.xml; run with UPDATE_GOLDEN=1`);
        writeFileSync(file, text);
      }
      expect(text).toBe(readFileSync(file, "utf8"));
    });
  }
});
