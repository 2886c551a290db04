/**
 * The demo's legacy network: a cooperative fake chat network described by a JSON fixture.
 * It accepts the user's messages, carries out their requests after `delayMs.requests`, refuses
 * the request kinds listed in `reject`, and logs every callback to the call log.
 */
import { nanoid } from "nanoid";
import { XMPPError } from "../protocol/xmppError.js";
import { type BackfillBounds, LegacyRoom, type IncomingTextOptions } from "../legacy/LegacyRoom.js";
import { LegacySession, type RoomListing } from "../legacy/LegacySession.js";
import type { GatewayPlugin } from "../legacy/plugin.js";
import type { LegacyParticipant } from "../legacy/LegacyParticipant.js";
import type { Affiliation, Role } from "../protocol/xep0045.js";
import type { CallLog } from "./callLog.js";
import { loggedTextExtras } from "./fixtureText.js";
import { playEvent } from "./fixturePlay.js";
import { fixtureHistory, inHole } from "./fixtureHistory.js";
import type { Fixture, FixtureEvent, FixtureRoom, RequestKind } from "./fixture.js";
import type { FixtureFile } from "./fixtureEvents.js";
import type { IncomingFile } from "../legacy/files.js";

const sleep = (ms: number) => (ms > 0 ? new Promise<void>((r) => setTimeout(r, ms)) : Promise.resolve());

/** Creates the plugin for a fixture. */
export function createFixtureNetwork(fixture: Fixture, callLog: CallLog): GatewayPlugin {
  const users = new Set(fixture.users.map((u) => u.toLowerCase()));
  return {
    name: "mucstate demo (fixture network)",
    users: () => fixture.users,
    createSession: (user) => (users.has(user.toLowerCase()) ? new FixtureSession(user, fixture, callLog) : null),
  };
}

/** One user's view of the fixture network. */
export class FixtureSession extends LegacySession {
  readonly #fixture: Fixture;
  readonly #callLog: CallLog;
  /** Rooms this user destroyed or left (XEP-0077 `<remove/>`) during this run. */
  readonly gone = new Set<string>();

  constructor(user: string, fixture: Fixture, callLog: CallLog) {
    super(user);
    this.#fixture = fixture;
    this.#callLog = callLog;
  }

  override createRoom(legacyId: string): LegacyRoom {
    const spec = this.#fixture.rooms.find((r) => r.id === legacyId);
    if (!spec || this.gone.has(legacyId)) throw new XMPPError("item-not-found", `No room ${legacyId} here`);
    const room = new FixtureRoomImpl(this, spec, this.#callLog);
    this.#rooms.add(room);
    return room;
  }

  readonly #rooms = new Set<FixtureRoomImpl>();

  override async shutdown(): Promise<void> {
    for (const room of this.#rooms) room.stopEvents();
  }

  /** Adds the rooms marked `addToBookmarks` to the user's bookmarks. */
  override async login(): Promise<void> {
    for (const spec of this.#fixture.rooms) {
      if (spec.addToBookmarks) await (await this.getRoom(spec.id)).addToBookmarks(spec.addToBookmarks);
    }
  }

  /** The user left a room from an XMPP client: the network forgets them there until the next run. */
  override async onLeaveGroup(legacyId: string): Promise<void> {
    const start = new Date();
    this.gone.add(legacyId);
    this.#callLog.record({ room: legacyId, callback: "onLeaveGroup", args: [], start, end: new Date(), ok: true });
  }

  override async listRooms(): Promise<RoomListing[]> {
    return this.#fixture.rooms.filter((r) => !this.gone.has(r.id)).map((r) => ({ legacyId: r.id, name: r.name }));
  }
}

/** A room of the fixture network. */
export class FixtureRoomImpl extends LegacyRoom {
  readonly #spec: FixtureRoom;
  readonly #log: CallLog;
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(session: FixtureSession, spec: FixtureRoom, log: CallLog) {
    super(session, spec.id);
    this.#spec = spec;
    this.#log = log;
    this.HAS_SUBJECT = spec.hasSubject;
    this.HAS_DESCRIPTION = spec.hasDescription;
    this.MAX_REACTIONS_PER_USER = spec.maxReactionsPerUser;
  }

  /** Runs a callback body with the fixture's delay and rejection, and logs it. */
  async #call<T>(callback: string, kind: RequestKind, args: unknown[], delay: number, body: () => T | Promise<T>): Promise<T> {
    const start = new Date();
    let ok = false;
    try {
      await sleep(delay);
      const condition = this.#spec.reject[kind];
      if (condition) throw new XMPPError(condition, `The legacy network refused ${callback}`);
      const result = await body();
      ok = true;
      return result;
    } finally {
      this.#log.record({ room: this.#spec.id, callback, args, start, end: new Date(), ok });
    }
  }

  override async updateInfo(): Promise<void> {
    const s = this.#spec;
    await this.#call("updateInfo", "updateInfo", [], s.delayMs.updateInfo, () => {
      this.name = s.name;
      this.description = s.hasDescription ? s.description : "";
      this.type = s.type;
      if (s.userNick) this.userNick = s.userNick;
      if (s.userAffiliation) this._userParticipant().affiliation = s.userAffiliation;
      if (s.userRole) this._userParticipant().role = s.userRole;
      this.subject = s.subject;
      this.subjectSetter = s.subjectSetter;
      this.subjectDate = s.subjectDate;
      this.nParticipants = s.participants.length + s.generatedParticipants + 1;
    });
  }

  override async fillParticipants(): Promise<void> {
    const s = this.#spec;
    await this.#call("fillParticipants", "fillParticipants", [], s.delayMs.fillParticipants, async () => {
      for (const f of s.participants) {
        const p = f.contact ? await this.getParticipantByContact(f.contact, f.nick) : await this.getParticipant(f.nick);
        p.affiliation = f.affiliation;
        p.role = f.role;
      }
      for (let i = 1; i <= s.generatedParticipants; i++) await this.getParticipant(`p${i}`);
    });
    for (const event of s.events) {
      const timer = setTimeout(() => void this.#play(event).catch(() => {}), event.afterMs);
      timer.unref();
      this.#timers.push(timer);
    }
  }

  /** Stops the timed events (the gateway shuts down). */
  stopEvents(): void {
    for (const timer of this.#timers.splice(0)) clearTimeout(timer);
  }

  async #play(event: FixtureEvent): Promise<void> {
    const byNick = (nick: string) => (nick === this.userNick ? this._userParticipant() : this.#find(undefined, nick));
    if ("file" in event) await this.#sendFile(event.file, byNick);
    else await playEvent(this, event, byNick);
  }

  /** A `file` event; a failed send (no upload service, too big) goes to the call log as `sendFile`. */
  async #sendFile({ from, id, ...file }: FixtureFile, byNick: (nick: string) => LegacyParticipant): Promise<void> {
    const start = new Date();
    await byNick(from).sendFile(file, { legacyId: id }).catch((error: Error) => {
      const args = ["url" in file ? file.url : file.name, error.message];
      this.#log.record({ room: this.#spec.id, callback: "sendFile", args, start, end: new Date(), ok: false });
    });
  }

  override async onFile(file: IncomingFile, options: IncomingTextOptions): Promise<string> {
    return this.#call("onFile", "file", [file, options.xmppId ?? null], this.#spec.delayMs.requests, () => `fx-${nanoid(12)}`);
  }

  /**
   * Sends the fixture's history (listed, then generated) that lies in the hole of `bounds` as
   * archive-only messages: what the archive has already (up to `after`, from `before` on) is not
   * sent again.
   */
  override async backfill(bounds: BackfillBounds): Promise<void> {
    const s = this.#spec;
    await this.#call("backfill", "backfill", [], s.delayMs.backfill, async () => {
      for (const h of inHole(fixtureHistory(s, Date.now()), bounds)) {
        (await this.getParticipant(h.from)).sendText(h.body, { legacyId: h.id, when: h.at, archiveOnly: true });
      }
    });
  }

  override async onText(text: string, options: IncomingTextOptions): Promise<string> {
    return this.#call("onText", "message", [text, options.xmppId ?? null, ...loggedTextExtras(options)], this.#spec.delayMs.requests, () => `fx-${nanoid(12)}`);
  }

  override async onCorrect(legacyMsgId: string, text: string, options: IncomingTextOptions): Promise<void> {
    await this.#call("onCorrect", "correct", [legacyMsgId, text, options.xmppId ?? null], this.#spec.delayMs.requests, () => {});
  }

  override async onRetract(legacyMsgId: string): Promise<void> {
    await this.#call("onRetract", "retract", [legacyMsgId], this.#spec.delayMs.requests, () => {});
  }

  override async onModerate(legacyMsgId: string, reason: string | undefined): Promise<void> {
    await this.#call("onModerate", "moderate", [legacyMsgId, reason ?? null], this.#spec.delayMs.requests, () => {});
  }

  /** Signals are logged at once: they never wait for `delayMs.requests` and are never refused. */
  #signal(callback: string, args: unknown[]): void {
    const now = new Date();
    this.#log.record({ room: this.#spec.id, callback, args, start: now, end: now, ok: true });
  }

  override async onComposing(): Promise<void> {
    this.#signal("onComposing", []);
  }

  override async onPaused(): Promise<void> {
    this.#signal("onPaused", []);
  }

  override async onDisplayed(legacyMsgId: string): Promise<void> {
    this.#signal("onDisplayed", [legacyMsgId]);
  }

  override async onSetSubject(subject: string): Promise<void> {
    await this.#call("onSetSubject", "setSubject", [subject], this.#spec.delayMs.requests, () => {
      this.subjectSetter = this.userNick;
      this.subjectDate = new Date();
      this.subject = subject;
    });
  }

  override async onSetConfig(name: string | null, description: string | null): Promise<void> {
    await this.#call("onSetConfig", "setConfig", [name, description], this.#spec.delayMs.requests, () => {
      if (name !== null) this.name = name;
      if (description !== null) this.description = description;
    });
  }

  override async onSetAffiliation(
    contact: string | undefined,
    affiliation: Affiliation,
    reason: string | undefined,
    nickname: string | undefined,
  ): Promise<void> {
    const kind: RequestKind = affiliation === "outcast" ? "ban" : "setAffiliation";
    const args = [contact ?? null, affiliation, reason ?? null, nickname ?? null];
    await this.#call("onSetAffiliation", kind, args, this.#spec.delayMs.requests, () => {
      const p = this.#find(contact, nickname);
      if (affiliation === "outcast") this.removeParticipant(p, { ban: true, reason });
      else p.affiliation = affiliation;
    });
  }

  override async availableEmojis(): Promise<ReadonlySet<string> | "any"> {
    return this.#spec.availableEmojis ? new Set(this.#spec.availableEmojis) : "any";
  }

  override async onReact(legacyMsgId: string, emojis: string[]): Promise<void> {
    await this.#call("onReact", "reaction", [legacyMsgId, emojis], this.#spec.delayMs.requests, () => {});
  }

  override async onKick(contact: string | undefined, reason: string | undefined, nickname: string | undefined): Promise<void> {
    const args = [contact ?? null, reason ?? null, nickname ?? null];
    await this.#call("onKick", "kick", args, this.#spec.delayMs.requests, () => {
      this.removeParticipant(this.#find(contact, nickname), { kick: true, reason });
    });
  }

  override async onSetRole(contact: string | undefined, role: Role, reason: string | undefined, nickname: string | undefined): Promise<void> {
    const args = [contact ?? null, role, reason ?? null, nickname ?? null];
    await this.#call("onSetRole", "setAffiliation", args, this.#spec.delayMs.requests, () => {
      this.#find(contact, nickname).role = role;
    });
  }

  #find(contact: string | undefined, nickname: string | undefined): LegacyParticipant {
    const p = this._storedParticipants().find((x) => (contact !== undefined ? x.contact === contact : x.nickname === nickname));
    if (!p) throw new XMPPError("item-not-found", "No such participant");
    return p;
  }

  override async onDestroyRequest(reason: string | undefined): Promise<void> {
    await this.#call("onDestroyRequest", "destroy", [reason ?? null], this.#spec.delayMs.requests, () => {
      (this.session as FixtureSession).gone.add(this.legacyId);
    });
  }

  override async onAvatar(data: Uint8Array | null, mime: string | null): Promise<string | null> {
    return this.#call("onAvatar", "avatar", [data, mime], this.#spec.delayMs.requests, () => (data ? `avatar-${nanoid(8)}` : null));
  }
}
