/**
 * The occupants' presences of a join sequence (XEP-0045 §7.2.3), serialized once per occupant
 * and reused for every resource that joins, until the occupant changes. A join of a room of
 * 1,000 then builds no element tree and escapes no text per occupant (see docs/benchmarks.md).
 */
import { type Element, xml } from "@xmpp/component";
import type { LegacyParticipant, ParticipantPresence } from "../legacy/LegacyParticipant.js";
import type { Affiliation, Role } from "../protocol/xep0045.js";
import { SerializedTemplate } from "../protocol/serializedElement.js";
import { participantPresence } from "./roomStanzas.js";

/** A participant's presence without `to`, and what it was built from. */
interface Cached {
  template: SerializedTemplate;
  resource: string;
  nickname: string;
  affiliation: Affiliation;
  role: Role;
  /** `setPresence` replaces the object, never changes it. */
  presence: ParticipantPresence;
  nonAnonymous: boolean;
}

/** Per participant, weakly: a participant that leaves the room (or a passivated room) takes its entry with it. */
const cache = new WeakMap<LegacyParticipant, Cached>();

/** True while the participant still has what its presence was built from. */
function current(c: Cached, p: LegacyParticipant): boolean {
  return (
    c.resource === p.resource &&
    c.nickname === p.nickname &&
    c.affiliation === p.affiliation &&
    c.role === p.role &&
    c.presence === p._presence &&
    c.nonAnonymous === p.room.nonAnonymous
  );
}

/** The presences of `participants` to `to`, in order, as {@link participantPresence} builds them. */
export function* occupantPresences(participants: Iterable<LegacyParticipant>, to: string): Generator<Element> {
  const escapedTo = xml.escapeXML(to);
  for (const p of participants) {
    let c = cache.get(p);
    if (!c || !current(c, p)) {
      c = {
        template: new SerializedTemplate(participantPresence(p, "")),
        resource: p.resource,
        nickname: p.nickname,
        affiliation: p.affiliation,
        role: p.role,
        presence: p._presence,
        nonAnonymous: p.room.nonAnonymous,
      };
      cache.set(p, c);
    }
    yield c.template.make(to, escapedTo);
  }
}
