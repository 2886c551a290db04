/**
 * The history the demo's legacy network holds for a room, and the part of it a `backfill` asks
 * for: only the messages strictly inside the hole (`after` … `before`), as a network API that
 * pages by message id would return them (slidge's backfill contract, see `BackfillBounds`).
 */
import type { BackfillBound, BackfillBounds } from "../legacy/LegacyRoom.js";
import type { FixtureHistoryMessage, FixtureRoom } from "./fixture.js";

/**
 * The room's history, oldest first: the listed `history`, then `generatedHistory` messages
 * `g1`…`gN`, one a minute up to `now`, sent in turn by the room's participants.
 */
export function fixtureHistory(spec: FixtureRoom, now: number): FixtureHistoryMessage[] {
  const senders = spec.participants.length > 0 ? spec.participants.map((p) => p.nick) : ["someone"];
  const start = now - spec.generatedHistory * 60_000;
  const generated = Array.from({ length: spec.generatedHistory }, (_, k) => {
    const i = k + 1;
    return { id: `g${i}`, from: senders[i % senders.length] as string, body: `generated message ${i}`, at: new Date(start + i * 60_000) };
  });
  return [...spec.history, ...generated];
}

/**
 * The messages of `history` (oldest first) inside the hole of `bounds`: after `after` and before
 * `before`, both excluded. A bound the history holds is found by its id (its position counts); one
 * it does not hold (a message the network never listed, such as one received live) by its date.
 *
 * @example
 * ```ts
 * inHole(history, { after: { id: "h1", date }, before: { id: "h4", date } }); // h2, h3
 * ```
 */
export function inHole(history: readonly FixtureHistoryMessage[], { after, before }: BackfillBounds): FixtureHistoryMessage[] {
  const position = (bound: BackfillBound | undefined) => (bound ? history.findIndex((m) => m.id === bound.id) : -1);
  const first = position(after);
  const last = position(before);
  return history.filter(
    (m, i) =>
      (!after || (first >= 0 ? i > first : m.at.getTime() > after.date.getTime())) &&
      (!before || (last >= 0 ? i < last : m.at.getTime() < before.date.getTime())),
  );
}
