/**
 * The backfill "hole" of an archive: which legacy messages to fetch, from what is archived.
 *
 * @internal
 * @module
 */
import type { HoleBound, HoleBounds } from "./types.js";

/** An archived message with a legacy id, as the hole search sees it. @internal */
export interface HoleCandidate {
  seq: number;
  timestamp: number;
  legacyId: string;
  /** Archived live in the current run. */
  live: boolean;
}

/**
 * The three look-ups a store answers for {@link findHoleBounds}; each considers only messages
 * with a legacy id, in archive order (timestamp, seq).
 * @internal
 */
export interface HoleFinders {
  /** The newest message. */
  newest(): HoleCandidate | undefined;
  /** The newest message that is not live. */
  newestBackfill(): HoleCandidate | undefined;
  /** The oldest live message, after `from` when given (strictly, by position). */
  oldestLiveAfter(from: HoleCandidate | undefined): HoleCandidate | undefined;
}

const bound = (c: HoleCandidate): HoleBound => ({ legacyId: c.legacyId, timestamp: c.timestamp });

/**
 * Computes {@link HoleBounds} the way slidge does:
 * no message → none; newest is backfill → after it; no backfill → before the oldest live;
 * else after the newest backfill and before the oldest live message newer than it.
 * @internal
 */
export function findHoleBounds(find: HoleFinders): HoleBounds {
  const newest = find.newest();
  if (!newest) return {};
  if (!newest.live) return { after: bound(newest) };
  const backfilled = find.newestBackfill();
  const live = find.oldestLiveAfter(backfilled);
  const bounds: HoleBounds = {};
  if (backfilled) bounds.after = bound(backfilled);
  if (live) bounds.before = bound(live);
  return bounds;
}
