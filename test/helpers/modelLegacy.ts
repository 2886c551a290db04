/**
 * The legacy side of the model-based tests (test/unit/modelBased.test.ts): a room whose
 * callbacks settle only when the replayer says so, what an earlier activation left in the store,
 * the stanzas the user's events are made of, and stanzas written as one line each for comparison.
 */
import { type Element, xml } from "@xmpp/component";
import { saveParticipants, saveRoom } from "../../src/actors/roomRecords.js";
import { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import type { ReadNeeds, RestoredSteps, } from "../../src/machines/roomEvents.js";
import { NS } from "../../src/protocol/namespaces.js";
import { NS_REGISTER } from "../../src/protocol/xep0077.js";
import { NS_MAM } from "../../src/protocol/xep0313.js";
import type { Store } from "../../src/store/types.js";
import { ALICE, DOMAIN, conditionOf, iq } from "./harness.js";
import {
  RESOURCE,
} from "./modelPaths.js";


export const ROOM = `lobby@${DOMAIN}`;
export const USER_NICK = "alice";
export const PARTICIPANTS = ["bob", "carol"];

// ---- the legacy side, scripted -------------------------------------------------------------------

export type Callback = "updateInfo" | "fillParticipants" | "backfill" | "runRequest";

/** The legacy callbacks that are running, each settled by the replayer when its path says. */
export class Script {
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
export function describeRoom(room: LegacyRoom): void {
  room.name = "The Lobby";
  room.subject = "Welcome";
}

/** What `backfill` finds on the legacy network: one old message, archived only. */
export const BACKFILLED = { from: "dave", body: "from the legacy archive", legacyId: "old-1", when: new Date("2020-01-01T00:00:00Z") };

/** What `fillParticipants` finds on the legacy network. */
export async function addParticipants(room: LegacyRoom): Promise<void> {
  for (const nick of PARTICIPANTS) await room.getParticipant(nick);
}

export class ScriptedRoom extends LegacyRoom {
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

export class ScriptedSession extends LegacySession {
  readonly #script: Script | undefined;

  constructor(user: string, script?: Script) {
    super(user);
    this.#script = script;
  }

  override createRoom(): LegacyRoom {
    throw new Error("the replayer creates its rooms itself");
  }

  override async onLeaveGroup(): Promise<void> {
    await this.#script?.wait("runRequest");
  }
}

/** What an earlier activation left in the store, as the registry finds it when it re-activates a room. */
export async function earlierActivation(session: LegacySession, store: Store, restored: RestoredSteps): Promise<void> {
  const earlier = new ScriptedRoom(session, new Script());
  earlier._quiet = true;
  if (restored.info) describeRoom(earlier);
  if (restored.participants) await addParticipants(earlier);
  earlier._quiet = false;
  saveRoom(store, earlier);
  if (restored.participants) saveParticipants(store, earlier);
}

// ---- stanzas, as one line each -----------------------------------------------------------------

export interface Line {
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

export function line(l: Line): string {
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
export function lineOf(s: Element): string {
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

export const occupant = (nick: string) => `${ROOM}/${nick}`;
export const fullJid = (resource: string) => `${ALICE}/${resource}`;
export const replyTo = (stanza: Element, extra: Partial<Line> = {}) =>
  line({ name: stanza.name, from: stanza.attrs.to, to: stanza.attrs.from, id: stanza.attrs.id, ...extra });

// ---- the stanzas the user's events are made of --------------------------------------------------

export function readStanza(needs: ReadNeeds, id: string): Element {
  if (needs === "info") return iq("get", ROOM, xml("query", { xmlns: NS.DISCO_INFO }), id, RESOURCE);
  if (needs === "participants") return iq("get", ROOM, xml("query", { xmlns: NS.MUC_ADMIN }, xml("item", { role: "participant" })), id, RESOURCE);
  return iq("get", ROOM, xml("metadata", { xmlns: NS_MAM }), id, RESOURCE);
}

/** An XEP-0077 `<remove/>` to the room: the user leaves the group. */
export function leaveGroupStanza(id: string): Element {
  return iq("set", ROOM, xml("query", { xmlns: NS_REGISTER }, xml("remove")), id, RESOURCE);
}

export function destroyStanza(id: string): Element {
  return iq("set", ROOM, xml("query", { xmlns: NS.MUC_OWNER }, xml("destroy", {}, xml("reason", {}, "bye"))), id, RESOURCE);
}
