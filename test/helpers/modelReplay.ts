/**
 * One path's replay against a real RoomActor (test/unit/modelBased.test.ts): feeds the path's
 * events to the actor the way the gateway would cause them, records what it does, and derives
 * the stanzas the chart's emitted events mean.
 */
import type { Element } from "@xmpp/component";
import { vi } from "vitest";
import type { InspectionEvent } from "xstate";
import { AvatarCache } from "../../src/actors/avatars.js";
import { RoomActor } from "../../src/actors/RoomActor.js";
import { destroy, leaveGroup, textMessage } from "../../src/actors/requests.js";
import { restoreRoom } from "../../src/actors/roomRecords.js";
import { XMPPError } from "../../src/legacy/errors.js";
import type { RoomEmitted, RoomEvent, RoomInput } from "../../src/machines/roomEvents.js";
import { iqResult } from "../../src/protocol/rfc6120.js";
import { createMemoryStore } from "../../src/store/memoryStore.js";
import { ALICE, groupchat, joinPresence } from "./harness.js";
import {
  type ActorEvent,
  LEGACY_DOWN,
  MODEL_INPUT,
  type ModelStep,
  RESOURCE,
  invokeSource,
  transitionKey,
} from "./modelPaths.js";
import { ROOM, USER_NICK, PARTICIPANTS, Script, ScriptedRoom, ScriptedSession, earlierActivation, BACKFILLED, line, occupant, fullJid, replyTo, readStanza, destroyStanza, leaveGroupStanza } from "./modelLegacy.js";


// ---- replay ---------------------------------------------------------------------------------------

/** A join, read or request of the path: the stanza that carried it and what it asked for. */
export interface Sent {
  stanza: Element;
  event: RoomEvent;
}

/** Everything the replay of one path needs. */
export class Replay {
  readonly script = new Script();
  readonly store = createMemoryStore({ retentionDays: Number.POSITIVE_INFINITY });
  readonly avatars = new AvatarCache();
  readonly session = new ScriptedSession(ALICE, this.script);
  readonly room = new ScriptedRoom(this.session, this.script);
  readonly sent: Element[] = [];
  readonly transitions: string[] = [];
  readonly emitted: RoomEmitted[] = [];
  readonly errors: unknown[] = [];
  /** The last event sent to the machine from outside (through the RoomActor API). */
  external: RoomEvent | undefined;
  /** Machine ids of the real actor → ids of the model's events. */
  readonly ids = new Map<string, string>();
  /** By model id. */
  readonly requests = new Map<string, Sent>();
  /** What the store archived, oldest first, as join history shows it to `to`. */
  readonly archived: Array<(to: string) => string> = [];
  participantsKnown = false;
  /** Makes the error reporter throw, so that a failure escapes `runBackfill`. */
  reporterThrows = false;
  actor!: RoomActor;
  /** The resources in the room after the last step. */
  #resources: readonly string[] = [];

  async start(input: RoomInput): Promise<void> {
    if (input.restored) {
      await earlierActivation(this.session, this.store, input.restored);
      restoreRoom(this.store, this.room, this.avatars, { participants: input.restored.participants });
      this.participantsKnown = input.restored.participants;
    }
    this.actor = new RoomActor({
      room: this.room,
      outbox: {
        send: (s) => void this.sent.push(s),
        sendAll: (ss) => {
          for (const s of ss) this.sent.push(s);
        },
      },
      mailboxSize: input.mailboxSize,
      callbackTimeoutMs: input.callbackTimeoutMs,
      avatars: this.avatars,
      store: this.store,
      restored: input.restored,
      inspect: (e: InspectionEvent) => {
        if (e.type === "@xstate.microstep") this.transitions.push(...e._transitions.map(transitionKey));
        if (e.type === "@xstate.event" && e.sourceRef === undefined) this.external = e.event as RoomEvent;
      },
      onError: (error) => {
        if (this.reporterThrows) throw error;
        this.errors.push(error);
      },
      onFailure: (error) => this.errors.push(error),
    });
    this.actor.actor.on("*", (e) => void this.emitted.push(e as RoomEmitted));
  }

  /** Feeds one event of the path to the actor, the way the gateway would cause it. */
  async perform(event: ModelStep["event"], stepId: string): Promise<void> {
    const a = this.actor;
    switch (event.type) {
      case "xstate.init":
        return;
      case "join": {
        const stanza = joinPresence("lobby", USER_NICK, event.resource, stepId);
        a.join(stanza, event.resource, USER_NICK, event.history ? {} : { maxstanzas: 0 });
        this.#bind(event, stanza);
        break;
      }
      case "leave":
        a.leave(event.resource);
        break;
      case "resource.gone":
        a.forgetResource(event.resource);
        break;
      case "read": {
        const stanza = readStanza(event.needs, stepId);
        a.read(stanza, event.needs, () => [iqResult(stanza)]);
        this.#bind(event, stanza);
        break;
      }
      case "request": {
        if (event.kind === "message") {
          const stanza = groupchat("lobby", `hello ${stepId}`, RESOURCE, stepId);
          a.request(stanza, "message", textMessage(stanza, a));
          this.#bind(event, stanza);
        } else if (event.kind === "leave") {
          const stanza = leaveGroupStanza(stepId);
          a.request(stanza, "leave", leaveGroup(stanza));
          this.#bind(event, stanza);
        } else {
          const stanza = destroyStanza(stepId);
          a.request(stanza, "destroy", destroy(stanza, "bye"));
          this.#bind(event, stanza);
        }
        break;
      }
      case "remove":
        a.removeUser({ reason: "kicked on the legacy network" });
        break;
      case "request.done":
        this.script.take("runRequest").resolve();
        break;
      case "request.failed":
        this.script.take("runRequest").reject(new XMPPError(LEGACY_DOWN.condition, LEGACY_DOWN.text, LEGACY_DOWN.type));
        break;
      default:
        this.#settle(event);
    }
    await settle();
    this.reporterThrows = false;
  }

  /** An invoked actor's outcome or timeout: the legacy callback behind it settles, or hangs past the timeout. */
  #settle(event: ActorEvent): void {
    const callback = invokeSource(event.type);
    if (event.type.startsWith("xstate.after.")) {
      this.script.abandon(callback);
      vi.advanceTimersByTime(MODEL_INPUT.callbackTimeoutMs);
      return;
    }
    const running = this.script.take(callback);
    if (event.type.startsWith("xstate.done.actor.")) {
      if (callback === "fillParticipants") this.participantsKnown = true;
      // Older than anything archived live.
      if (callback === "backfill") this.archived.unshift((to) => line({ name: "message", type: "groupchat", from: occupant(BACKFILLED.from), to, id: BACKFILLED.legacyId, body: BACKFILLED.body, delay: true }));
      running.resolve();
      return;
    }
    if (callback === "backfill") this.reporterThrows = true;
    running.reject(new XMPPError(LEGACY_DOWN.condition, LEGACY_DOWN.text, LEGACY_DOWN.type));
  }

  /** Ties the machine id the actor gave the event to the model's id. */
  #bind(event: RoomEvent & { id: string }, stanza: Element): void {
    const real = this.external;
    if (!real || real.type !== event.type || !("id" in real)) throw new Error(`the actor did not send ${event.type}`);
    this.ids.set(real.id, event.id);
    this.requests.set(event.id, { stanza, event });
  }

  /** The real emitted events with the model's ids. */
  emittedAsModel(): RoomEmitted[] {
    return this.emitted.splice(0).map((e) => ("id" in e ? { ...e, id: this.ids.get(e.id) ?? `unknown ${e.id}` } : e));
  }

  #sent(id: string): Sent {
    const sent = this.requests.get(id);
    if (!sent) throw new Error(`the model emitted an event for ${id}, which the path never sent`);
    return sent;
  }

  /**
   * The stanzas the chart's emitted events mean, in the order the room actor sends them: read
   * answers are built asynchronously, so they come after the rest of the step.
   */
  expectedStanzas(step: ModelStep): string[] {
    const later: string[] = [];
    const resources = step.snapshot.context.resources;
    // A room that ends has no resources after the step: its last stanzas go to those it had before.
    const before = this.#resources;
    this.#resources = resources;
    const removed = (r: string) => line({ name: "presence", type: "unavailable", from: occupant(USER_NICK), to: fullJid(r), codes: ["100", "110", "307"] });
    const now: string[] = step.event.type === "remove" ? before.map(removed) : [];
    for (const e of step.emitted) {
      switch (e.type) {
        case "join.ready": {
          const { stanza, event } = this.#sent(e.id);
          const to = fullJid(e.resource);
          const history = event.type === "join" && event.history ? this.archived.slice(-20).map((h) => h(to)) : [];
          now.push(
            ...(this.participantsKnown ? PARTICIPANTS : []).map((nick) => line({ name: "presence", from: occupant(nick), to })),
            line({ name: "presence", from: occupant(USER_NICK), to, id: stanza.attrs.id, codes: ["100", "110"] }),
            ...history,
            line({ name: "message", type: "groupchat", from: ROOM, to, subject: true }),
          );
          break;
        }
        case "join.failed":
        case "read.failed":
          now.push(replyTo(this.#sent(e.id).stanza, { type: "error", error: e.error.condition }));
          break;
        case "read.ready":
          later.push(replyTo(this.#sent(e.id).stanza, { type: "result" }));
          break;
        case "request.settled": {
          const { stanza, event } = this.#sent(e.id);
          if (!e.ok) now.push(replyTo(stanza, { type: "error", error: e.error.condition }));
          else if (event.type === "request" && event.kind === "message") {
            const echo = (to: string, delay: boolean) =>
              line({ name: "message", type: "groupchat", from: occupant(USER_NICK), to, id: stanza.attrs.id, body: stanza.getChildText("body") ?? "", delay });
            this.archived.push((to) => echo(to, true));
            now.push(...resources.map((r) => echo(fullJid(r), false)));
          } else if (event.type === "request" && event.kind === "leave") {
            now.push(replyTo(stanza, { type: "result" }), ...before.map(removed));
          } else {
            const from = occupant(USER_NICK);
            now.push(...before.map((r) => line({ name: "presence", type: "unavailable", from, to: fullJid(r), codes: ["110"], destroy: true })));
            now.push(replyTo(stanza, { type: "result" }));
          }
          break;
        }
        case "left":
          now.push(line({ name: "presence", type: "unavailable", from: occupant(USER_NICK), to: fullJid(e.resource), codes: ["110"] }));
          break;
        case "join.dropped":
        case "request.started":
        case "destroyed":
        case "removed":
          break;
      }
    }
    return [...now, ...later];
  }

  stop(): void {
    if (this.actor.actor.getSnapshot().status === "active") this.actor.passivate();
  }
}

/** Lets pending promise callbacks and `setImmediate` work run. */
export async function settle(): Promise<void> {
  await new Promise((r) => setImmediate(r));
}
