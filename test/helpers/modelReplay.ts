/**
 * One path's replay against a real RoomActor (test/unit/modelBased.test.ts): feeds the path's
 * events to the actor the way the gateway would cause them, records what it does, and derives
 * the stanzas the chart's emitted events mean.
 */
import type { Element } from "@xmpp/component";
import type { AnyActorRef, EventObject, InspectionEvent } from "xstate";
import { AvatarCache } from "../../src/actors/avatars.js";
import { type TrafficDecision, decisionOf } from "../../src/actors/pluginTraffic.js";
import { RoomActor, type StanzaSink } from "../../src/actors/RoomActor.js";
import { destroy, leaveGroup, textMessage } from "../../src/actors/requests.js";
import { handleRoomStanza } from "../../src/actors/roomInbox.js";
import { restoreRoom } from "../../src/actors/roomRecords.js";
import type { ShutdownTally } from "../../src/actors/roomShutdown.js";
import { XMPPError } from "../../src/legacy/errors.js";
import type { RoomEmitted, RoomEvent, RoomInput } from "../../src/machines/roomEvents.js";
import { type PassivatedState, participantsKnownIn } from "../../src/machines/roomStatus.js";
import { iqResult } from "../../src/protocol/rfc6120.js";
import { createMemoryStore } from "../../src/store/memoryStore.js";
import { ALICE, groupchat, joinPresence } from "./harness.js";
import type { ModelStep } from "./modelSteps.js";
import { type ActorEvent, type ModelSnapshot, CHATTER, LEGACY_DOWN, RESOURCE, chatterBody, chatterId, invokeSource, transitionKey } from "./modelPaths.js";
import { Expected, type Sent } from "./modelExpected.js";
import { ROOM, Script, ScriptedRoom, ScriptedSession, USER_NICK, destroyStanza, leaveGroupStanza, leaveStanza, readStanza } from "./modelLegacy.js";

/** The replay's outbox reports this backlog, above the fan-out's `JOIN_BACKLOG` (2,000): a long join sequence waits for it to drain. */
const BACKLOG = 1_000_000;

// ---- replay ---------------------------------------------------------------------------------------

/** Everything the replay of one path needs. */
export class Replay {
  readonly script = new Script();
  readonly store = createMemoryStore({ retentionDays: Number.POSITIVE_INFINITY });
  readonly avatars = new AvatarCache();
  readonly session = new ScriptedSession(ALICE, this.script);
  /** The plugin's room of the current activation (a re-activation gets a new one). */
  room = new ScriptedRoom(this.session, this.script);
  readonly sent: Element[] = [];
  readonly transitions: string[] = [];
  readonly emitted: RoomEmitted[] = [];
  /** Transitions the plugin's traffic took (`plugin` events), apart from the path's. */
  readonly pluginTransitions: string[][] = [];
  /** The decisions on the plugin's traffic: the machine's audience, and the tags the runtime reads in the same snapshot. */
  readonly traffic: TrafficDecision[] = [];
  readonly errors: unknown[] = [];
  /** The last event sent to the machine from outside (through the RoomActor API). */
  external: RoomEvent | undefined;
  /** What `RoomActor.shutdown` resolved with, once the room ended. */
  tally: ShutdownTally | undefined;
  /** What the last resume step's room actor passivated as. */
  passivated: PassivatedState | undefined;
  /** Machine ids of the real actor → ids of the model's events. */
  readonly ids = new Map<string, string>();
  /** By model id. */
  readonly requests = new Map<string, Sent>();
  /** The stanzas the user should see. */
  readonly expected = new Expected((id) => {
    const sent = this.requests.get(id);
    if (!sent) throw new Error(`the model emitted an event for ${id}, which the path never sent`);
    return sent;
  });
  /** Makes the error reporter throw, so that a failure escapes `runBackfill`. */
  reporterThrows = false;
  actor!: RoomActor;
  /** The room actor's XState actor (its scheduler, its emitted events), as its inspection shows it. */
  machine!: AnyActorRef;
  /** What the outbox's backlog holds back: each drains on the model's `join.streamed`. */
  readonly #drains: Array<() => void> = [];
  /** Every stanza goes to `sent`; the backlog it reports holds a long join sequence after its first chunk. */
  readonly #outbox: StanzaSink = {
    send: (s) => void this.sent.push(s),
    sendAll: (ss) => {
      for (const s of ss) this.sent.push(s);
    },
    size: BACKLOG,
    flushed: () => new Promise<void>((resolve) => this.#drains.push(resolve)),
  };
  #input!: RoomInput;

  async start(input: RoomInput): Promise<void> {
    this.#input = input;
    this.#activate(undefined);
  }

  /** A room actor for the current plugin room: a fresh one, or one resuming from a passivated state. */
  #activate(resumeFrom: PassivatedState | undefined): void {
    const input = this.#input;
    this.actor = new RoomActor({
      room: this.room,
      outbox: this.#outbox,
      mailboxSize: input.mailboxSize,
      callbackTimeoutMs: input.callbackTimeoutMs,
      avatars: this.avatars,
      store: this.store,
      ...(resumeFrom && { resumeFrom }),
      inspect: (e: InspectionEvent) => {
        if (e.type === "@xstate.actor" && e.actorRef.sessionId === e.rootId) this.machine = e.actorRef as AnyActorRef;
        if (e.type === "@xstate.microstep") {
          const keys = e._transitions.map(transitionKey);
          if (e.event.type === "plugin") this.pluginTransitions.push(keys);
          else this.transitions.push(...keys);
        }
        if (e.type === "@xstate.event" && e.sourceRef === undefined) this.external = e.event as RoomEvent;
      },
      onError: (error) => {
        if (this.reporterThrows) throw error;
        this.errors.push(error);
      },
      onFailure: (error) => this.errors.push(error),
    });
    const actor = this.machine;
    actor.on("*", (e) => {
      const emitted = e as RoomEmitted;
      if (emitted.type !== "traffic") return void this.emitted.push(emitted);
      this.traffic.push(decisionOf(emitted, actor.getSnapshot()));
    });
  }

  /** Feeds one event of the path to the actor, the way the gateway would cause it. */
  async perform(event: ModelStep["event"], stepId: string): Promise<void> {
    const a = this.actor;
    switch (event.type) {
      case "xstate.init":
        return;
      case "resume":
        return this.#resume(event.room);
      case "join": {
        const stanza = joinPresence("lobby", USER_NICK, event.resource, stepId);
        a.join(stanza, event.resource, USER_NICK, event.history ? {} : { maxstanzas: 0 });
        this.#bind(event, stanza);
        break;
      }
      case "join.streamed":
        // The outbox drains: the fan-out sends the rest of the join sequence, then tells the machine.
        for (const drain of this.#drains.splice(0)) drain();
        break;
      case "leave":
      case "resource.gone":
        // As the router hands them over: an unavailable presence, or a presence error saying the resource is gone.
        handleRoomStanza(a, leaveStanza(event.resource, event.type === "resource.gone"), { resource: event.resource, nick: USER_NICK }, (s) => {
          this.sent.push(s);
        });
        break;
      case "read": {
        const stanza = readStanza(event.needs, stepId);
        a.read(stanza, event.needs, () => [iqResult(stanza)]);
        this.#bind(event, stanza);
        break;
      }
      case "requests": {
        const { kind } = event.requests[0]!;
        if (event.requests.length !== 1) throw new Error("the model sends requests one by one");
        if (kind === "message") {
          const stanza = groupchat("lobby", `hello ${stepId}`, RESOURCE, stepId);
          a.request(stanza, "message", textMessage(stanza, a.archive));
          await endOfRun(); // the requests of a synchronous run reach the machine at its end
          this.#bind(event, stanza);
        } else if (kind === "leave") {
          const stanza = leaveGroupStanza(stepId);
          a.request(stanza, "leave", leaveGroup(stanza));
          await endOfRun(); // the requests of a synchronous run reach the machine at its end
          this.#bind(event, stanza);
        } else {
          const stanza = destroyStanza(stepId);
          a.request(stanza, "destroy", destroy(stanza, "bye"));
          await endOfRun(); // the requests of a synchronous run reach the machine at its end
          this.#bind(event, stanza);
        }
        break;
      }
      case "shutdown":
        void a.shutdown(event.graceMs).then((tally) => {
          this.tally = tally;
        });
        break;
      case "remove":
        a.removeUser({ kick: event.kick, ...(event.reason !== undefined && { reason: event.reason }) });
        break;
      case "backfill.ended":
        // The late call sends its old message and ends; the room actor tells the machine itself.
        this.expected.backfilled();
        this.script.takeLate("backfill").resolve();
        break;
      case "requests.settled":
        if (event.outcomes[0]?.ok) this.script.take("runRequest").resolve();
        else this.script.take("runRequest").reject(new XMPPError(LEGACY_DOWN.condition, LEGACY_DOWN.text, LEGACY_DOWN.type));
        break;
      case "plugin": {
        // A legacy user the room does not list writes: one report, whatever the room is doing.
        const chatter = await this.room.getParticipant(CHATTER, { store: false });
        chatter.sendText(chatterBody(stepId), { legacyId: chatterId(stepId) });
        break;
      }
      default:
        this.#settle(event);
    }
    await settle();
    this.reporterThrows = false;
  }

  /**
   * Passivates the room actor (as the registry does with an idle room) and re-activates the room
   * as the registry does: with the plugin room the plugin still holds (`kept`), or with a new
   * one restored from the store (`restored`: its info, and its participants when
   * `fillParticipants` ran), and a new room actor resuming from the passivated state.
   */
  #resume(room: "kept" | "restored"): void {
    // As the registry's sweep does: a path may passivate the room before its first stanza.
    const state = this.actor.passivate({ evenFresh: true });
    if (!state) throw new Error("the room actor did not passivate: it is not idle");
    this.passivated = state;
    if (room === "restored") {
      this.room = new ScriptedRoom(this.session, this.script);
      restoreRoom(this.store, this.room, this.avatars, { participants: participantsKnownIn(state) });
    }
    this.#activate(state);
  }

  /** An invoked actor's outcome or timeout: the legacy callback behind it settles, or hangs past the timeout. */
  #settle(event: ActorEvent): void {
    const callback = invokeSource(event.type);
    if (event.type.startsWith("xstate.after.")) {
      // Its actor stops; the call goes on: a late `backfill` until the path says `backfill.ended`, the others forever.
      // The overrun's limit: the late call goes on, no longer followed (it never ends in the model).
      // The runner's linger in `standby` times no call: no request is in flight.
      if (!event.type.endsWith(".backfillOverrun") && !event.type.endsWith(".standby")) this.script.outlive(callback);
      this.#fireTimer(event.type);
      return;
    }
    const running = this.script.take(callback);
    if (event.type.startsWith("xstate.done.actor.")) {
      if (callback === "fillParticipants") this.expected.participantsKnown = true;
      if (callback === "backfill") this.expected.backfilled();
      running.resolve();
      return;
    }
    if (callback === "backfill") this.reporterThrows = true;
    running.reject(new XMPPError(LEGACY_DOWN.condition, LEGACY_DOWN.text, LEGACY_DOWN.type));
  }

  /**
   * Fires the actor's pending `after` timer for `type` now, as its timeout would: several
   * callbacks may be timed at once (a request and `backfill`), and the path says which one times
   * out. What the timer's own callback does: it leaves the scheduler and is relayed to the actor.
   */
  #fireTimer(type: string): void {
    const system = this.machine.system;
    const timer = Object.values(system.getSnapshot()._scheduledEvents).find((t) => t.event.type === type);
    if (!timer) throw new Error(`no timer pending for ${type}`);
    system.scheduler.cancel(timer.source, timer.id);
    (system as unknown as { _relay(source: AnyActorRef, target: AnyActorRef, event: EventObject): void })._relay(timer.source, timer.target, timer.event);
  }

  /** Ties the machine id the actor gave the event to the model's id. */
  #bind(event: RoomEvent, stanza: Element): void {
    const real = this.external;
    const id = (e: RoomEvent) => (e.type === "requests" ? e.requests[0]?.id : "id" in e ? String(e.id) : undefined);
    const [realId, modelId] = [real && id(real), id(event)];
    if (!real || real.type !== event.type || realId === undefined || modelId === undefined) throw new Error(`the actor did not send ${event.type}`);
    this.ids.set(realId, modelId);
    this.requests.set(modelId, { stanza, event });
  }

  /** The real emitted events with the model's ids. */
  emittedAsModel(): RoomEmitted[] {
    return this.emitted.splice(0).map((e) => ("id" in e ? ({ ...e, id: this.ids.get(String(e.id)) ?? `unknown ${e.id}` } as RoomEmitted) : e));
  }

  /** The stanzas the chart's emitted events in `step` (taken in `before`) mean, in the order the room actor sends them. */
  expectedStanzas(step: ModelStep, stepId: string, before: ModelSnapshot | undefined): string[] {
    return this.expected.of(step, stepId, before);
  }

  /** True while the store has the room's record. */
  roomStored(): boolean {
    return this.store.getRoom(ALICE, ROOM) !== undefined;
  }

  /** Stops the room actor, whatever it is doing (a path may end anywhere). */
  stop(): void {
    if (this.actor.snapshot.status === "active") this.machine.stop();
  }
}

/** Lets the microtask that ends a synchronous run (the adapter's batch of requests) run first. */
const endOfRun = () => Promise.resolve();

/**
 * Lets pending promise callbacks and `setImmediate` work run, including the turn-end report of a
 * request runner that started its next request (scheduled by a promise callback of this turn).
 */
export async function settle(): Promise<void> {
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
}
