/**
 * The runtime of one room: turns what the room's machine emits into stanzas for the outbox.
 * Joins get their join sequence (streamed by the fan-out), reads and requests their answers,
 * the plugin's traffic its fan-out, and the room's end its presences. With an asynchronous store
 * a step may return a promise (it waits for a read, or for a write before its fan-out); the room
 * runs its next step after it (see `inOrder.ts`).
 */
import type { Element } from "@xmpp/component";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import { DETACHED_HOST } from "../legacy/RoomHost.js";
import { type Awaitable, type GatewayStore, andThen, attempt, isPromise, reportRejection } from "../store/eitherStore.js";
import { ABANDONED, GONE, REMOVED, SHUTTING_DOWN } from "../machines/roomErrors.js";
import type { RoomEmitted } from "../machines/roomEvents.js";
import type { ShutdownTally } from "./roomShutdown.js";
import { type UserHook, hookAfterEnd, hookFailure, hookOf, leftWithRoom } from "./userHooks.js";
import type { StanzaErrorData } from "../protocol/rfc6120.js";
import { Status } from "../protocol/xep0045.js";
import { stanzaIdOf } from "../protocol/xep0359.js";
import { joinSequence } from "./joinSequence.js";
import { answerFailure, answerRead, guardEchoes, type PendingEntries } from "./pendingEntries.js";
import { type TrafficDecision, applyTraffic, decisionOf } from "./pluginTraffic.js";
import type { RoomArchive } from "./roomArchive.js";
import type { RoomFanOut, StanzaSink } from "./roomFanOut.js";
import type { PluginAdapter } from "./roomPlugin.js";
import { removedPresences, selfUnavailable, userGone, userJid } from "./roomStanzas.js";

/** The parts of a room the runtime acts on. */
export interface RoomRuntimeParts {
  room: LegacyRoom;
  outbox: StanzaSink;
  fanOut: RoomFanOut;
  archive: RoomArchive;
  pending: PendingEntries;
  plugin: PluginAdapter;

  store: GatewayStore | undefined;
  /** Hears of a write an asynchronous store rejected that no stanza waits for (a room's deletion, a participant). */
  onError: ((error: unknown) => void) | undefined;
  /** Called once the room ended (destroyed, or the user removed), after its rows are deleted. */
  onEnded: (() => void) | undefined;
  /** What the gateway's shutdown refused and abandoned in this room. */
  tally: ShutdownTally;
  /** Queues the plugin's `onUserJoined` / `onUserLeft` in the mailbox, when the plugin overrides either. */
  userHook: (hook: UserHook) => void;
  /** The gateway's `onWarning`: a failed hook. */
  warn: (message: string, error?: unknown) => void;
}

/**
 * Handles one emitted event of a room's machine; see the module comment. `decided`: for a
 * `traffic` event, the machine's decision taken when it was emitted (the step may run later).
 */
export function runEmitted(parts: RoomRuntimeParts, event: RoomEmitted, decided?: TrafficDecision): Awaitable<void> {
  const { room, outbox, pending, fanOut } = parts;
  switch (event.type) {
    case "join.ready":
      return andThen(completeJoin(parts, event.id, event.resource), () => {
        if (event.entered) parts.userHook({ hook: "onUserJoined", resource: event.resource, first: event.first });
      });
    case "join.dropped": {
      // What was held for the join goes with it: a later join of the resource starts afresh.
      const entry = pending.take(event.id);
      if (entry?.type === "join") fanOut.forget(entry.resource);
      return;
    }
    case "join.failed":
    case "read.failed":
      return failEntry(parts, event.id, event.error);
    case "read.ready": {
      const entry = pending.take(event.id);
      if (entry?.type === "read") answerRead(entry, outbox, room.jid);
      return;
    }
    case "request.started":
      return;
    case "request.settled": {
      if (!event.ok) return failEntry(parts, event.id, event.error);
      const entry = pending.take(event.id);
      if (entry?.type !== "request" || !entry.plan) return;
      const stanza = entry.stanza;
      if (!stanza) return; // a hook (onUserJoined, onUserLeft) answers nobody
      const stanzas = entry.plan(event.resources);
      // A request that ends the room stops every join sequence: its presences go out at once.
      const ends = entry.kind === "destroy" || entry.kind === "leave";
      guardEchoes(stanza, stanzas, outbox, room.jid);
      return fanOut.sendAnswer(stanzas, ends ? [] : event.streaming, (r) => userJid(room, r), (now) => outbox.sendAll(now));
    }
    case "traffic":
      return applyFrom(parts, event.id, event.id + event.count, decided ?? decisionOf(event, parts.plugin.snapshot()));
    case "left":
      fanOut.forget(event.resource);
      outbox.send(selfUnavailable(room, userJid(room, event.resource), []));
      parts.userHook({ hook: "onUserLeft", resource: event.resource, last: event.last });
      return;
    case "gone":
      fanOut.forget(event.resource);
      if (event.kicked) outbox.send(userGone(room, userJid(room, event.resource), Status.ERROR_KICK));
      parts.userHook({ hook: "onUserLeft", resource: event.resource, last: event.last });
      return;
    case "removal":
      if (event.kick) outbox.sendAll(removedPresences(room, event.resources, event.reason));
      return;
    case "destroyed":
    case "removed":
      // Its rows go, as slidge deletes them, and what the plugin still does to it is dropped.
      fanOut.forget();
      room._host = DETACHED_HOST;
      if (parts.store) reportRejection(parts.store.deleteRoom(room.session.user, room.jid), parts.onError);
      parts.onEnded?.();
      return leftWithRoom(room, event.resources, parts.warn);
    case "stopped":
      // The store keeps it; what the plugin does from now on is dropped. No onUserLeft: see leftWithRoom.
      fanOut.forget();
      room._host = DETACHED_HOST;
      return outbox.sendAll(event.resources.map((r) => userGone(room, userJid(room, r), Status.SHUTDOWN)));
  }
}

/** Applies the plugin's traffic `id` to `end` (excluded), one after the other. */
function applyFrom(parts: RoomRuntimeParts, id: number, end: number, decision: TrafficDecision): Awaitable<void> {
  for (; id < end; id++) {
    const traffic = parts.plugin.take(id);
    const applied = traffic && applyTraffic(parts, traffic, decision);
    if (isPromise(applied)) return applied.then(() => applyFrom(parts, id + 1, end, decision));
  }
}

/** Answers a join, read or request that failed, and forgets it. */
function failEntry(parts: RoomRuntimeParts, id: string, error: StanzaErrorData): void {
  const entry = parts.pending.take(id);
  if (entry?.type === "join") parts.fanOut.forget(entry.resource);
  if (error === SHUTTING_DOWN && entry?.stanza) parts.tally.refused++;
  if (error === ABANDONED && entry) parts.tally.abandoned++;
  // A hook the room's end took out of the mailbox did not fail: see hookAfterEnd.
  if (entry?.type === "request" && !entry.stanza && (error === GONE || error === REMOVED)) hookAfterEnd(parts.room, entry.kind, entry.run, parts.warn);
  else if (entry?.type === "request" && !entry.stanza) parts.warn(hookFailure(hookOf(entry.kind), parts.room.jid, error), error);
  else if (entry) answerFailure(entry, error, parts.outbox, parts.room.jid);
}

function completeJoin(parts: RoomRuntimeParts, id: string, resource: string): Awaitable<void> {
  const { room, fanOut } = parts;
  const entry = parts.pending.take(id);
  // The machine counts the resource as streaming until the fan-out says it is done.
  if (entry?.type !== "join") return fanOut.stream(resource, []);
  for (const p of room._storedParticipants()) p._presenceSent = true;
  const to = userJid(room, resource);
  // A store that cannot read: the join goes on without history (onError hears why), never hangs.
  const read = attempt(
    () => parts.archive.history(to, entry.history),
    (error): Element[] => {
      parts.onError?.(error);
      return [];
    },
  );
  return andThen(read, (archived) => {
    // Live traffic that arrived during the join is held for after the subject, not repeated as history.
    const live = fanOut.heldStanzaIds(resource);
    const history = archived.filter((m) => !live.has(stanzaIdOf(m) ?? ""));
    fanOut.stream(resource, joinSequence(room, to, { id: entry.stanza.attrs.id, requestedNick: entry.requestedNick, history: () => history }));
  });
}
