/**
 * Which XEP-0421 occupant id each person of a room gets: one per person, whatever nick they
 * have now, and never one that another person had (XEP-0421 §4).
 */
import { deriveOccupantId } from "../protocol/xep0421.js";

/** What the ledger needs of a participant, stored or live. */
export interface OccupantIdHolder {
  /** Its legacy nickname now (or when it was stored). */
  nickname: string;
  /** Its legacy contact, if it has one. */
  contact?: string | undefined;
  /** The occupant id it has. */
  occupantId: string;
}

/**
 * The occupant ids a room gave out.
 *
 * @remarks
 * A participant with a legacy contact is that contact: its id is derived from the contact, so it
 * is the same under every nick and in every run. A nickname-only participant has nothing but its
 * nick: it gets the id derived from the nick, unless another nick-only participant had that id
 * and then changed nick (it kept the id); the newcomer then gets the next free id of a series
 * derived from the nick (`nick:<nick>`, then `nick:<nick>\0<n>` from n = 2, NUL being impossible in a nick).
 * The ledger knows which nick each id was last seen under, seeded with the participants the
 * store kept (from an earlier run too), so a nick-only participant found again under the nick
 * it was stored with gets its id back, and the newcomer gets a different one after a restart too.
 * An id whose holder left the room is reused by the next participant with its last nick: nothing
 * else tells a nick-only person apart.
 */
export class OccupantIds {
  /**
   * Each id given to a nick-only participant, and the nick it was last seen under; made on the
   * first such participant (most rooms never have one, and an empty Map is not free).
   */
  #nickOf: Map<string, string> | undefined;
  /** Each nick, and the id last seen under it; made with {@link OccupantIds.#nickOf}. */
  #idOf: Map<string, string> | undefined;

  /** The id of a new participant of room `roomJid` (see the class remarks). */
  issue(roomJid: string, nickname: string, contact: string | undefined): string {
    if (contact !== undefined) return deriveOccupantId(roomJid, `contact:${contact}`);
    const known = this.#idOf?.get(nickname);
    if (known !== undefined) return known;
    for (let n = 1; ; n++) {
      const id = deriveOccupantId(roomJid, n === 1 ? `nick:${nickname}` : `nick:${nickname}\0${n}`);
      if (this.#nickOf?.has(id) === true) continue;
      this.#seen(id, nickname);
      return id;
    }
  }

  /** Notes a participant that exists already: restored, or stored by an earlier run. */
  remember(p: OccupantIdHolder): void {
    if (p.contact === undefined) this.#seen(p.occupantId, p.nickname);
  }

  /** Notes that a participant changed nick: its id follows it, and its old nick is free. */
  renamed(p: OccupantIdHolder): void {
    if (p.contact === undefined && this.#nickOf?.has(p.occupantId) === true) this.#seen(p.occupantId, p.nickname);
  }

  #seen(id: string, nickname: string): void {
    this.#nickOf ??= new Map();
    this.#idOf ??= new Map();
    const nickOf = this.#nickOf;
    const idOf = this.#idOf;
    const earlier = nickOf.get(id);
    if (earlier !== undefined && earlier !== nickname && idOf.get(earlier) === id) idOf.delete(earlier);
    nickOf.set(id, nickname);
    idOf.set(nickname, id);
  }
}
