/**
 * Retractions (XEP-0424) and moderations (XEP-0425) as the room sends them to the user's
 * resources: the message, archived first (XEP-0424 §6: the archive keeps the retraction itself),
 * then the retracted message replaced by its tombstone, then the plan for every resource. Used
 * by a participant's `retract()` and `moderate()` and by a user's moderation once the legacy
 * network accepted it.
 */
import { type Element, xml } from "@xmpp/component";
import type { LegacyParticipant } from "../legacy/LegacyParticipant.js";
import { xmlSafeText } from "../protocol/resourcepart.js";
import { occupantIdElement } from "../protocol/xep0421.js";
import { retractElement, retractedElement } from "../protocol/xep0424.js";
import { type Moderation, moderatedRetracted, moderationElements } from "../protocol/xep0425.js";
import { stanzaIdElement } from "../protocol/xep0359.js";
import { storeHint } from "../protocol/xep0334.js";
import { type Awaitable, andThen } from "../store/eitherStore.js";
import { newStanzaId } from "./archive.js";
import type { Plan } from "./roomFanOut.js";
import { userJid } from "./roomStanzas.js";

/** What a retraction needs of the room's archive (the room's `RoomArchive`, or a request's `Traffic`). */
export interface RetractionArchive {
  archive(stanza: Element, stanzaId: string, legacyId: string | undefined, when: Date | undefined, authorJid: string, backfill?: boolean): Awaitable<void>;
  retract(stanzaId: string, retracted: Element): Awaitable<void>;
}

/** The ids of a retraction or moderation message: its XMPP id, its stanza-id, and its target's stanza-id. */
interface Ids {
  id: string;
  stanzaId: string;
  target: string;
}

/** A participant's retraction of its message (XEP-0424 §4), from its occupant JID. */
export function retractionMessage(p: LegacyParticipant, to: string, ids: Ids): Element {
  return xml(
    "message",
    { from: p.jid, to, type: "groupchat", id: ids.id },
    retractElement(ids.target),
    storeHint(),
    stanzaIdElement(ids.stanzaId, p.room.jid),
    p.isSystem ? null : occupantIdElement(p.occupantId),
  );
}

/** The room's moderation message (XEP-0425 §5.1, both forms), from the bare room JID. */
export function moderationMessage(moderator: LegacyParticipant, to: string, ids: Ids, m: Moderation): Element {
  const room = moderator.room.jid;
  return xml("message", { from: room, to, type: "groupchat", id: ids.id }, ...moderationElements(ids.target, m), storeHint(), stanzaIdElement(ids.stanzaId, room));
}

/** Who moderates: the participant's occupant JID and id, or the room's JID for the system participant. */
export function moderationBy(moderator: LegacyParticipant, reason: string | undefined): Moderation {
  return {
    by: moderator.jid,
    occupantId: moderator.isSystem ? undefined : moderator.occupantId,
    reason: reason === undefined ? undefined : xmlSafeText(reason),
  };
}

/**
 * `p` retracts its message with stanza-id `target`: the retraction is archived under
 * `legacyId` (or a new stanza-id), the target becomes a tombstone, and the plan sends the
 * retraction to every resource (once both are written, with an asynchronous store).
 */
export function retractionPlan(archive: RetractionArchive, p: LegacyParticipant, target: string, legacyId: string | undefined, backfill = false): Awaitable<Plan> {
  const stanzaId = legacyId ?? newStanzaId();
  const ids = { id: stanzaId, stanzaId, target };
  const plan: Plan = (rs) => rs.map((r) => retractionMessage(p, userJid(p.room, r), ids));
  const archived = archive.archive(retractionMessage(p, p.room.session.user, ids), stanzaId, legacyId, undefined, p.jid, backfill);
  return andThen(archived, () => andThen(archive.retract(target, retractedElement(ids.id, new Date())), () => plan));
}

/**
 * `moderator` (a participant, the user's participant, or the room's system participant)
 * retracts the message with stanza-id `target`: like {@link retractionPlan}, with the moderation
 * message from the bare room JID and a tombstone that says who moderated it and why.
 */
export function moderationPlan(
  archive: RetractionArchive,
  moderator: LegacyParticipant,
  target: string,
  options: { reason?: string | undefined; legacyId?: string | undefined; backfill?: boolean },
): Awaitable<Plan> {
  const stanzaId = options.legacyId ?? newStanzaId();
  const ids = { id: stanzaId, stanzaId, target };
  const m = moderationBy(moderator, options.reason);
  const room = moderator.room;
  const plan: Plan = (rs) => rs.map((r) => moderationMessage(moderator, userJid(room, r), ids, m));
  const archived = archive.archive(moderationMessage(moderator, room.session.user, ids, m), stanzaId, options.legacyId, undefined, room.jid, options.backfill);
  return andThen(archived, () => andThen(archive.retract(target, moderatedRetracted(ids.id, new Date(), m)), () => plan));
}
