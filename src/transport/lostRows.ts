/**
 * The archived messages the store could not save, as the outbox remembers them: so that no
 * stanza that refers to one (by its XEP-0359 stanza-id, also inside a MAM result) goes out as
 * if it were archived, whether it was queued before the store said so or is sent later (a live
 * message held for a join under way, a join history streamed over several turns).
 */
import type { Element } from "@xmpp/component";
import { LRUCache } from "lru-cache";
import { cloneElement } from "../protocol/rfc6120.js";
import { bareJid } from "../protocol/rfc7622.js";
import { referencedStanzaIds, stripStanzaIds } from "../protocol/xep0359.js";

/** An archived message the store lost: the user's bare JID, the room JID, its stanza-id, and why. */
export interface LostRow {
  user: string;
  room: string;
  stanzaId: string;
  /** What the store's write failed with, if it said. */
  error?: unknown;
}

/**
 * Lost rows kept at most: the stanzas that refer to one go out within seconds of its loss (held
 * ones once a join ends), so the oldest can go.
 */
const MAX_LOST_ROWS = 10_000;
/** How long lost rows are remembered after the last loss: longer than any join or callback holds a stanza. */
export const LOST_ROWS_KEPT_MS = 10 * 60_000;

const keyOf = (user: string, room: string, stanzaId: string) => `${user}\n${room}\n${stanzaId}`;

/**
 * What to send instead of a stanza that refers to a lost row, given that row; nothing to send
 * none. See {@link LostRows.settle}.
 */
export type Substitute = (lost: LostRow) => Element | undefined;

/** The rows the store lost lately; see the module comment. */
export class LostRows {
  readonly #rows = new LRUCache<string, LostRow>({ max: MAX_LOST_ROWS });
  /** What to send instead of a stanza that turns out to refer to a lost row (see {@link settle}). */
  readonly #substitutes = new WeakMap<Element, Substitute>();
  /** When every row is forgotten, epoch ms: {@link LOST_ROWS_KEPT_MS} after the last loss. */
  #forgetAt = 0;

  /** True while no lost row is remembered (the usual case: nothing to check). */
  get empty(): boolean {
    if (this.#rows.size > 0 && Date.now() >= this.#forgetAt) this.#rows.clear();
    return this.#rows.size === 0;
  }

  add(rows: readonly LostRow[]): void {
    for (const row of rows) this.#rows.set(keyOf(row.user, row.room, row.stanzaId), row);
    this.#forgetAt = Date.now() + LOST_ROWS_KEPT_MS;
  }

  /** Gives `stanza` a substitute, used by {@link settle} if it turns out to refer to a lost row. */
  substitute(stanza: Element, substitute: Substitute): void {
    this.#substitutes.set(stanza, substitute);
  }

  /**
   * What to send for `stanza`: itself when it refers to no lost row; else what its
   * {@link substitute} gives for the row; else, for a live groupchat message whose own stanza-id
   * is lost, a copy without the room's stanza-id (delivered, but not claimed to be archived);
   * else nothing (a MAM result of a lost row). `dropped` hears of a stanza replaced by nothing.
   */
  settle(stanza: Element, dropped: (stanza: Element) => void): Element | undefined {
    const row = this.#find(stanza);
    if (!row) return stanza;
    const substitute = this.#substitutes.get(stanza);
    const instead = substitute ? substitute(row) : liveWithoutStanzaId(stanza, row);
    if (!instead) dropped(stanza);
    return instead;
  }

  /** The lost row `stanza` refers to, if any. */
  #find(stanza: Element): LostRow | undefined {
    if (this.empty) return undefined;
    const to = bareJid(stanza.attrs.to ?? "");
    for (const ref of referencedStanzaIds(stanza)) {
      const row = this.#rows.get(keyOf(to, ref.by, ref.id));
      if (row) return row;
    }
    return undefined;
  }
}

/** A groupchat message whose own stanza-id names `row`, without it; undefined for anything else. */
function liveWithoutStanzaId(stanza: Element, row: LostRow): Element | undefined {
  if (stanza.attrs.type !== "groupchat" || stanza.getChild("result")) return undefined;
  const copy = cloneElement(stanza);
  stripStanzaIds(copy, row.room);
  return copy;
}
