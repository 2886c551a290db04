/**
 * What the plugin's traffic becomes once the room's machine has decided on it (the `traffic`
 * event): records written, messages archived, and stanzas for the fan-out. Each kind in one
 * place, in the order slidge sends them.
 */
import type { LegacyParticipant } from "../legacy/LegacyParticipant.js";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import type { PluginTraffic } from "../legacy/RoomHost.js";
import type { Audience, RoomEmitted } from "../machines/roomEvents.js";
import { Status, roomStatusMessage } from "../protocol/xep0045.js";
import { type Awaitable, andThen, attempt, reportRejection } from "../store/eitherStore.js";
import { keyOf, newStanzaId } from "./archive.js";
import type { RoomArchive } from "./roomArchive.js";
import { avatarChanged } from "./roomAvatar.js";
import { composeText } from "./outgoingText.js";
import type { Plan, RoomFanOut } from "./roomFanOut.js";
import { participantRecord, saveRoom } from "./roomRecords.js";
import { chatStateElement } from "../protocol/xep0085.js";
import { displayedElement } from "../protocol/xep0333.js";
import { moderationPlan, retractionPlan } from "./retractions.js";
import { fileElements } from "./fileTraffic.js";
import {
  participantMessage,
  participantPresence,
  participantReactions,
  participantSignal,
  renamePresences,
  selfPresence,
  subjectMessage,
  userJid,
} from "./roomStanzas.js";

/**
 * The machine's decision on one piece of traffic: its audience, and what the room's tags say in
 * that snapshot (see the `traffic` emitted event).
 */
export interface TrafficDecision {
  audience: Audience;
  muted: boolean;
  backfilling: boolean;
  /** Participant records are written now (not before `updateInfo` stored the room, nor while `fillParticipants` runs). */
  saves: boolean;
  /** `updateInfo` has run: the store has the room's record. */
  infoKnown: boolean;
}

/** The decision on `event`, in the room's current snapshot. */
export function decisionOf(event: Extract<RoomEmitted, { type: "traffic" }>, snapshot: { hasTag(tag: string): boolean }): TrafficDecision {
  const muted = snapshot.hasTag("muted");
  const infoKnown = snapshot.hasTag("infoKnown");
  return { audience: event.audience, muted, backfilling: snapshot.hasTag("backfilling"), saves: !muted && infoKnown, infoKnown };
}

/** What applying traffic needs: the room, its archive, its fan-out, and its host (to report traffic later). */
export interface TrafficTargets {
  room: LegacyRoom;
  archive: RoomArchive;
  fanOut: RoomFanOut;
  plugin: { tell(traffic: PluginTraffic): void };
  /** Hears of a record write an asynchronous store rejected (a synchronous store throws instead). */
  onError?: ((error: unknown) => void) | undefined;
}

/** The kinds {@link applyTraffic} does nothing with while the room is muted. */
const MUTED_NO_OPS: ReadonlySet<PluginTraffic["kind"]> = new Set(["joined", "saved", "subject", "config"]);

/** The kinds {@link applyTraffic} archives (and that need the room's record in the store first). */
const ARCHIVED: ReadonlySet<PluginTraffic["kind"]> = new Set(["message", "correction", "reaction", "retraction", "moderation"]);

/**
 * True for a report that {@link applyTraffic} would ignore while the room is muted: the adapter
 * asks before sending it to the machine. Keep it in step with the cases below.
 */
export function changesNothingWhileMuted(kind: PluginTraffic["kind"]): boolean {
  return MUTED_NO_OPS.has(kind);
}

/**
 * Applies one piece of the plugin's traffic as the machine decided. With an asynchronous store
 * the result is a promise: what is archived is fanned out once it is written (and what it reads,
 * a target by stanza-id, is read first), so the room runs its next step after it.
 */
export function applyTraffic(t: TrafficTargets, traffic: PluginTraffic, d: TrafficDecision): Awaitable<void> {
  const { room, archive } = t;
  const store = archive.store;
  // A message before `updateInfo` stored the room: the room's record comes first, so that the
  // archive takes the message (updateInfo completes the record when it ends).
  if (store && !d.infoKnown && ARCHIVED.has(traffic.kind)) {
    return andThen(store.getRoom(room.session.user, room.jid), (record) => {
      // The store cannot write: the archive write below fails too, and reports the message lost.
      if (!record) attempt(() => saveRoom(store, room), () => undefined);
      return applyDecided(t, traffic, d);
    });
  }
  return applyDecided(t, traffic, d);
}

/** {@link applyTraffic} once the room's record is known to be stored. */
function applyDecided(t: TrafficTargets, traffic: PluginTraffic, d: TrafficDecision): Awaitable<void> {
  const { room, archive, fanOut } = t;
  const store = archive.store;
  const to = (r: string) => userJid(room, r);
  const live = (plan: Plan) => fanOut.send(plan, d.audience);
  switch (traffic.kind) {
    case "message": {
      const { participant: p, options } = traffic;
      const { body, payload } = composeText(traffic.body, options);
      const id = options.legacyId ?? newStanzaId();
      const ids = { id, stanzaId: id, when: options.when };
      const archiveOnly = options.archiveOnly === true || d.backfilling;
      const extra = () => (traffic.file ? [...payload(), ...fileElements(traffic.file)] : payload());
      // Archived before it is fanned out: what a client received is always in the archive.
      const written = archive.archive(participantMessage(p, room.session.user, body, ids, extra()), id, options.legacyId, options.when, p.jid, archiveOnly);
      archive.messages.record(id, options.legacyId);
      if (p.isUser) archive.messages.recordOwn({ stanzaId: id, legacyId: options.legacyId ?? null, xmppId: id }, [id]);
      if (archiveOnly) return;
      return andThen(written, () => {
        announce(t, p, d);
        live((rs) => rs.map((r) => participantMessage(p, to(r), body, ids, extra())));
      });
    }
    case "correction": {
      const { participant: p, target, body, legacyId } = traffic;
      const stanzaId = legacyId ?? newStanzaId();
      // Named as the user's clients saw the target: their own id for a message the user sent from XMPP.
      return andThen(archive.xmppIdOf(target), (replaces) => {
        const ids = { id: legacyId, stanzaId, replaces };
        const written = archive.archive(participantMessage(p, room.session.user, body, ids), stanzaId, legacyId, undefined, p.jid, d.backfilling);
        archive.messages.record(stanzaId, legacyId);
        return andThen(p.isUser ? archive.ownMessage(target) : undefined, (original) => {
          if (original) archive.messages.recordOwn(original, [legacyId, stanzaId]);
          if (d.backfilling) return;
          return andThen(written, () => {
            announce(t, p, d);
            live((rs) => rs.map((r) => participantMessage(p, to(r), body, ids)));
          });
        });
      });
    }
    case "reaction": {
      const { participant: p, target, emojis } = traffic;
      const stanzaId = traffic.legacyId ?? newStanzaId();
      const reactions = { target, emojis, stanzaId };
      return andThen(archive.archive(participantReactions(p, room.session.user, reactions), stanzaId, traffic.legacyId, undefined, p.jid), () => {
        announce(t, p, d);
        live((rs) => rs.map((r) => participantReactions(p, to(r), reactions)));
      });
    }
    case "retraction":
    case "moderation": {
      // Archived (with the target's tombstone) before it is fanned out, like a message.
      const { participant: p, target, legacyId } = traffic;
      return andThen(archive.isRetracted(target), (retracted) => {
        if (retracted) return; // already sent, e.g. for the user's own moderation request
        const planned = traffic.kind === "retraction" ? retractionPlan(archive, p, target, legacyId, d.backfilling) : moderationPlan(archive, p, target, { reason: traffic.reason, legacyId, backfill: d.backfilling });
        return andThen(planned, (plan) => {
          if (d.backfilling) return;
          if (traffic.kind === "retraction") announce(t, p, d);
          live(plan);
        });
      });
    }
    case "joined":
    case "saved":
      if (d.saves && store && room._isStored(traffic.participant)) reportRejection(store.putParticipant(keyOf(room), participantRecord(traffic.participant)), t.onError);
      // Deferred a turn, so that what the plugin sets right after creating the participant
      // (affiliation, role, presence) is in its first presence instead of a second one; what
      // the plugin reports after it and sends a stanza sends this presence first.
      if (traffic.kind === "joined" && !d.muted) {
        const p = traffic.participant;
        t.fanOut.defer((audience) => announce(t, p, { ...d, audience }));
        setImmediate(() => t.plugin.tell({ kind: "announce", participant: p }));
      }
      return;
    case "announce":
      return t.fanOut.sendDeferred(d.audience);
    case "changed": {
      const p = traffic.participant;
      if (traffic.save && d.saves && store && room._isStored(p)) reportRejection(store.putParticipant(keyOf(room), participantRecord(p)), t.onError);
      // The user's own new role or affiliation (a moderator now, say): their resources learn it
      // from a self-presence (XEP-0045 §9.6); while muted, the join sequences carry it.
      if (p.isUser && traffic.save && !d.muted) return live((rs) => rs.map((r) => selfPresence(room, p, to(r), {})));
      if (p._presenceSent) live((rs) => rs.map((r) => participantPresence(p, to(r))));
      return;
    }
    case "removed": {
      const { participant: p, options } = traffic;
      if (d.saves && store) reportRejection(store.deleteParticipant(keyOf(room), p.resource), t.onError);
      if (!p._presenceSent) return;
      p._presenceSent = false;
      const codes = options.ban ? [Status.BANNED] : options.kick ? [Status.KICKED] : [];
      const extras = { type: "unavailable" as const, statusCodes: codes, reason: options.reason, affiliation: options.ban ? ("outcast" as const) : undefined };
      return live((rs) => rs.map((r) => participantPresence(p, to(r), extras)));
    }
    case "renamed": {
      const p = traffic.participant;
      if (d.saves && store) {
        reportRejection(store.deleteParticipant(keyOf(room), traffic.oldResource), t.onError);
        if (room._isStored(p)) reportRejection(store.putParticipant(keyOf(room), participantRecord(p)), t.onError);
      }
      if (p._presenceSent) live((rs) => rs.flatMap((r) => renamePresences(p, traffic.oldResource, to(r))));
      return;
    }
    case "subject":
    case "config":
      // While muted (updateInfo, fillParticipants) the room is saved when the callback ends, and
      // join sequences carry the subject and the configuration.
      if (d.muted) return;
      // Sent, then saved: a store that cannot write (onError hears) does not keep it from the users.
      if (traffic.kind === "subject") live((rs) => rs.map((r) => subjectMessage(room, to(r), { live: true })));
      else live((rs) => rs.map((r) => roomStatusMessage(room.jid, to(r), [Status.CONFIG_CHANGED])));
      if (store) reportRejection(saveRoom(store, room), t.onError);
      return;
    case "chatState":
    case "displayed": {
      // Ephemeral: to the resources in the room now, not archived, not held for a join under way.
      const p = traffic.participant;
      const signal = traffic.kind === "chatState" ? chatStateElement(traffic.state) : displayedElement(traffic.target);
      announce(t, p, d);
      return fanOut.send((rs) => rs.map((r) => participantSignal(p, to(r), signal)), { now: d.audience.now, streaming: [], joining: [] });
    }
    case "avatar":
      if (traffic.announce && !d.muted) live((rs) => rs.flatMap((r) => avatarChanged(room, to(r))));
      if (store) reportRejection(saveRoom(store, room, { avatar: true }), t.onError);
      return;
  }
}

/** Sends a stored participant's presence once per run: when it appears, or before its first message. */
function announce(t: TrafficTargets, p: LegacyParticipant, d: TrafficDecision): void {
  if (p._presenceSent || p.isUser || p.isSystem || !t.room._isStored(p)) return;
  p._presenceSent = true;
  // Joins that have not started yet list it themselves: it is stored.
  t.fanOut.send((rs) => rs.map((r) => participantPresence(p, userJid(t.room, r))), d.audience, true);
}
