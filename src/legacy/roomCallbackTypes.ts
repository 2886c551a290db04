/**
 * The argument types of the room callbacks: what `backfill`, `onText`, `onCorrect` and `onFile`
 * receive.
 */
import type { IncomingReply, Mention } from "./replies.js";

/** A message the archive already has, as one end of a {@link BackfillBounds} hole. */
export interface BackfillBound {
  /** The legacy network's id of the message (the `legacyId` it was sent with). */
  id: string;
  /** When it was sent. */
  date: Date;
}

/**
 * The hole in the room's archive that `backfill()` should fill: fetch the messages strictly
 * newer than `after` and strictly older than `before` (slidge's `backfill(after, before)`).
 * Only messages archived with a legacy id count.
 *
 * - `{}`: the archive is empty; fetch the recent history (as much as the network gives).
 * - `{ after }` only: the usual case after a restart. Every message an earlier run archived
 *   counts as history, so `after` is the newest one: fetch what was sent since, while the
 *   gateway was down.
 * - `{ before }` only: history was never fetched and messages arrived live in this run; `before`
 *   is the oldest of them: fetch what came before it.
 * - both: fetch what came between the newest message an earlier run (or backfill) archived and
 *   the oldest message received live in this run after it (the gap of a downtime).
 *
 * @example
 * ```ts
 * override async backfill({ after, before }: BackfillBounds) {
 *   for (const m of await api.history(this.legacyId, { after: after?.id, before: before?.id })) {
 *     (await this.getParticipant(m.author)).sendText(m.text, { legacyId: m.id, when: m.date, archiveOnly: true });
 *   }
 * }
 * ```
 */
export interface BackfillBounds {
  /** Fetch messages newer than this one; absent: from as far back as the network allows. */
  after?: BackfillBound;
  /** Fetch messages older than this one; absent: up to now. */
  before?: BackfillBound;
}

/** What `onText` and `onCorrect` receive besides the body. */
export interface IncomingTextOptions {
  /** The XMPP id the client gave the message (for `onCorrect`: the correction's own id). */
  xmppId?: string;
  /** For `onText`: what the message replies to (XEP-0461); its quote is no longer in the text. */
  replyTo?: IncomingReply;
  /** For `onText`: the participants the text names (XEP-0372, or their nicknames in it), at UTF-16 offsets of the text. */
  mentions?: Mention[];
}
