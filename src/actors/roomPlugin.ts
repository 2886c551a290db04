/**
 * The thin adapter a plugin's {@link LegacyRoom} talks to (its {@link RoomHost}): every report
 * of what the plugin did becomes part of a `plugin` event of the room's machine, whose decision
 * the room's runtime applies; the questions the room asks (muted? backfilling?) are answered by
 * the machine's tags.
 *
 * The first report of a synchronous run of the plugin goes to the machine at once. The reports
 * that follow it in the same run (a loop delivering 100 legacy messages) are one more event: the
 * machine decides once for all of them, which it would decide the same way one by one, since
 * nothing reaches the machine in between. That batch goes at the end of the run (a microtask), or
 * at once when anything else is about to ({@link PluginAdapter.flush}), so reports keep their
 * order with every other event. One event per report cost a quarter of a plugin message's time
 * (fanout bench, 1 resource).
 */
import type { Actor } from "xstate";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import type { AvatarSource, BookmarkOptions } from "../legacy/roomServiceTypes.js";
import type { PluginTraffic, RoomHost } from "../legacy/RoomHost.js";
import type { QueuedRequest, ReadNeeds, RoomEvent } from "../machines/roomEvents.js";
import type { RoomSnapshot } from "../machines/roomStatus.js";
import { type GatewayServices, addToBookmarks, defaultServices } from "./bookmarks.js";
import type { RunnerSlot, sharedRoomMachine } from "./legacyActors.js";
import { changesNothingWhileMuted } from "./pluginTraffic.js";
import { newEntryId, type PendingEntries } from "./pendingEntries.js";
import type { RoomAvatar } from "./roomAvatar.js";
import type { StanzaSink } from "./roomFanOut.js";
import type { LegacyParticipant, SendTextOptions } from "../legacy/LegacyParticipant.js";
import type { OutgoingFile } from "../legacy/files.js";
import { NO_UPLOADS, ReportOrder, sendFile } from "./fileTraffic.js";
import { checkPluginText } from "../protocol/stanzaSize.js";
import { domainOf } from "../protocol/rfc7622.js";

/**
 * Refuses, at the plugin's own call, a text too big for one stanza: a `RangeError` naming the
 * limit (XEP-0045 and XEP-0308 define no way to split a message, so none is split).
 */
function checkTrafficSize(traffic: PluginTraffic, limit: number): void {
  if (traffic.kind === "message") checkPluginText("sendText", traffic.body, limit);
  else if (traffic.kind === "correction") checkPluginText("correct", traffic.body, limit);
}

/**
 * What the adapter reaches of its room: plain references, no closures (a closure per room that
 * is called gets its own feedback vector: ~250 B of heap per idle room each).
 */
export interface PluginAdapterParts {
  room: LegacyRoom;
  actor: Actor<typeof sharedRoomMachine>;
  pending: PendingEntries;
  outbox: StanzaSink;
  services: GatewayServices | undefined;
  /** The room's running request runner, if any: its held outcomes go to the machine before anything else. */
  runner: RunnerSlot;
}

/** A room's {@link RoomHost}, and the one way into its machine for everything but stanzas. */
export class PluginAdapter implements RoomHost {
  readonly #parts: PluginAdapterParts;
  /** The room's avatar; set once, right after the adapter (it reports through it). */
  avatar: RoomAvatar | undefined;
  /** Reports the machine has not decided on yet, by id; only while there are some. */
  #waiting: Map<number, PluginTraffic> | undefined;
  #nextId = 1;
  /** The first report not yet sent to the machine, if any. */
  #unsent: number | undefined;
  /** True from a report sent at once to the end of that synchronous run. */
  #inRun = false;
  /** Reports waiting for a file ahead of them to upload; made by the room's first `sendFile`. */
  #order: ReportOrder | undefined;
  /** The requests of this synchronous run, not yet sent to the machine. */
  #unsentRequests: QueuedRequest[] | undefined;
  /** True while a microtask is queued to send {@link #unsentRequests}. */
  #requestsDue = false;

  constructor(parts: PluginAdapterParts) {
    this.#parts = parts;
  }

  tell(traffic: PluginTraffic): void {
    const limit = this.#parts.services?.maxStanzaBytes;
    if (limit !== undefined) checkTrafficSize(traffic, limit);
    if (this.#order?.holds(traffic)) return;
    // While muted (the machine's tag), these reports change nothing the user sees or the store
    // keeps: updateInfo's and fillParticipants' ends save the room and its list. Not sending them
    // keeps a 10,000-participant fill from costing 10,000 events (+20% on its first join).
    if (changesNothingWhileMuted(traffic.kind) && this.muted) return;
    // The requests that settled before this report go first: no participant's message overtakes an echo.
    this.#parts.runner.report?.();
    this.#flushRequests();
    const id = this.#nextId++;
    if (!this.#waiting) this.#waiting = new Map();
    this.#waiting.set(id, traffic);
    if (this.#unsent !== undefined) return;
    if (this.#inRun) {
      this.#unsent = id;
      return;
    }
    this.#inRun = true;
    queueMicrotask(() => this.#endRun());
    this.#parts.actor.send({ type: "plugin", id, count: 1, kind: traffic.kind });
  }

  #endRun(): void {
    this.#inRun = false;
    this.flush();
  }

  /**
   * Queues a request in the machine's mailbox. The requests of a synchronous run (a socket read
   * that holds many stanzas) go together, as one `requests` event, at the end of the run (a
   * microtask) or before any other event. One event per request cost a macrostep each (roundtrip
   * bench: two per echoed message); sending the first of a run at once cost one more a read.
   */
  request(request: QueuedRequest): void {
    if (this.#unsentRequests) {
      this.#unsentRequests.push(request);
      return;
    }
    this.flush();
    this.#unsentRequests = [request];
    if (this.#requestsDue) return;
    this.#requestsDue = true;
    queueMicrotask(() => {
      this.#requestsDue = false;
      this.#flushRequests();
    });
  }

  /** How many requests wait to be sent to the machine (see {@link request}). */
  get unsentRequests(): number {
    return this.#unsentRequests?.length ?? 0;
  }

  #flushRequests(): void {
    const requests = this.#unsentRequests;
    if (!requests) return;
    this.#unsentRequests = undefined;
    this.#parts.actor.send({ type: "requests", requests });
  }

  /**
   * Sends what the machine has not heard yet (one event each kind): the requests, the reports,
   * then the outcomes the request runner holds (they settled after the last report: see
   * {@link tell}). Call before any other event.
   */
  flush(): void {
    this.#flushRequests();
    const first = this.#unsent;
    if (first !== undefined) {
      this.#unsent = undefined;
      const kind = this.#waiting?.get(first)?.kind ?? "message";
      this.#parts.actor.send({ type: "plugin", id: first, count: this.#nextId - first, kind });
    }
    this.#parts.runner.report?.();
  }

  /** Sends the machine an event, after the reports made before it. */
  deliver(event: RoomEvent): void {
    this.flush();
    this.#parts.actor.send(event);
  }

  /** The report the machine decided on, once. */
  take(id: number): PluginTraffic | undefined {
    const traffic = this.#waiting?.get(id);
    // An idle room holds no map (~200 B): the reports are taken a batch at a time.
    if (this.#waiting?.delete(id) && this.#waiting.size === 0) this.#waiting = undefined;
    return traffic;
  }

  /** The room machine's current snapshot. */
  snapshot(): RoomSnapshot {
    return this.#parts.actor.getSnapshot();
  }

  get muted(): boolean {
    return this.snapshot().hasTag("muted");
  }

  /**
   * True while `backfill` runs (or a timed-out one still does), unless `fillParticipants` runs
   * too: the participants it creates are the room's list, not senders of old messages.
   */
  get backfilling(): boolean {
    const snapshot = this.snapshot();
    return snapshot.hasTag("backfilling") && !snapshot.hasTag("muted");
  }

  /** Resolves once the machine has `needs` (rejects when the callback that gets it failed). */
  whenKnown(needs: ReadNeeds): Promise<void> {
    const id = newEntryId();
    const done = this.#parts.pending.promise(id);
    this.deliver({ type: "read", id, needs });
    return done;
  }

  ensureParticipants(): Promise<void> {
    return this.whenKnown("participants");
  }

  addToBookmarks(options: BookmarkOptions): Promise<boolean> {
    const { room, services, outbox } = this.#parts;
    return addToBookmarks(room, options, services ?? defaultServices(domainOf(room.jid), outbox));
  }

  async setAvatar(a: AvatarSource | null, uniqueId: string | undefined, options: { blocking?: boolean; cancel?: boolean }): Promise<void> {
    await this.avatar?.set(a, uniqueId, options);
  }

  kickResource(resource: string): void {
    this.deliver({ type: "resource.gone", resource, kicked: true });
  }

  sendFile(participant: LegacyParticipant, file: OutgoingFile, options: SendTextOptions): Promise<void> {
    this.#order ??= new ReportOrder(this.#parts.room);
    return sendFile(this.#order, this.#parts.services?.uploads ?? NO_UPLOADS, participant, file, options);
  }
}
