/**
 * The legacy side of the model-based tests (test/unit/modelBased.test.ts): a room whose
 * callbacks settle only when the replayer says so, the user's stanzas the replayer sends, and
 * stanzas written as one line each for comparison. The stanzas the user should see for what
 * the chart emits are in modelExpected.ts.
 */
import { type Element, xml } from "@xmpp/component";
import { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import type { ReadNeeds } from "../../src/machines/roomEvents.js";
import { NS } from "../../src/protocol/namespaces.js";
import { NS_REGISTER } from "../../src/protocol/xep0077.js";
import { NS_MAM } from "../../src/protocol/xep0313.js";
import { ALICE, DOMAIN, conditionOf, iq } from "./harness.js";
import { RESOURCE } from "./modelPaths.js";

export const ROOM = `lobby@${DOMAIN}`;
export const USER_NICK = "alice";
/**
 * The room's participants. Enough of them that a join sequence is longer than the stanzas the
 * fan-out sends in one event-loop turn (250, `JOIN_CHUNK` in src/actors/roomFanOut.ts): with
 * the replay's outbox backed up, the join sequence stops after the first chunk and the room
 * stays in `joined.streaming` until the replay lets the outbox drain (the model's
 * `join.streamed`). With fewer, every join sequence would end in the step that starts it.
 */
export const PARTICIPANTS = Array.from({ length: 250 }, (_, i) => `p${String(i).padStart(3, "0")}`);

// ---- the legacy side, scripted -------------------------------------------------------------------

/** How the replayer settles a scripted callback. */
interface Settle {
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** The legacy callbacks that are running, each settled by the replayer when its path says. */
export class Script {
  readonly #running = new Map<string, Settle>();
  readonly #late = new Map<string, Settle>();

  /** Called by a callback; settles on command. */
  wait(callback: "updateInfo" | "fillParticipants" | "backfill" | "runRequest"): Promise<void> {
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

  /** The callback timed out: its actor stopped, but the call goes on until {@link takeLate} (or forever). */
  outlive(callback: string): void {
    this.#late.set(callback, this.take(callback));
  }

  /** The callback that outlived its timeout, now settled by the caller. */
  takeLate(callback: string) {
    const late = this.#late.get(callback);
    if (!late) throw new Error(`${callback} did not outlive its timeout`);
    this.#late.delete(callback);
    return late;
  }
}

/** What `backfill` finds on the legacy network: one old message, archived only. */
export const BACKFILLED = { from: "dave", body: "from the legacy archive", legacyId: "old-1", when: new Date("2020-01-01T00:00:00Z") };

/** A room whose callbacks find the legacy network's room: its name and subject, {@link PARTICIPANTS}, and {@link BACKFILLED}. */

export class ScriptedRoom extends LegacyRoom {
  readonly #script: Script;

  constructor(session: LegacySession, script: Script) {
    super(session, "lobby");
    this.#script = script;
    this.jid = ROOM;
  }

  override async updateInfo(): Promise<void> {
    await this.#script.wait("updateInfo");
    this.name = "The Lobby";
    this.subject = "Welcome";
  }

  override async fillParticipants(): Promise<void> {
    await this.#script.wait("fillParticipants");
    for (const nick of PARTICIPANTS) await this.getParticipant(nick);
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

// ---- the stanzas the user's events are made of --------------------------------------------------

/** A disco#info, participant list (XEP-0045 admin) or MAM metadata query to the room. */
export function readStanza(needs: ReadNeeds, id: string): Element {
  if (needs === "info") return iq("get", ROOM, xml("query", { xmlns: NS.DISCO_INFO }), id, RESOURCE);
  if (needs === "participants") return iq("get", ROOM, xml("query", { xmlns: NS.MUC_ADMIN }, xml("item", { role: "participant" })), id, RESOURCE);
  return iq("get", ROOM, xml("metadata", { xmlns: NS_MAM }), id, RESOURCE);
}

/** The resource's unavailable presence to the room, or (`gone`) a presence error that says the resource is gone. */
export function leaveStanza(resource: string, gone: boolean): Element {
  const attrs = { from: `${ALICE}/${resource}`, to: `${ROOM}/${USER_NICK}` };
  if (!gone) return xml("presence", { ...attrs, type: "unavailable" });
  return xml("presence", { ...attrs, type: "error" }, xml("error", { type: "cancel" }, xml("remote-server-not-found", { xmlns: NS.STANZAS })));
}

/** An XEP-0077 `<remove/>` to the room: the user leaves the group. */
export function leaveGroupStanza(id: string): Element {
  return iq("set", ROOM, xml("query", { xmlns: NS_REGISTER }, xml("remove")), id, RESOURCE);
}

/** The owner's XEP-0045 `<destroy/>` of the room. */
export function destroyStanza(id: string): Element {
  return iq("set", ROOM, xml("query", { xmlns: NS.MUC_OWNER }, xml("destroy", {}, xml("reason", {}, "bye"))), id, RESOURCE);
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
