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

/** An explicit "no id under this nick", where the nick's own id would otherwise be assumed. */
const NONE = "";

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
 *
 * It keeps only what the nicks do not say: the nicks whose own id (`nick:<nick>`) was given out
 * and is still theirs are one set entry each (most participants of most rooms); an id under
 * another nick than its own (a rename, a series id, a stored participant) is an entry of each
 * map. Read together they answer as two full maps (id → last nick, nick → last id) would.
 */
export class OccupantIds {
  /** Nicks whose own id was seen (given out, or renamed back to); made on the first nick-only participant. */
  #own: Set<string> | undefined;
  /** Each id last seen under another nick than its own, and that nick; made on the first one. */
  #nickOf: Map<string, string> | undefined;
  /** Each nick whose last id is not its own id ({@link NONE}: it has none now); made with {@link OccupantIds.#nickOf}. */
  #idOf: Map<string, string> | undefined;

  /** The id of a new participant of room `roomJid` (see the class remarks). */
  issue(roomJid: string, nickname: string, contact: string | undefined): string {
    if (contact !== undefined) return deriveOccupantId(roomJid, `contact:${contact}`);
    const own = deriveOccupantId(roomJid, `nick:${nickname}`);
    const known = this.#idUnder(nickname, own);
    if (known !== undefined) return known;
    for (let n = 1; ; n++) {
      const id = n === 1 ? own : deriveOccupantId(roomJid, `nick:${nickname}\0${n}`);
      if (this.#nickOf?.has(id) === true || (n === 1 && this.#own?.has(nickname) === true)) continue;
      this.#seen(id, nickname, own);
      return id;
    }
  }

  /** Notes a participant that exists already: restored, or stored by an earlier run. */
  remember(p: OccupantIdHolder): void {
    // Kept in the maps, whether or not the id is the nick's own: no hash per restored participant.
    if (p.contact === undefined) this.#seen(p.occupantId, p.nickname, undefined);
  }

  /** Notes that a participant of room `roomJid` changed nick from `oldNickname`: its id follows it, and its old nick is free. */
  renamed(roomJid: string, p: OccupantIdHolder, oldNickname: string): void {
    if (p.contact !== undefined) return;
    const id = p.occupantId;
    const known = this.#nickOf?.has(id) === true || (this.#own?.has(oldNickname) === true && id === deriveOccupantId(roomJid, `nick:${oldNickname}`));
    if (known) this.#seen(id, p.nickname, deriveOccupantId(roomJid, `nick:${p.nickname}`));
  }

  /** The id last seen under `nick` (`own` is its own id), if it has one. */
  #idUnder(nick: string, own: string): string | undefined {
    const kept = this.#idOf?.get(nick);
    if (kept !== undefined) return kept === NONE ? undefined : kept;
    if (this.#own?.has(nick) !== true) return undefined;
    const holder = this.#nickOf?.get(own);
    return holder === undefined || holder === nick ? own : undefined;
  }

  /** Notes `id` under `nick`; `own` is the nick's own id when known (else the entry is kept in the maps). */
  #seen(id: string, nick: string, own: string | undefined): void {
    const nickOf = this.#nickOf;
    // The nick the id was seen under before, when the ledger can tell without knowing every nick's
    // own id; an id that is the own id of another nick and not in the maps leaves that nick's
    // answer by itself once the id is noted under this nick (see #idUnder).
    const earlier = nickOf?.get(id) ?? (id === own && this.#own?.has(nick) === true ? nick : undefined);
    // An id in the maps was noted with its nick in both: the earlier nick's id, if still this one, is there too.
    if (earlier !== undefined && earlier !== nick && this.#idOf?.get(earlier) === id) this.#dropId(earlier);
    if (id === own) {
      this.#own ??= new Set();
      this.#own.add(nick);
      nickOf?.delete(id);
      this.#idOf?.delete(nick);
      return;
    }
    this.#nickOf ??= new Map();
    this.#idOf ??= new Map();
    this.#nickOf.set(id, nick);
    this.#idOf.set(nick, id);
  }

  /** Forgets the id last seen under `nick` (the id went to another nick). */
  #dropId(nick: string): void {
    this.#idOf?.delete(nick);
    // The nick's own id, still its own, would answer for it: say it has none.
    if (this.#own?.has(nick) === true) this.#idOf?.set(nick, NONE);
  }
}
