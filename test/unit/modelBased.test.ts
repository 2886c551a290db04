/**
 * Model-based tests of the room machine: the chart is the truth.
 *
 * `xstate/graph` explores the real room machine (test/helpers/modelPaths.ts) and gives paths that
 * together visit every reachable (abstract) state and take every transition of the chart. Each
 * path is replayed against a real {@link RoomActor}, built the way the registry builds one, over
 * a {@link LegacyRoom} whose callbacks settle only when the path says so, a recording outbox and
 * a memory store. After each step the actor must be where the chart is: the same state value and
 * abstract context, the same transitions taken, the same events emitted, and the stanzas that
 * those events mean (derived from the events, never written per path).
 *
 * Timeouts (`xstate.after.*`) are replayed with fake `setTimeout`: time moves only when a path
 * takes a timeout, so no callback times out behind the replayer's back.
 */
import { type Element, xml } from "@xmpp/component";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { InspectionEvent } from "xstate";
import { AvatarCache } from "../../src/actors/avatars.js";
import { RoomActor } from "../../src/actors/RoomActor.js";
import { destroy, textMessage } from "../../src/actors/requests.js";
import { restoreRoom, saveParticipants, saveRoom } from "../../src/actors/roomRecords.js";
import { XMPPError } from "../../src/legacy/errors.js";
import { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import type { ReadNeeds, RestoredSteps, RoomEmitted, RoomEvent, RoomInput } from "../../src/machines/roomEvents.js";
import { NS } from "../../src/protocol/namespaces.js";
import { iqResult } from "../../src/protocol/rfc6120.js";
import { NS_MAM } from "../../src/protocol/xep0313.js";
import { createMemoryStore } from "../../src/store/memoryStore.js";
import type { Store } from "../../src/store/types.js";
import { ALICE, DOMAIN, conditionOf, groupchat, iq, joinPresence } from "../helpers/harness.js";
import {
  type ActorEvent,
  LEGACY_DOWN,
  RUNNER_ERROR,
  MODEL_INPUT,
  type ModelPath,
  type ModelSnapshot,
  type ModelStep,
  RESOURCE,
  abstractOf,
  allStateIds,
  allTransitions,
  invokeSource,
  modelPaths,
  serializeState,
  transitionKey,
} from "../helpers/modelPaths.js";

const ROOM = `lobby@${DOMAIN}`;
const USER_NICK = "alice";
const PARTICIPANTS = ["bob", "carol"];

/**
 * The inputs the paths start from: a fresh room, and a room re-activated after passivation with
 * every callback already run (the only way to take the `restored*` transitions).
 */
const INPUTS: Array<{ name: string; input: RoomInput }> = [
  { name: "fresh room", input: MODEL_INPUT },
  { name: "re-activated room", input: { ...MODEL_INPUT, restored: { info: true, participants: true, archive: true } } },
];
const generated = INPUTS.map(({ name, input }) => ({ name, input, ...modelPaths(input) }));

/**
 * Transitions of the chart the replay cannot take, with the reason. (The backfill actor fails
 * only when something around the plugin's `backfill` fails, since `runBackfill` reports the
 * plugin's own errors to `onError`; the replay makes that reporter throw, so it is covered.)
 */
const NOT_COVERED: Record<string, string> = {
  [`room.active.mailbox.busy ${RUNNER_ERROR} #0`]:
    "the request runner answers every failure of a request with request.failed; it has no failure of its own to replay",
};

// ---- the legacy side, scripted -------------------------------------------------------------------

type Callback = "updateInfo" | "fillParticipants" | "backfill" | "runRequest";

/** The legacy callbacks that are running, each settled by the replayer when its path says. */
class Script {
  readonly #running = new Map<string, { resolve: () => void; reject: (e: unknown) => void }>();

  /** Called by a callback; settles on command. */
  wait(callback: Callback): Promise<void> {
    if (this.#running.has(callback)) throw new Error(`${callback} runs twice at once`);
    return new Promise((resolve, reject) => this.#running.set(callback, { resolve, reject }));
  }

  /** The running callback of this actor, now settled by the caller. */
  take(callback: string) {
    const running = this.#running.get(callback);
    if (!running) throw new Error(`${callback} is not running`);
    this.#running.delete(callback);
    return running;
  }

  /** A callback that timed out: it hangs forever, its actor long stopped. */
  abandon(callback: string): void {
    this.take(callback);
  }
}

/** What `updateInfo` finds on the legacy network. */
function describeRoom(room: LegacyRoom): void {
  room.name = "The Lobby";
  room.subject = "Welcome";
}

/** What `backfill` finds on the legacy network: one old message, archived only. */
const BACKFILLED = { from: "dave", body: "from the legacy archive", legacyId: "old-1", when: new Date("2020-01-01T00:00:00Z") };

/** What `fillParticipants` finds on the legacy network. */
async function addParticipants(room: LegacyRoom): Promise<void> {
  for (const nick of PARTICIPANTS) await room.getParticipant(nick);
}

class ScriptedRoom extends LegacyRoom {
  readonly #script: Script;

  constructor(session: LegacySession, script: Script) {
    super(session, "lobby");
    this.#script = script;
    this.jid = ROOM;
  }

  override async updateInfo(): Promise<void> {
    await this.#script.wait("updateInfo");
    describeRoom(this);
  }

  override async fillParticipants(): Promise<void> {
    await this.#script.wait("fillParticipants");
    await addParticipants(this);
  }

  override async backfill(): Promise<void> {
    await this.#script.wait("backfill");
    const { from, body, ...options } = BACKFILLED;
    (await this.getParticipant(from)).sendText(body, options);
  }

  override async onText(): Promise<string | undefined> {
    await this.#script.wait("runRequest");
    return undefined;
  }

  override async onDestroyRequest(): Promise<void> {
    await this.#script.wait("runRequest");
  }
}

class ScriptedSession extends LegacySession {
  override createRoom(): LegacyRoom {
    throw new Error("the replayer creates its rooms itself");
  }
}

/** What an earlier activation left in the store, as the registry finds it when it re-activates a room. */
async function earlierActivation(session: LegacySession, store: Store, restored: RestoredSteps): Promise<void> {
  const earlier = new ScriptedRoom(session, new Script());
  earlier._quiet = true;
  if (restored.info) describeRoom(earlier);
  if (restored.participants) await addParticipants(earlier);
  earlier._quiet = false;
  saveRoom(store, earlier);
  if (restored.participants) saveParticipants(store, earlier);
}

// ---- stanzas, as one line each -----------------------------------------------------------------

interface Line {
  name: string;
  type?: string | undefined;
  from: string | undefined;
  to: string | undefined;
  id?: string | undefined;
  codes?: string[];
  destroy?: boolean;
  subject?: boolean;
  body?: string | undefined;
  delay?: boolean;
  error?: string | undefined;
}

function line(l: Line): string {
  const parts = [l.type ? `${l.name}/${l.type}` : l.name, `${l.from} -> ${l.to}`];
  if (l.id) parts.push(`id=${l.id}`);
  if (l.codes?.length) parts.push(`[${[...l.codes].sort().join(",")}]`);
  if (l.destroy) parts.push("destroy");
  if (l.subject) parts.push("subject");
  if (l.body !== undefined) parts.push(`body=${l.body}`);
  if (l.delay) parts.push("delay");
  if (l.error) parts.push(`error=${l.error}`);
  return parts.join(" ");
}

/** What the test looks at in a sent stanza. */
function lineOf(s: Element): string {
  const x = s.getChild("x", NS.MUC_USER);
  return line({
    name: s.name,
    type: s.attrs.type,
    from: s.attrs.from,
    to: s.attrs.to,
    id: s.attrs.id,
    codes: (x?.getChildren("status") ?? []).map((c) => String(c.attrs.code)),
    destroy: x?.getChild("destroy") !== undefined,
    subject: s.getChild("subject") !== undefined,
    body: s.getChildText("body") ?? undefined,
    delay: s.getChild("delay", NS.DELAY) !== undefined,
    error: conditionOf(s),
  });
}

const occupant = (nick: string) => `${ROOM}/${nick}`;
const fullJid = (resource: string) => `${ALICE}/${resource}`;
const replyTo = (stanza: Element, extra: Partial<Line> = {}) =>
  line({ name: stanza.name, from: stanza.attrs.to, to: stanza.attrs.from, id: stanza.attrs.id, ...extra });

// ---- the stanzas the user's events are made of --------------------------------------------------

function readStanza(needs: ReadNeeds, id: string): Element {
  if (needs === "info") return iq("get", ROOM, xml("query", { xmlns: NS.DISCO_INFO }), id, RESOURCE);
  if (needs === "participants") return iq("get", ROOM, xml("query", { xmlns: NS.MUC_ADMIN }, xml("item", { role: "participant" })), id, RESOURCE);
  return iq("get", ROOM, xml("metadata", { xmlns: NS_MAM }), id, RESOURCE);
}

function destroyStanza(id: string): Element {
  return iq("set", ROOM, xml("query", { xmlns: NS.MUC_OWNER }, xml("destroy", {}, xml("reason", {}, "bye"))), id, RESOURCE);
}

// ---- replay ---------------------------------------------------------------------------------------

/** A join, read or request of the path: the stanza that carried it and what it asked for. */
interface Sent {
  stanza: Element;
  event: RoomEvent;
}

/** Everything the replay of one path needs. */
class Replay {
  readonly script = new Script();
  readonly store = createMemoryStore({ retentionDays: Number.POSITIVE_INFINITY });
  readonly avatars = new AvatarCache();
  readonly session = new ScriptedSession(ALICE);
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

  async start(input: RoomInput): Promise<void> {
    if (input.restored) {
      await earlierActivation(this.session, this.store, input.restored);
      restoreRoom(this.store, this.room, this.avatars);
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
        } else {
          const stanza = destroyStanza(stepId);
          a.request(stanza, "destroy", destroy(stanza, "bye"));
          this.#bind(event, stanza);
        }
        break;
      }
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
    const now: string[] = [];
    const later: string[] = [];
    const resources = step.snapshot.context.resources;
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
          } else {
            const from = occupant(USER_NICK);
            now.push(...resources.map((r) => line({ name: "presence", type: "unavailable", from, to: fullJid(r), codes: ["110"], destroy: true })));
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
async function settle(): Promise<void> {
  await new Promise((r) => setImmediate(r));
}

function describeEvent(e: ModelStep["event"]): string {
  switch (e.type) {
    case "join":
      return e.history ? "join+history" : "join";
    case "read":
      return `read ${e.needs}`;
    case "request":
      return e.kind;
    case "leave":
    case "resource.gone":
      return e.type;
    case "request.done":
      return "runRequest done";
    case "request.failed":
      return "runRequest error";
    default: {
      const kind = e.type.startsWith("xstate.after.") ? "timeout" : e.type.startsWith("xstate.done.") ? "done" : "error";
      return `${invokeSource(e.type)} ${kind}`;
    }
  }
}

/** A path as a line of its events. */
function describePath(path: ModelPath): string {
  return path.steps.slice(1).map((s) => describeEvent(s.event)).join(" > ") || "(init)";
}

async function replay(path: ModelPath, input: RoomInput): Promise<void> {
  const r = new Replay();
  await r.start(input);
  const label = describePath(path);
  try {
    for (const [i, step] of path.steps.entries()) {
      await r.perform(step.event, `s${i}`);
      const where = `step ${i} (${step.event.type === "xstate.init" ? "init" : describeEvent(step.event)}) of ${label}`;
      const snapshot = r.actor.actor.getSnapshot();
      expect(snapshot.value, where).toEqual(step.snapshot.value);
      expect(abstractOf(snapshot as ModelSnapshot), where).toEqual(abstractOf(step.snapshot));
      expect(r.transitions.splice(0), where).toEqual(step.transitions);
      expect(r.emittedAsModel(), where).toEqual(step.emitted);
      expect(r.sent.splice(0).map(lineOf), where).toEqual(r.expectedStanzas(step));
    }
    expect(r.errors).toEqual([]);
  } finally {
    r.stop();
  }
}

// ---- tests ----------------------------------------------------------------------------------------

describe("room machine paths from xstate/graph", () => {
  const paths = generated.flatMap((g) => g.paths);
  const stateIds = allStateIds();
  const { edges, eventless } = allTransitions();

  it(`visit all ${stateIds.length} state nodes of the chart`, () => {
    const visited = new Set(paths.flatMap((p) => p.steps.flatMap((s) => s.visited)));
    expect(stateIds.filter((id) => !visited.has(id))).toEqual([]);
  });

  it(`take all ${edges.length} edges of toDirectedGraph and all ${eventless.length} eventless transitions`, () => {
    const taken = new Set(paths.flatMap((p) => p.steps.flatMap((s) => s.transitions)));
    expect(Object.keys(NOT_COVERED).filter((t) => !edges.includes(t) && !eventless.includes(t))).toEqual([]);
    expect([...edges, ...eventless].filter((t) => !taken.has(t) && !(t in NOT_COVERED))).toEqual([]);
  });

  it("stay small: the abstraction of the context keeps the state space bounded", () => {
    for (const g of generated) expect(g.states).toBeLessThan(1_000);
  });

  it("are sound: replaying a path's events reaches the abstract states the graph computed", () => {
    for (const p of paths) expect(p.steps.map((s) => serializeState(s.snapshot))).toEqual(p.states);
  });
});

for (const { name, input, paths } of generated) {
  describe(`replayed against a RoomActor (${name}, ${paths.length} paths)`, () => {
    beforeAll(() => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    });
    afterAll(() => {
      vi.useRealTimers();
    });

    it.for(paths.map((p) => [describePath(p), p] as const))(
      "%s",
      async ([, path]) => {
        await replay(path, input);
      },
    );
  });
}
