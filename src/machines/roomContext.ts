/**
 * Pure questions about the room machine's context that its actions ask: who gets live traffic,
 * what failing everything that waits emits, how a request's report ended, how many places the
 * mailbox has. Kept apart from the setup (roomSetup.ts) so that each file holds one concept.
 *
 * @internal
 * @module
 */
import type { StanzaErrorData } from "../protocol/rfc6120.js";
import { TIMEOUT, errorOf } from "./roomErrors.js";
import type { Audience, RequestKind, RoomContext, RoomEmitted, RoomEvent, RunnerOutcome } from "./roomEvents.js";

/** What failing every waiting join, read and queued request with `error` emits, in that order. */
export function failuresOfAll(context: RoomContext, error: StanzaErrorData): RoomEmitted[] {
  return [
    ...context.joins.map((j): RoomEmitted => ({ type: "join.failed", id: j.id, error })),
    ...context.reads.map((r): RoomEmitted => ({ type: "read.failed", id: r.id, error })),
    ...context.mailbox.map((q): RoomEmitted => ({ type: "request.settled", id: q.id, ok: false, error })),
  ];
}

const NOBODY: readonly string[] = Object.freeze([]);

/** Who gets live traffic now, and who gets it after their join sequence. Allocates nothing in the usual case. */
export function audienceOf(context: RoomContext): Audience {
  const { resources, streaming, joins } = context;
  const now = streaming.length === 0 ? resources : resources.filter((r) => !streaming.includes(r));
  const joining = joins.length === 0 ? NOBODY : [...new Set(joins.map((j) => j.resource).filter((r) => !resources.includes(r)))];
  return { now, streaming: streaming.length === 0 ? NOBODY : streaming, joining };
}

/** The error a failed callback or request is answered with: the timeout, or what it rejected with. */
export const failure = (event: RoomEvent, timeout: boolean): StanzaErrorData =>
  timeout ? TIMEOUT : errorOf("error" in event ? event.error : undefined);

/** The last outcome of a report, when it settled well. */
export function lastOk(outcomes: readonly RunnerOutcome[]): (RunnerOutcome & { ok: true }) | undefined {
  const last = outcomes.at(-1);
  return last?.ok ? last : undefined;
}

/** Places in the mailbox for a request of `kind`; the plugin's onUserJoined/onUserLeft hooks get as many again (refused, one would leave an IRC channel never parted). */
export function placesFor(context: RoomContext, kind: RequestKind): number {
  return kind === "userJoined" || kind === "userLeft" ? context.mailboxSize * 2 : context.mailboxSize;
}
