/**
 * An offline harness: the real sessions, registry and router, with a sink that records every
 * stanza instead of a socket. For unit tests only; end-to-end tests use a real Prosody.
 */
import { type Element, xml } from "@xmpp/component";
import type { InspectionEvent } from "xstate";
import { RoomRegistry } from "../../src/actors/registry.js";
import { SessionDirectory } from "../../src/actors/sessions.js";
import { createMemoryStore } from "../../src/store/memoryStore.js";
import type { AsyncStore } from "../../src/store/asyncTypes.js";
import type { Store } from "../../src/store/types.js";
import { createCallLog } from "../../src/demo/callLog.js";
import { parseFixture } from "../../src/demo/fixture.js";
import { createFixtureNetwork } from "../../src/demo/fixtureNetwork.js";
import type { GatewayPlugin } from "../../src/legacy/plugin.js";
import { createRouter } from "../../src/actors/router.js";
import { defaultServices } from "../../src/actors/bookmarks.js";
import type { FileUploader } from "../../src/transport/httpUpload.js";
import type { RoomMachine } from "../../src/machines/roomExtension.js";

export const DOMAIN = "muc.example.org";
export const ALICE = "alice@example.org";

/** A recording gateway without sockets. */
export function createHarness(plugin: GatewayPlugin, options: HarnessOptions = {}) {
  const sent: Element[] = [];
  const errors: unknown[] = [];
  /** What the gateway's `onWarning` heard. */
  const warnings: [message: string, error: unknown][] = [];
  const sink = {
    send: (s: Element) => void sent.push(s),
    sendAll: (ss: Iterable<Element>) => {
      for (const s of ss) sent.push(s);
    },
  };
  const store = options.store ?? createMemoryStore({ retentionDays: Number.POSITIVE_INFINITY });
  const sessions = new SessionDirectory(plugin, (session) => {
    session._host = registry.sessionHost(session);
  });
  const registry: RoomRegistry = new RoomRegistry({
    domain: DOMAIN,
    outbox: sink,
    mailboxSize: options.mailboxSize ?? 100,
    callbackTimeoutMs: options.callbackTimeoutMs ?? 30_000,
    maxRooms: options.maxRooms ?? 1000,
    onError: (e) => errors.push(e),
    idleMs: options.idleMs,
    store: options.asyncStore ?? store,
    inspect: options.inspect,
    machine: options.machine,
    run: options.run,
    services: { ...defaultServices(DOMAIN, sink), warn: (message, error) => void warnings.push([message, error]), uploads: options.uploads, maxStanzaBytes: options.maxStanzaBytes },
  });
  const route = createRouter({ domain: DOMAIN, name: "test", sessions, registry, send: sink.send, onError: (e) => errors.push(e), maxStanzaBytes: options.maxStanzaBytes });
  return {
    sent,
    errors,
    warnings,
    registry,
    sessions,
    store,
    /** Routes a stanza given as an element or XML text. */
    route(stanza: Element) {
      route(stanza);
    },
    /** Removes and returns what was sent so far. */
    take(): Element[] {
      return sent.splice(0);
    },
    /**
     * Waits until `done()` holds, checking every few milliseconds (at most `timeoutMs`). Use it
     * instead of a fixed {@link settle} wherever a timer of the fixture network has to fire first:
     * on a busy machine a fixed wait can end before it.
     */
    async until(done: () => boolean, timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`harness.until: not done after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 2));
      }
    },
    /** Waits until pending promises and timers of 0 ms have run. */
    async settle(ms = 5): Promise<void> {
      await new Promise((r) => setTimeout(r, ms));
    },
  };
}

/**
 * A harness over the demo's fixture network, with a call log file when `calls` is given
 * (`callLog.flush()` before reading it).
 */
export function fixtureHarness(fixture: unknown, options: HarnessOptions & { calls?: string } = {}) {
  const callLog = createCallLog(options.calls);
  return { ...createHarness(createFixtureNetwork(parseFixture(fixture), callLog), options), callLog };
}

/** Bounds of the harness's registry. */
export interface HarnessOptions {
  mailboxSize?: number;
  callbackTimeoutMs?: number;
  maxRooms?: number;
  idleMs?: number;
  /** The store; a fresh memory store by default. Pass a reopened SQLite store to simulate a restart. */
  store?: Store;
  /** An asynchronous store the rooms run on instead of `store` (which then only stands in `h.store`). */
  asyncStore?: AsyncStore;
  /** XState inspection observer of every room actor (an `InspectorModel`'s `observe`, say). */
  inspect?: (event: InspectionEvent) => void;
  /** What uploads the bytes of `participant.sendFile` (XEP-0363); none by default, as without a service. */
  uploads?: FileUploader;
  /** The gateway's `maxStanzaBytes` (router and plugin checks); none: no checks. */
  maxStanzaBytes?: number;
  /** The room machine a gateway extended, as `createGateway({ machine })` takes it (checked there, not here). */
  machine?: RoomMachine;
  /** The gateway's `run` (rooms filled in it come back without their callbacks). */
  run?: string;
}

/** A join presence from alice's resource to `room/nick`. */
export function joinPresence(room: string, nick: string, resource = "phone", id = "join-1"): Element {
  return xml(
    "presence",
    { from: `${ALICE}/${resource}`, to: nick ? `${room}@${DOMAIN}/${nick}` : `${room}@${DOMAIN}`, id },
    xml("x", { xmlns: "http://jabber.org/protocol/muc" }),
  );
}

/** A groupchat message from alice's resource. */
export function groupchat(room: string, body: string, resource = "phone", id = "m-1"): Element {
  return xml("message", { from: `${ALICE}/${resource}`, to: `${room}@${DOMAIN}`, type: "groupchat", id }, xml("body", {}, body));
}

/** A short description of a stanza for order assertions: `name from→to [codes]`. */
export function summary(s: Element): string {
  const codes = (s.getChild("x", "http://jabber.org/protocol/muc#user")?.getChildren("status") ?? []).map((c) => c.attrs.code);
  const kind = s.attrs.type ? `${s.name}/${s.attrs.type}` : s.name;
  const extra = s.getChild("subject") !== undefined ? " subject" : s.getChild("body") ? ` body=${s.getChildText("body")}` : "";
  const err = s.getChild("error")?.getChildElements()[0]?.name;
  return `${kind} ${s.attrs.from} -> ${s.attrs.to}${codes.length ? ` [${codes.join(",")}]` : ""}${extra}${err ? ` error=${err}` : ""}`;
}

/** The demo lobby, small. */
export function lobbyFixture(overrides: Record<string, unknown> = {}, users = [ALICE]) {
  return {
    users,
    rooms: [
      {
        id: "lobby",
        name: "The Lobby",
        description: "Where it starts",
        subject: "Welcome",
        subjectSetter: "bob",
        subjectDate: "2026-11-20T10:00:00Z",
        type: "group",
        userNick: "alice",
        participants: [
          { nick: "bob", affiliation: "owner", role: "moderator", contact: "bob-legacy-id" },
          { nick: "carol", contact: "carol-legacy-id" },
        ],
        ...overrides,
      },
    ],
  };
}

/** An iq from alice's phone to `to`, with one payload. */
export function iq(type: "get" | "set", to: string, payload: Element, id = "iq-1", resource = "phone"): Element {
  return xml("iq", { from: `${ALICE}/${resource}`, to, type, id }, payload);
}

export { conditionOf } from "./stanzas.js";

/** Matches the subject message that ends the join sequence of `room` for the user's `resource`. */
export function endsJoin(room: string, resource: string): (s: Element) => boolean {
  return (s) => s.name === "message" && s.getChild("subject") !== undefined && s.attrs.to === `${ALICE}/${resource}` && String(s.attrs.from).startsWith(room);
}

/** Joins alice's resources, waits for their join sequences, and forgets what the joins sent. */
export async function joined(h: ReturnType<typeof createHarness>, room: string, resources: string[] = ["phone"]) {
  for (const r of resources) h.route(joinPresence(room, "alice", r, `join-${r}`));
  await h.until(() => resources.every((r) => h.sent.some(endsJoin(`${room}@${DOMAIN}`, r))));
  await h.settle();
  h.take();
  return h.registry.peek(ALICE, `${room}@${DOMAIN}`)!;
}

/** A fixture lobby joined by alice's `resources`, whose onText records each text and answers the legacy ids L1, L2… */
export async function textRecordingLobby(resources: string[] = ["phone"]) {
  const h = fixtureHarness(lobbyFixture());
  const actor = await joined(h, "lobby", resources);
  const texts: unknown[] = [];
  let n = 0;
  actor.room.onText = async (text) => {
    texts.push(text);
    return `L${++n}`;
  };
  return { h, actor, texts };
}
