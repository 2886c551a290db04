/**
 * Plays one timed event of a fixture room: what a legacy participant (or the room) does at
 * `afterMs`, as a plugin would report it through the participant and room methods.
 */
import type { LegacyParticipant } from "../legacy/LegacyParticipant.js";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import type { FixtureEvent } from "./fixture.js";
import { playReply } from "./fixtureText.js";

/**
 * Carries out `event` in `room`. `byNick` finds a participant of the room by its nick (the user's
 * own nick names the user's participant); it throws for an unknown nick.
 */
export async function playEvent(room: LegacyRoom, event: FixtureEvent, byNick: (nick: string) => LegacyParticipant): Promise<void> {
  if ("rename" in event) byNick(event.rename.from).rename(event.rename.to);
  else if ("presence" in event) {
    const { nick, show, status, idleSince } = event.presence;
    byNick(nick).setPresence({ show: show === "available" ? undefined : show, status, idleSince });
  } else if ("join" in event) {
    const { nick, contact, affiliation, role } = event.join;
    const p = contact ? await room.getParticipantByContact(contact, nick) : await room.getParticipant(nick);
    p.affiliation = affiliation;
    p.role = role;
  } else if ("leave" in event) {
    const { nick, kick, ban, reason } = event.leave;
    room.removeParticipant(byNick(nick), { kick, ban, reason });
  } else if ("message" in event) byNick(event.message.from).sendText(event.message.body, { legacyId: event.message.id });
  else if ("affiliation" in event) byNick(event.affiliation.nick).affiliation = event.affiliation.affiliation;
  else if ("role" in event) byNick(event.role.nick).role = event.role.role;
  else if ("react" in event) byNick(event.react.from).react(event.react.to, event.react.emojis);
  else if ("correct" in event) {
    const { from, to, body, id } = event.correct;
    byNick(from).correct(to, body, { legacyId: id });
  } else if ("composing" in event) byNick(event.composing.from).composing();
  else if ("paused" in event) byNick(event.paused.from).paused();
  else if ("displayed" in event) byNick(event.displayed.from).displayed(event.displayed.id);
  else if ("reply" in event) playReply(event.reply, byNick);
  else if ("retract" in event) byNick(event.retract.from).retract(event.retract.to, { legacyId: event.retract.id });
  else if ("moderate" in event) {
    const { by, to, reason, id } = event.moderate;
    (by === undefined ? room.getSystemParticipant() : byNick(by)).moderate(to, { reason, legacyId: id });
  } else if ("subject" in event) {
    room.subjectSetter = event.subject.setter;
    room.subjectDate = new Date();
    room.subject = event.subject.text;
  }
}
