/**
 * One IRC connection per XMPP user: the session connects in `login()`, keeps what it knows of
 * each channel it is in (topic, members and their prefixes), and hands IRC events, in order,
 * to the channel's room.
 */
import irc, { type ClientEvents } from "irc-framework";
import { LegacySession, XMPPError } from "mucstate";
import { IrcRoom } from "./ircRoom.js";

/** Where and how the gateway connects to IRC. */
export interface IrcServer {
  host: string;
  port: number;
  tls?: boolean;
  /** The server password (PASS), if it needs one. */
  password?: string;
}

/** What the session knows of a channel it is in. */
export interface ChannelState {
  topic: string;
  topicBy?: string;
  topicAt?: Date;
  /** Members by nick, with their prefix modes (`o` operator, `v` voice). */
  members: Map<string, string[]>;
}

/** An IRC nick made from the local part of a bare JID: letters, digits and `[]\`_^{|}-`, at most 16. */
export function nickOf(user: string): string {
  const local = (user.split("@")[0] ?? "user").replace(/[^A-Za-z0-9[\]\\`_^{|}-]/g, "_");
  return (/^[A-Za-z[\]\\`_^{|}]/.test(local) ? local : `x${local}`).slice(0, 16);
}

/** The XMPP user's IRC connection, and the channels it is in. */
export class IrcSession extends LegacySession {
  readonly irc = new irc.Client({ auto_reconnect: false });
  readonly #channels = new Map<string, ChannelState>();
  readonly #joining = new Map<string, Promise<ChannelState>>();
  #events: Promise<void> = Promise.resolve();
  #registered: Promise<void> | undefined;

  constructor(
    user: string,
    readonly server: IrcServer,
  ) {
    super(user);
    const inChannel = (channel: string, run: (room: IrcRoom) => void | Promise<void>) =>
      this.#inOrder(async () => {
        if (this.#channels.has(this.#key(channel))) run((await this.getRoom(channel)) as IrcRoom);
      });
    this.irc.on("privmsg", (e) => inChannel(e.target, (room) => room.ircText(e.nick, e.message)));
    this.irc.on("notice", (e) => e.nick && inChannel(e.target, (room) => room.ircText(e.nick, e.message)));
    this.irc.on("action", (e) => inChannel(e.target, (room) => room.ircText(e.nick, `/me ${e.message}`)));
    this.irc.on("topic", (e) => e.nick && inChannel(e.channel, (room) => room.ircTopic(e.topic, e.nick ?? "")));
    this.irc.on("join", (e) => this.#member(e.channel, e.nick, []) && inChannel(e.channel, (room) => room.ircJoin(e.nick)));
    this.irc.on("part", (e) => this.#isSelf(e.nick) || this.#gone(e.channel, e.nick, (room) => room.ircLeave(e.nick, e.message)));
    this.irc.on("kick", (e) => this.#kicked(e));
    this.irc.on("mode", (e) => inChannel(e.target, (room) => room.ircModes(e.modes)));
    this.irc.on("nick", (e) => {
      for (const [name, state] of this.#channels) {
        const modes = state.members.get(e.nick);
        if (!modes) continue;
        state.members.delete(e.nick);
        state.members.set(e.new_nick, modes);
        inChannel(name, (room) => room.ircRename(e.nick, e.new_nick));
      }
    });
    this.irc.on("quit", (e) => {
      for (const name of this.#channels.keys()) this.#gone(name, e.nick, (room) => room.ircLeave(e.nick, e.message));
    });
  }

  /**
   * Connects and registers with the user's nick; IRC refusing us is `remote-server-not-found`.
   * Rooms may activate before it is done: {@link registered} is what they wait for.
   */
  override async login(): Promise<void> {
    this.#registered ??= new Promise<void>((done, fail) => {
      const refused = (e: unknown) => fail(new XMPPError("remote-server-not-found", `IRC server refused: ${JSON.stringify(e)}`));
      this.irc.once("registered", () => done());
      this.irc.once("close", refused);
      const { host, port, tls, password } = this.server;
      this.irc.connect({ host, port, tls, password, nick: nickOf(this.user), username: nickOf(this.user), gecos: this.user });
    });
    await this.#registered;
  }

  /** Resolves once the IRC connection is registered (connecting if needed). */
  registered(): Promise<void> {
    return this.login();
  }

  /** An IRC channel (`#name` or `&name`) is a room; anything else does not exist. */
  override createRoom(legacyId: string): IrcRoom {
    if (!/^[#&][^\s,:]+$/.test(legacyId) || legacyId.includes("\u0007")) throw new XMPPError("item-not-found", `${legacyId} is not an IRC channel`);
    return new IrcRoom(this, legacyId);
  }

  /** True while the connection is in `channel`. */
  inChannel(channel: string): boolean {
    return this.#channels.has(this.#key(channel));
  }

  /** JOINs `channel` unless already in it; resolves with its topic and members (after NAMES). */
  async join(channel: string): Promise<ChannelState> {
    await this.registered();
    const key = this.#key(channel);
    const known = this.#channels.get(key);
    if (known) return known;
    const pending = this.#joining.get(key);
    if (pending) return pending;
    const state: ChannelState = { topic: "", members: new Map() };
    const joined = new Promise<ChannelState>((done, fail) => {
      const mine = (e: { channel?: string }) => e.channel !== undefined && this.#key(e.channel) === key;
      const topic = (e: ClientEvents["topic"]) => {
        if (mine(e) && !e.nick) state.topic = e.topic;
      };
      const setBy = (e: ClientEvents["topicsetby"]) => {
        if (!mine(e)) return;
        state.topicBy = e.nick.split("!")[0];
        state.topicAt = new Date(Number(e.when) * 1000);
      };
      const names = (e: ClientEvents["userlist"]) => {
        if (!mine(e)) return;
        for (const m of e.users) state.members.set(m.nick, m.modes);
        finish();
        this.#channels.set(key, state);
        done(state);
      };
      const refused = (e: ClientEvents["irc error"]) => {
        if (!mine(e)) return;
        finish();
        fail(new XMPPError("forbidden", `IRC refused the join: ${e.reason ?? e.error}`));
      };
      const finish = () => {
        this.irc.off("topic", topic).off("topicsetby", setBy).off("userlist", names).off("irc error", refused);
        this.#joining.delete(key);
      };
      this.irc.on("topic", topic).on("topicsetby", setBy).on("userlist", names).on("irc error", refused);
    });
    this.#joining.set(key, joined);
    this.irc.join(channel);
    return joined;
  }

  /** PARTs `channel` and forgets it. */
  part(channel: string): void {
    if (this.#channels.delete(this.#key(channel))) this.irc.part(channel, "Left from XMPP");
  }

  /** The channel's members and their prefix modes, or none when not in it. */
  members(channel: string): Map<string, string[]> {
    return this.#channels.get(this.#key(channel))?.members ?? new Map();
  }

  /**
   * Sends a command, then resolves when `done` sees its effect, or fails with the XMPP condition
   * of the IRC error about `channel` (482 ERR_CHANOPRIVSNEEDED is `forbidden`).
   */
  command<K extends keyof ClientEvents>(channel: string, send: () => void, event: K, done: (e: ClientEvents[K]) => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const seen = (e: ClientEvents[K]) => {
        if (!done(e)) return;
        off();
        resolve();
      };
      const failed = (e: ClientEvents["irc error"]) => {
        if (e.channel === undefined || this.#key(e.channel) !== this.#key(channel)) return;
        off();
        const condition = e.error === "chanop_privs_needed" ? "forbidden" : "not-acceptable";
        reject(new XMPPError(condition, e.reason ?? e.error));
      };
      const off = () => this.irc.off(event, seen).off("irc error", failed);
      this.irc.on(event, seen).on("irc error", failed);
      send();
    });
  }

  override async shutdown(): Promise<void> {
    this.irc.quit("Gateway shutting down");
  }

  #key(channel: string): string {
    return this.irc.caseLower(channel);
  }

  #isSelf(nick: string): boolean {
    return this.#key(nick) === this.#key(this.irc.user.nick);
  }

  /** Records a member of a channel we are in; false for our own JOIN (the `join()` path). */
  #member(channel: string, nick: string, modes: string[]): boolean {
    if (this.#isSelf(nick)) return false;
    this.#channels.get(this.#key(channel))?.members.set(nick, modes);
    return true;
  }

  #gone(channel: string, nick: string, run: (room: IrcRoom) => void): void {
    const state = this.#channels.get(this.#key(channel));
    if (!state?.members.delete(nick)) return;
    this.#inOrder(async () => run((await this.getRoom(channel)) as IrcRoom));
  }

  #kicked(e: ClientEvents["kick"]): void {
    if (this.#isSelf(e.kicked)) {
      this.#channels.delete(this.#key(e.channel));
      this.#inOrder(() => this.removeRoom(e.channel, { reason: `Kicked by ${e.nick}: ${e.message}` }));
      return;
    }
    this.#gone(e.channel, e.kicked, (room) => room.ircKicked(e.kicked, e.message));
  }

  /** IRC events reach rooms one at a time, in the order IRC sent them. */
  #inOrder(step: () => Promise<void>): void {
    this.#events = this.#events.then(step).catch(() => {});
  }
}
