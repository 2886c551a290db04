/**
 * The XEP-0045 §7.2 join sequence, as a pure function of the room model: occupant presences,
 * the self-presence (echoing the join's id), the history (XEP-0045 §7.2.15), then the subject (always, even when empty), then,
 * when the room has an avatar, the room presence with its XEP-0153 hash (XEP-0486).
 */
import type { Element } from "@xmpp/component";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import { occupantPresences } from "./joinPresences.js";
import { roomAvatarPresence } from "./roomAvatar.js";
import { selfPresence, subjectMessage } from "./roomStanzas.js";

/** The stanzas that the joining resource `to` receives, in order, built as they are taken. */
export function* joinSequence(
  room: LegacyRoom,
  to: string,
  join: { id?: string; requestedNick?: string; history?: () => Element[] },
): Generator<Element> {
  yield* occupantPresences(room._storedParticipants(), to);
  yield selfPresence(room, room._userParticipant(), to, join);
  if (join.history) yield* join.history();
  yield subjectMessage(room, to);
  if (room.avatarHash) yield roomAvatarPresence(room, to);
}
