/**
 * XEP-0313: Message Archive Management (`urn:xmpp:mam:2` and `urn:xmpp:mam:2#extended`)
 * https://xmpp.org/extensions/xep-0313.html
 * XEP-0059: Result Set Management
 * https://xmpp.org/extensions/xep-0059.html
 *
 * The query and result shapes of a room archive and the paging rules both stores share.
 *
 * Semantics (each store implements the filtering, this file the paging):
 * - filters (XEP-0313 #filter): `start` and `end` are inclusive; `with` matches the author's
 *   occupant JID exactly; `afterId`/`beforeId` are strict bounds by archive position;
 *   `ids` keeps only those messages and every id must be archived, else `item-not-found`
 *   (#query-limit-id);
 * - order: chronological by (timestamp, store sequence), so equal timestamps stay in
 *   insertion order (#archive_order);
 * - paging (XEP-0059 #forwards, #backwards): `after` pages forward from an id (exclusive);
 *   `before` pages backward to an id (exclusive) and `before: ""` asks for the last page; the
 *   page holds at most `max` messages, capped at {@link MAM_MAX_PAGE};
 * - `complete` is true when the page was not cut by its size (XEP-0313 #query-paging-request),
 *   i.e. no further message exists in the paging direction: older ones when paging backward
 *   with `before`, newer ones otherwise;
 * - `count` is the number of items in the full result set (XEP-0059 #forwards): every message
 *   matching the filters, whatever `after`, `before` and `max` say, so it is the same on every
 *   page; `first`/`last` are the oldest and newest ids of the page, absent when it is empty;
 * - `flipPage` only reverses the order of the page's messages, never which messages are in it
 *   (XEP-0313 #query-paging-flip); `first`/`last` stay the oldest/newest so that `<after/>` and
 *   `<before/>` keep paging the same way.
 *
 * @module
 */
import type { ArchivedMessage } from "./types.js";

/**
 * The largest page a MAM query returns: `max` above it is lowered to it, and a query without
 * `max` returns at most this many messages with `complete: false` when more match.
 */
export const MAM_MAX_PAGE = 250;

/** A XEP-0313 query on one room's archive; absent fields do not filter. Times are epoch ms. */
export interface MamQuery {
  /** Only messages with `timestamp >= start`. */
  start?: number;
  /** Only messages with `timestamp <= end`. */
  end?: number;
  /** Only messages whose author occupant JID is exactly this. */
  with?: string;
  /** Only messages archived before this stanza-id (strict, by position). */
  beforeId?: string;
  /** Only messages archived after this stanza-id (strict, by position). */
  afterId?: string;
  /** Only these stanza-ids; each must be in the archive. An empty list does not filter. */
  ids?: readonly string[];
  /** RSM `<max/>`: page size, 0 to only count. Capped at {@link MAM_MAX_PAGE}. */
  max?: number;
  /** RSM `<after/>`: the page after this stanza-id. An empty string is ignored. */
  after?: string;
  /** RSM `<before/>`: the page before this stanza-id; `""` for the last page. */
  before?: string;
  /** `<flip-page/>`: return the page newest first. */
  flipPage?: boolean;
}

/** The answer to a {@link MamQuery}, as the `<fin/>` element reports it. */
export interface MamResult {
  /** The page, chronological unless `flipPage` was asked. */
  messages: ArchivedMessage[];
  /** No further message exists in the paging direction. */
  complete: boolean;
  /** Stanza-id of the oldest message of the page. */
  first?: string;
  /** Stanza-id of the newest message of the page. */
  last?: string;
  /** Number of messages matching the filters, all pages together. */
  count: number;
}

/** One end of the archive, as in `<start id timestamp/>`. */
export interface ArchiveMark {
  /** Stanza-id. */
  id: string;
  /** Epoch ms. */
  timestamp: number;
}

/** XEP-0313 archive metadata (#archive-metadata); both ends absent when the archive is empty. */
export interface ArchiveMetadata {
  /** The oldest message. */
  start?: ArchiveMark;
  /** The newest message. */
  end?: ArchiveMark;
}

/**
 * The page size of a query, validated.
 * @throws TypeError when `max` is not a non-negative integer, or `start`/`end` not finite.
 * @internal
 */
export function pageSizeOf(query: MamQuery): number {
  const { max, start, end } = query;
  if (max !== undefined && !(Number.isInteger(max) && max >= 0)) {
    throw new TypeError(`MamQuery.max must be a non-negative integer, got ${max}`);
  }
  for (const [name, value] of [["start", start], ["end", end]] as const) {
    if (value !== undefined && !Number.isFinite(value)) {
      throw new TypeError(`MamQuery.${name} must be epoch milliseconds, got ${value}`);
    }
  }
  return Math.min(max ?? MAM_MAX_PAGE, MAM_MAX_PAGE);
}

/** True when the query filters (anything besides paging). @internal */
export function isFiltered(query: MamQuery): boolean {
  return (
    query.start !== undefined ||
    query.end !== undefined ||
    query.with !== undefined ||
    query.beforeId !== undefined ||
    query.afterId !== undefined ||
    (query.ids?.length ?? 0) > 0
  );
}

/** True when the query pages backward (RSM `<before/>`, with or without an id). @internal */
export function isBackward(query: MamQuery): boolean {
  return query.before !== undefined;
}

/**
 * Builds the result from the messages of the paging window read in paging direction (oldest
 * first forward, newest first backward), at most `size + 1` of them.
 * @internal
 */
export function pageResult(window: ArchivedMessage[], size: number, query: MamQuery, count: number): MamResult {
  const page = window.slice(0, size);
  if (isBackward(query)) page.reverse();
  const oldest = page[0];
  const newest = page[page.length - 1];
  const result: MamResult = {
    messages: query.flipPage ? [...page].reverse() : page,
    complete: window.length <= size,
    count,
  };
  if (oldest && newest) {
    result.first = oldest.stanzaId;
    result.last = newest.stanzaId;
  }
  return result;
}
