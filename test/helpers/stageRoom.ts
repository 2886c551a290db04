/**
 * For tests that stop a room in one of its stages and look at it: a plugin room whose callbacks
 * the test scripts, gates that hold a callback until the test opens them, and a harness whose
 * room actors are followed by an inspector model (as `inspector.watch(gateway.rooms)` does).
 */
import { type Element, xml } from "@xmpp/component";
import type { InspectionEvent } from "xstate";
import { toChartJson } from "../../src/inspect/chart.js";
import { InspectorModel, type RoomView } from "../../src/inspect/inspectorState.js";
import { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import { roomMachine } from "../../src/machines/roomMachine.js";
import { ALICE, DOMAIN, type HarnessOptions, createHarness } from "./harness.js";

/** The room every stage test uses. */
export const STAGE = `stage@${DOMAIN}`;
/** The XMPP stanza error namespace (RFC 6120 §8.3). */
export const STANZAS_NS = "urn:ietf:params:xml:ns:xmpp-stanzas";
const MUC = "http://jabber.org/protocol/muc";
const chart = toChartJson(roomMachine);

/** A callback held until the test opens it: `reached` once the callback waits on it. */
export interface Gate {
  readonly reached: boolean;
  /** Awaited by the scripted callback. */
  wait(): Promise<void>;
  open(): void;
}

/** A closed {@link Gate}. */
export function gate(): Gate {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  let reached = false;
  return {
    get reached() {
      return reached;
    },
    wait() {
      reached = true;
      return opened;
    },
    open: () => open(),
  };
}

/** The callbacks a test scripts; unset ones do what {@link ScriptedRoom} says. */
export interface Script {
  updateInfo?(room: ScriptedRoom): Promise<void>;
  fillParticipants?(room: ScriptedRoom): Promise<void>;
  backfill?(room: ScriptedRoom): Promise<void>;
  onText?(room: ScriptedRoom, text: string): Promise<string | undefined>;
  onSetSubject?(room: ScriptedRoom, subject: string): Promise<void>;
  onSetConfig?(room: ScriptedRoom, name: string | null): Promise<void>;
}

/**
 * A room whose callbacks run the test's {@link Script}. By default `updateInfo` names it and sets
 * the subject "Welcome", `fillParticipants` lists bob and carol, `onText` accepts, and
 * `onSetSubject` and `onSetConfig` confirm by setting the subject or the name.
 */
export class ScriptedRoom extends LegacyRoom {
  readonly #script: Script;

  constructor(session: LegacySession, id: string, script: Script) {
    super(session, id);
    this.#script = script;
  }

  override async updateInfo(): Promise<void> {
    if (this.#script.updateInfo) return this.#script.updateInfo(this);
    this.name = "Stage";
    this.subject = "Welcome";
  }

  override async fillParticipants(): Promise<void> {
    if (this.#script.fillParticipants) return this.#script.fillParticipants(this);
    await this.getParticipant("bob");
    await this.getParticipant("carol");
  }

  override async backfill(): Promise<void> {
    await this.#script.backfill?.(this);
  }

  override async onText(text: string): Promise<string | undefined> {
    return this.#script.onText?.(this, text);
  }

  override async onSetSubject(subject: string): Promise<void> {
    if (this.#script.onSetSubject) return this.#script.onSetSubject(this, subject);
    this.subject = subject;
  }

  override async onSetConfig(name: string | null): Promise<void> {
    if (this.#script.onSetConfig) return this.#script.onSetConfig(this, name);
    if (name !== null) this.name = name;
  }
}

/**
 * A harness over {@link ScriptedRoom}s, with an inspector model (`detail` on) following every
 * room actor, and every raw inspection event in `inspected`.
 */
export function stageHarness(script: Script, options: HarnessOptions = {}) {
  const model = new InspectorModel({ chart, detail: true });
  const inspected: InspectionEvent[] = [];
  const inspect = (e: InspectionEvent) => void inspected.push(e);
  class Session extends LegacySession {
    override createRoom(id: string) {
      return new ScriptedRoom(this, id, script);
    }
  }
  const h = createHarness({ createSession: (user) => new Session(user) }, { ...options, inspect });
  model.watch(h.registry.rooms);
  return {
    ...h,
    model,
    inspected,
    /** The running room actor of `room` (the stage room by default). */
    actor(room = STAGE) {
      const actor = h.registry.peek(ALICE, room);
      if (!actor) throw new Error(`no running actor for ${room}`);
      return actor;
    },
    /** The inspector's view of `room`. */
    view(room = STAGE): RoomView {
      const view = model.rooms().find((r) => r.room === room && r.user === ALICE);
      if (!view) throw new Error(`the inspector shows no ${room}`);
      return view;
    },
  };
}

/** A join presence to `room/alice` asking for `maxstanzas` messages of history. */
export function joinWithHistory(room: string, resource: string, maxstanzas: number, id = `join-${resource}`): Element {
  return xml(
    "presence",
    { from: `${ALICE}/${resource}`, to: `${room}/alice`, id },
    xml("x", { xmlns: MUC }, xml("history", { maxstanzas: String(maxstanzas) })),
  );
}

/** A groupchat message from alice's resource changing the subject of `room`. */
export function subjectChange(room: string, subject: string, resource = "phone", id = "s-1"): Element {
  return xml("message", { from: `${ALICE}/${resource}`, to: room, type: "groupchat", id }, xml("subject", {}, subject));
}

/**
 * A stanza as the user's client sees it, for order assertions: its qualified name
 * (`{namespace}name`, in `jabber:client` unless it declares another) and type, the resource it
 * goes to, then its direct children's qualified names, with MUC status codes, a body or a
 * subject in brackets.
 */
export function qualified(s: Element): string {
  const ns = String(s.attrs.xmlns ?? "jabber:client");
  const kind = `{${ns}}${s.name}${s.attrs.type ? `/${s.attrs.type}` : ""}`;
  const to = String(s.attrs.to).split("/")[1] ?? s.attrs.to;
  const children = s.getChildElements().map((c) => {
    const childNs = c.attrs.xmlns ?? ns;
    const codes = c.getChildren("status").map((st) => st.attrs.code);
    const text = c.name === "body" || c.name === "subject" ? `[${c.getText()}]` : codes.length ? `[${codes.join(",")}]` : "";
    return `{${childNs}}${c.name}${text}`;
  });
  return [`${kind} ${to}`, ...children].join(" ");
}
