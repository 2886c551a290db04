/**
 * The participant list of one room, indexed the three ways a plugin finds a participant: by
 * resource (its occupant JID's resourcepart, unique in the room), by legacy nickname, and by
 * legacy contact. Plain data: what a change means for the user is the room's business.
 *
 * Each index is made when its first participant is stored: an idle room (nobody filled in yet)
 * and a room whose participants have no contact do without the Maps (~184 B of heap each). An
 * idle room took 8.58 KiB with all three made up front and 8.04 KiB without them (`npm run bench
 * -- --only memory`).
 */
import type { LegacyParticipant } from "./LegacyParticipant.js";

type Index = Map<string, LegacyParticipant>;

/** A room's stored participants; see the module comment. */
export class RoomRoster {
  #byResource: Index | undefined;
  #byNickname: Index | undefined;
  #byContact: Index | undefined;

  /** The participant with this nickname (the first one stored with it), or with this resource. */
  byNickname(nickname: string): LegacyParticipant | undefined {
    return this.#byNickname?.get(nickname) ?? this.#byResource?.get(nickname);
  }

  /** The participant behind this legacy contact. */
  byContact(contact: string): LegacyParticipant | undefined {
    return this.#byContact?.get(contact);
  }

  /** True when a stored participant has this resource. */
  hasResource(resource: string): boolean {
    return this.#byResource?.has(resource) === true;
  }

  /** True when this very participant is stored. */
  holds(p: LegacyParticipant): boolean {
    return this.#byResource?.get(p.resource) === p;
  }

  /** Every stored participant, in the order they were stored. */
  all(): LegacyParticipant[] {
    return this.#byResource ? [...this.#byResource.values()] : [];
  }

  /** Stores a participant under its current resource, nickname and contact. */
  add(p: LegacyParticipant): void {
    this.#byResource ??= new Map();
    this.#byNickname ??= new Map();
    this.#byResource.set(p.resource, p);
    if (!this.#byNickname.has(p.nickname)) this.#byNickname.set(p.nickname, p);
    if (p.contact === undefined) return;
    this.#byContact ??= new Map();
    this.#byContact.set(p.contact, p);
  }

  /** Changes a stored participant's nickname or resource (`change`) and files it under the new ones. */
  reindex(p: LegacyParticipant, change: () => void): void {
    this.remove(p);
    change();
    this.add(p);
  }

  /** Forgets a participant (to change its resource or nickname, use {@link reindex}). */
  remove(p: LegacyParticipant): void {
    this.#byResource?.delete(p.resource);
    if (this.#byNickname?.get(p.nickname) === p) this.#byNickname.delete(p.nickname);
    if (p.contact !== undefined && this.#byContact?.get(p.contact) === p) this.#byContact.delete(p.contact);
  }
}
