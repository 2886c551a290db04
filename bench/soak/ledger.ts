/**
 * The soak's accounting: every groupchat message sent (by a client or by a legacy participant)
 * and where it must arrive. A message is owed, exactly once, to every resource that had finished
 * joining its room when it was sent ("expected"); a resource that was joining or leaving at that
 * moment may get it once or not at all ("maybe"). Anything else is a fault: an expected delivery
 * that never came (lost), a second copy (duplicated), or a copy to a resource that was not in the
 * room (stray).
 */

/** One sent message: how many copies each resource got, and which resources are owed one. */
interface Entry {
  room: string;
  /** Resources owed exactly one copy → copies received. */
  expected: Map<string, number>;
  /** Resources that may get one copy → copies received. */
  maybe: Map<string, number>;
  /** The gateway answered with an error: nothing is owed. */
  refused: boolean;
}

/** What {@link Ledger.report} counts. */
export interface LedgerReport {
  /** Messages sent. */
  sent: number;
  /** Messages the gateway refused with an error (owed to nobody, reported apart). */
  refused: number;
  /** Copies owed (one per expected resource of every message not refused). */
  owed: number;
  /** Owed copies that arrived (once). */
  delivered: number;
  /** Owed copies that never arrived. */
  lost: number;
  /** Copies beyond the first, to any resource. */
  duplicated: number;
  /** Copies to a resource that was neither expected nor maybe (not in the room). */
  stray: number;
  /** Copies to resources that were joining or leaving when the message was sent. */
  maybeDelivered: number;
}

const pair = (resource: string, room: string) => `${resource}\n${room}`;

/** The soak's ledger of messages and their deliveries. */
export class Ledger {
  readonly #entries = new Map<string, Entry>();
  /** (resource, room) → ids of messages still owed to that resource. */
  readonly #owed = new Map<string, Set<string>>();
  #duplicated = 0;
  #stray = 0;

  /** Records a message `id` sent to `room`, owed to `expected` and possibly reaching `maybe`. */
  sent(id: string, room: string, expected: Iterable<string>, maybe: Iterable<string> = []): void {
    if (this.#entries.has(id)) throw new Error(`ledger: message ${id} recorded twice`);
    const entry: Entry = { room, expected: new Map(), maybe: new Map(), refused: false };
    for (const r of expected) {
      entry.expected.set(r, 0);
      this.#owedSet(r, room).add(id);
    }
    for (const r of maybe) if (!entry.expected.has(r)) entry.maybe.set(r, 0);
    this.#entries.set(id, entry);
  }

  /** A copy of message `id` reached `resource`; returns what it was. */
  received(id: string, resource: string): "delivered" | "maybe" | "duplicated" | "stray" {
    const entry = this.#entries.get(id);
    const counts = entry?.expected.has(resource) ? entry.expected : entry?.maybe.has(resource) ? entry.maybe : undefined;
    if (!entry || !counts) {
      this.#stray++;
      return "stray";
    }
    const copies = (counts.get(resource) ?? 0) + 1;
    counts.set(resource, copies);
    if (copies > 1) {
      this.#duplicated++;
      return "duplicated";
    }
    if (counts === entry.maybe) return "maybe";
    this.#settle(id, resource, entry.room);
    return "delivered";
  }

  /** The gateway answered message `id` with an error: nothing of it is owed any more. */
  refused(id: string): void {
    const entry = this.#entries.get(id);
    if (!entry || entry.refused) return;
    entry.refused = true;
    for (const r of entry.expected.keys()) this.#settle(id, r, entry.room);
  }

  /** How many messages are still owed to `resource` in `room`. */
  owedTo(resource: string, room: string): number {
    return this.#owed.get(pair(resource, room))?.size ?? 0;
  }

  /** How many copies are still owed, in all. */
  get outstanding(): number {
    let n = 0;
    for (const ids of this.#owed.values()) n += ids.size;
    return n;
  }

  /** The counts so far; what is still owed counts as lost. */
  report(): LedgerReport {
    const r: LedgerReport = { sent: this.#entries.size, refused: 0, owed: 0, delivered: 0, lost: 0, duplicated: this.#duplicated, stray: this.#stray, maybeDelivered: 0 };
    for (const entry of this.#entries.values()) {
      for (const copies of entry.maybe.values()) if (copies > 0) r.maybeDelivered++;
      if (entry.refused) {
        r.refused++;
        continue;
      }
      for (const copies of entry.expected.values()) {
        r.owed++;
        if (copies > 0) r.delivered++;
        else r.lost++;
      }
    }
    return r;
  }

  #owedSet(resource: string, room: string): Set<string> {
    const k = pair(resource, room);
    const ids = this.#owed.get(k) ?? new Set<string>();
    this.#owed.set(k, ids);
    return ids;
  }

  #settle(id: string, resource: string, room: string): void {
    const k = pair(resource, room);
    const ids = this.#owed.get(k);
    ids?.delete(id);
    if (ids?.size === 0) this.#owed.delete(k);
  }
}
