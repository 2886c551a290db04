/** The plugin-facing room: slidge's `LegacyMUC` with camelCase names (see the README's table from each seed member to its mucstate name). */
import { disambiguateNick, toResourcepart } from "../protocol/resourcepart.js";
import { deriveOccupantId } from "../protocol/xep0421.js";
import { XMPPError } from "./errors.js";
import { LegacyParticipant, type ParticipantInit } from "./LegacyParticipant.js";
import { OccupantIds } from "./occupantIds.js";
import type { LegacySession } from "./LegacySession.js";
import { RoomServices } from "./RoomServices.js";
import { RoomRoster } from "./roomRoster.js";
import type { GetParticipantOptions, RoomType } from "./roomServiceTypes.js";

export type { BackfillBound, BackfillBounds, IncomingTextOptions } from "./RoomCallbacks.js";
export type { GetParticipantOptions, RoomType } from "./roomServiceTypes.js";

/**
 * A bridged group chat. Subclass it in your plugin and override the callbacks.
 *
 * @remarks
 * A room is created by {@link LegacySession.createRoom}, then the runtime calls
 * {@link updateInfo} when the room activates, {@link fillParticipants} once per run before the
 * first join or participant listing, and the `on*` callbacks for the user's requests, one at a
 * time, in arrival order.
 *
 * @typeParam Session - The plugin's session class, the type of {@link session} (slidge's
 *   `LegacyMUC` is generic over its session the same way): `class MyRoom extends
 *   LegacyRoom<MySession>` reads `this.session.api` without a `declare`.
 * @typeParam Participant - The plugin's participant class, what {@link getParticipant} and the
 *   other participant getters return. A room that sets it overrides {@link newParticipant} to
 *   construct that class.
 *
 * @example
 * ```ts
 * class MyRoom extends LegacyRoom {
 *   override async updateInfo() { this.name = "Friends"; this.type = "group"; }
 *   override async fillParticipants() { await this.getParticipant("bob"); }
 *   override async onText(text: string) { return await api.send(this.legacyId, text); }
 * }
 * ```
 */
export class LegacyRoom<
  Session extends LegacySession = LegacySession,
  Participant extends LegacyParticipant = LegacyParticipant,
> extends RoomServices {
  /** False when the legacy network has no room subject (topic). */
  HAS_SUBJECT = true;
  /** False when the legacy network has no room description. */
  HAS_DESCRIPTION = true;
  /** True when archived messages keep their ids across restarts (`stable` in MAM `<fin/>`). */
  STABLE_ARCHIVE = false;
  /** Keep the senders of backfilled messages as participants. */
  KEEP_BACKFILLED_PARTICIPANTS = false;

  /** The session (the XMPP user) this room belongs to. */
  readonly session: Session;
  /** The legacy network's id of the room. */
  readonly legacyId: string;
  /** The room's bare JID; set by the runtime before {@link updateInfo} runs. */
  jid = "";
  /** Room type; decides anonymity and membership. */
  type: RoomType = "group";
  /** The user's nickname in this room; defaults to the local part of the user's JID. */
  userNick: string;
  /** Number of participants the legacy network reports, before the list is filled. */
  nParticipants: number | undefined = undefined;
  /** The nickname (or participant) that set the subject, if known. */
  subjectSetter: string | LegacyParticipant | undefined = undefined;
  /** When the subject was set, if known. */
  subjectDate: Date | undefined = undefined;
  #name: string | undefined;
  #description = "";
  #subject = "";
  readonly #roster = new RoomRoster();
  #occupantIds: OccupantIds | undefined;
  /** @internal The run whose `fillParticipants` list is stored (`RoomFlags.filledInRun`). */
  _filledInRun: string | undefined;
  /** @internal The run in which `backfill` ran (`RoomFlags.backfilledInRun`). */
  _backfilledInRun: string | undefined;
  #backfillSenders: RoomRoster | undefined;
  #user: Participant | undefined;
  #system: Participant | undefined;

  /**
   * @param session - The session that creates the room (in {@link LegacySession.createRoom}).
   * @param legacyId - The legacy network's id of the room; it becomes the room JID's local part (XEP-0106 escaped).
   */
  constructor(session: Session, legacyId: string) {
    super();
    this.session = session;
    this.legacyId = legacyId;
    this.userNick = session.user.split("@")[0] ?? session.user;
  }

  /** The room's name; the legacy id when none was set. Setting it sends status 104. */
  get name(): string {
    return this.#name ?? this.legacyId;
  }
  /** Sets the name; a change sends status 104. */
  set name(value: string) {
    if (value === this.#name) return;
    this.#name = value;
    this._host?.tell({ kind: "config" });
  }

  /** The room's description. Setting it sends status 104. */
  get description(): string {
    return this.#description;
  }
  /** Sets the description; a change sends status 104. */
  set description(value: string) {
    if (value === this.#description) return;
    this.#description = value;
    this._host?.tell({ kind: "config" });
  }

  /** The room's subject. Setting it outside `updateInfo` sends it to every joined resource. */
  get subject(): string {
    return this.#subject;
  }
  /** Sets the subject; outside `updateInfo`, it goes to every joined resource. */
  set subject(value: string) {
    this.#subject = value;
    this._host?.tell({ kind: "subject" });
  }

  /** True for `group` rooms, whose occupants' real JIDs are visible. */
  get nonAnonymous(): boolean {
    return this.type === "group";
  }

  // ---- participants ---------------------------------------------------------------------------

  /** The participant that stands for the gateway user. */
  async getUserParticipant(): Promise<Participant> {
    return this._userParticipant();
  }

  /** @internal The user participant, synchronously. */
  _userParticipant(): Participant {
    if (!this.#user || this.#user.nickname !== this.userNick) {
      const { resource } = toResourcepart(this.userNick);
      this.#user = this.newParticipant({
        room: this,
        nickname: this.userNick,
        resource,
        isUser: true,
        occupantId: deriveOccupantId(this.jid, `user:${this.session.user}`),
      });
    }
    return this.#user;
  }

  /** The pseudo-participant that stands for the room itself (bare room JID). */
  getSystemParticipant(): Participant {
    this.#system ??= this.newParticipant({ room: this, nickname: "", resource: "", isSystem: true, occupantId: deriveOccupantId(this.jid, "room") });
    return this.#system;
  }

  /**
   * The participant with this legacy nickname, created (and stored) if it is new. The same nickname always gives the
   * same participant. With a `contact`, the contact is the person: their participant is found whatever nick it has, and
   * outside `backfill` (where old names are history) a new nick renames it (303, as {@link renameParticipant}); another
   * person holding the nick is not them (see {@link getParticipantByContact}).
   */
  async getParticipant(nickname: string, options: GetParticipantOptions = {}): Promise<Participant> {
    if (options.fillFirst && this._host && !this._host.muted) await this._host.ensureParticipants();
    if (nickname === this.userNick) return this._userParticipant();
    const { contact } = options;
    const known = contact === undefined ? this.#roster.byNickname(nickname) : this.#roster.byContact(contact);
    if (known) {
      if (contact !== undefined && !this._host?.backfilling) this.renameParticipant(known, nickname);
      return known as Participant;
    }
    if (options.raiseIfNotFound) throw new XMPPError("item-not-found", `No participant named ${nickname}`);
    const senders = this.#unstoredSenders();
    const sender = contact === undefined ? senders?.byNickname(nickname) : senders?.byContact(contact);
    if (sender) return sender as Participant;
    const store = options.store ?? (!this._host?.backfilling || this.KEEP_BACKFILLED_PARTICIPANTS);
    return this.#create(nickname, contact, store);
  }

  /**
   * The participant behind a legacy contact; in non-anonymous rooms this ties their JID to the occupant. As in slidge, a
   * new one whose nickname another participant holds (even one without a contact: it may be someone else) gets its own
   * occupant, suffixed `nickname (contact)`.
   */
  async getParticipantByContact(contact: string, nickname = contact): Promise<Participant> {
    const known = this.#roster.byContact(contact) ?? this.#unstoredSenders()?.byContact(contact);
    if (known) return known as Participant;
    return this.#create(nickname, contact, !this._host?.backfilling || this.KEEP_BACKFILLED_PARTICIPANTS);
  }

  /** Every stored participant except the user, after `fillParticipants` ran once. */
  async getParticipants(): Promise<Participant[]> {
    if (this._host && !this._host.muted) await this._host.ensureParticipants();
    return this._storedParticipants();
  }

  /** @internal The stored participants, in the order they appeared (all made by newParticipant: _adopt checks p.room). */
  _storedParticipants(): Participant[] {
    return this.#roster.all() as Participant[];
  }

  /**
   * Constructs a participant; the room calls it for every participant it creates, the user's
   * and the system participant included. A room whose `Participant` type parameter is a
   * subclass overrides it (`return new MyParticipant(init)`); the default builds a plain
   * {@link LegacyParticipant}.
   */
  protected newParticipant(init: ParticipantInit): Participant {
    return new LegacyParticipant(init) as Participant;
  }

  /** @internal The occupant ids given out, the store's participants of an earlier run noted in it; made on first use (an idle room has none). */
  get _occupantIds(): OccupantIds {
    this.#occupantIds ??= new OccupantIds();
    return this.#occupantIds;
  }

  /** @internal Brings back a stored participant (re-activation after passivation), unannounced. */
  _restoreParticipant(init: { nickname: string; resource: string; contact?: string; occupantId: string }): Participant {
    const p = this.newParticipant({ room: this, ...init });
    this.#roster.add(p);
    this._occupantIds.remember(p);
    return p;
  }

  /** @internal Adds a participant that `fillParticipants` returned, unless it is already there. */
  _adopt(p: LegacyParticipant): void {
    if (p.isUser || p.isSystem || p.room !== this || this.#roster.hasResource(p.resource)) return;
    this.#roster.add(p);
    this._host?.tell({ kind: "saved", participant: p });
  }

  /** @internal True when the participant is in the room's list (not the user, the room, or a `store: false` one). */
  _isStored(p: LegacyParticipant): boolean {
    return this.#roster.holds(p);
  }

  /** Removes a participant: an unavailable presence, with 307 for a kick or 301 for a ban; its stored record goes. */
  removeParticipant(p: LegacyParticipant, options: { kick?: boolean; ban?: boolean; reason?: string } = {}): void {
    if (options.kick && options.ban) throw new TypeError("removeParticipant: kick and ban cannot both be true");
    if (!this.#roster.holds(p)) return;
    this.#roster.remove(p);
    this._host?.tell({ kind: "removed", participant: p, options });
  }

  /**
   * Renames a participant. The resource is recomputed (made safe and unique, as for new
   * participants); joined resources get the XEP-0045 §7.6 pair: an unavailable presence from the
   * old nick with status 303 and `item nick=new`, then a presence from the new nick. The
   * occupant id does not change.
   */
  renameParticipant(p: LegacyParticipant, nickname: string): void {
    if (p.isUser || p.isSystem) throw new TypeError("renameParticipant: the user and the room cannot be renamed");
    if (nickname === p.nickname) return;
    const { resource: oldResource, nickname: oldNickname } = p;
    const senders = this.#unstoredSenders();
    const list = this.#roster.holds(p) ? this.#roster : senders?.holds(p) ? senders : undefined;
    const change = () => {
      p.nickname = nickname;
      p.resource = disambiguateNick(nickname, (c) => c !== oldResource && this.#resourceTaken(c), p.contact ? [p.contact] : []);
    };
    if (list) list.reindex(p, change);
    else change();
    this._occupantIds.renamed(this.jid, p, oldNickname);
    if (list === this.#roster) this._host?.tell({ kind: "renamed", participant: p, oldResource });
  }

  /** True when a stored participant, a backfill sender or the user has this resource. */
  #resourceTaken(resource: string): boolean {
    return this.#roster.hasResource(resource) || (this.#unstoredSenders()?.hasResource(resource) ?? false) || resource === this._userParticipant().resource;
  }

  /**
   * The senders the running `backfill` looked up without storing them, so that one person is one
   * participant (one nick, one occupant id) throughout the history it sends; forgotten when it ends.
   */
  #unstoredSenders(): RoomRoster | undefined {
    if (!this._host?.backfilling) this.#backfillSenders = undefined;
    else this.#backfillSenders ??= new RoomRoster();
    return this.#backfillSenders;
  }

  #create(nickname: string, contact: string | undefined, store: boolean): Participant {
    const resource = disambiguateNick(nickname, (c) => this.#resourceTaken(c), contact ? [contact] : []);
    const p = this.newParticipant({
      room: this,
      nickname,
      resource,
      contact,
      occupantId: this._occupantIds.issue(this.jid, nickname, contact),
    });
    if (store) {
      this.#roster.add(p);
      this._host?.tell({ kind: "joined", participant: p });
    } else this.#unstoredSenders()?.add(p);
    return p;
  }
}
