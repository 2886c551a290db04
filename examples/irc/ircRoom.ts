/**
 * An IRC channel as a mucstate room. The room JOINs the channel when it activates (the topic and
 * the NAMES list are only known from inside), PARTs when the user's last XMPP resource leaves,
 * and JOINs again when the user comes back. IRC events arrive through the session.
 */
import { type Affiliation, LegacyRoom, type LegacyParticipant, type Role, XMPPError } from "mucstate";
import type { ChannelState, IrcSession } from "./ircSession.js";

/** XEP-0045 affiliation and role for IRC prefix modes: `~`/`&` owner/admin, `@` op, `%` half-op, `+` voice. */
function rankOf(modes: readonly string[]): { affiliation: Affiliation; role: Role } {
  if (modes.includes("q")) return { affiliation: "owner", role: "moderator" };
  if (modes.includes("a") || modes.includes("o")) return { affiliation: "admin", role: "moderator" };
  if (modes.includes("h")) return { affiliation: "member", role: "moderator" };
  return { affiliation: "member", role: "participant" };
}

/** A room whose legacy id is the channel name, e.g. `#test`. */
export class IrcRoom extends LegacyRoom {
  declare readonly session: IrcSession;
  override HAS_DESCRIPTION = false;
  /** Ban masks set in this channel (MODE +b), to tell a ban from a kick. */
  readonly #bans = new Set<string>();

  override async updateInfo() {
    await this.session.registered();
    this.userNick = this.session.irc.user.nick;
    this.type = "channel";
    this.name = this.legacyId;
    this.#applyTopic(await this.session.join(this.legacyId));
  }

  override async fillParticipants() {
    await this.#sync(await this.session.join(this.legacyId));
  }

  override async onUserJoined(_resource: string, { first }: { first: boolean }) {
    if (!first || this.session.inChannel(this.legacyId)) return;
    const state = await this.session.join(this.legacyId);
    if (state.topic !== this.subject) this.#applyTopic(state);
    await this.#sync(state);
  }

  override async onUserLeft(_resource: string, { last }: { last: boolean }) {
    if (last) this.session.part(this.legacyId);
  }

  override async onText(text: string) {
    const irc = this.session.irc;
    for (const line of text.split(/\r?\n/).filter(Boolean)) {
      if (line.startsWith("/me ")) irc.action(this.legacyId, line.slice(4));
      else irc.say(this.legacyId, line);
    }
    return undefined; // IRC messages have no ids
  }

  override async onSetSubject(subject: string) {
    const channel = this.legacyId;
    const key = (name: string) => this.session.irc.caseLower(name);
    await this.session.command(channel, () => this.session.irc.setTopic(channel, subject), "topic", (e) => key(e.channel) === key(channel) && e.nick !== undefined);
  }

  override async onKick(_contact: string | undefined, reason: string | undefined, nickname: string | undefined) {
    await this.#kick(this.#nick(nickname), reason);
  }

  override async onSetAffiliation(contact: string | undefined, affiliation: Affiliation, reason: string | undefined, nickname: string | undefined) {
    if (affiliation !== "outcast") return super.onSetAffiliation(contact, affiliation, reason, nickname);
    const nick = this.#nick(nickname);
    const mask = `${nick}!*@*`;
    const key = (name: string) => this.session.irc.caseLower(name);
    const irc = this.session.irc;
    await this.session.command(this.legacyId, () => irc.raw("MODE", this.legacyId, "+b", mask), "mode", (e) => key(e.target) === key(this.legacyId) && e.modes.some((m) => m.mode === "+b"));
    await this.#kick(nick, reason);
  }

  /** Moderator is MODE +o, participant MODE -o (voice stays as it is); resolves on the server's echo. */
  override async onSetRole(contact: string | undefined, role: Role, reason: string | undefined, nickname: string | undefined) {
    if (role !== "moderator" && role !== "participant") return super.onSetRole(contact, role, reason, nickname);
    const nick = this.#nick(nickname);
    const change = role === "moderator" ? "+o" : "-o";
    const lower = (n: string) => this.session.irc.caseLower(n);
    const irc = this.session.irc;
    await this.session.command(this.legacyId, () => irc.raw("MODE", this.legacyId, change, nick), "mode", (e) => e.modes.some((m) => m.mode === change && lower(m.param ?? "") === lower(nick)));
  }

  /** A PRIVMSG, NOTICE or ACTION (as `/me …`) from a member. */
  async ircText(nick: string, text: string) {
    (await this.getParticipant(nick)).sendText(text);
  }

  /** A TOPIC change by `nick`. */
  ircTopic(topic: string, nick: string) {
    this.subjectSetter = nick;
    this.subjectDate = new Date();
    this.subject = topic;
  }

  async ircJoin(nick: string) {
    await this.getParticipant(nick);
  }

  async ircLeave(nick: string, message: string) {
    (await this.getParticipant(nick)).leave(message || undefined);
  }

  async ircRename(nick: string, newNick: string) {
    this.renameParticipant(await this.getParticipant(nick), newNick);
  }

  /** A KICK of someone else; a ban when a ban mask we saw matches the nick. */
  async ircKicked(nick: string, reason: string) {
    const banned = this.#bans.has(`${this.session.irc.caseLower(nick)}!*@*`);
    this.removeParticipant(await this.getParticipant(nick), banned ? { ban: true, reason } : { kick: true, reason });
  }

  /** MODE changes: prefixes change roles, `+b`/`-b` are remembered. */
  async ircModes(modes: { mode: string; param?: string }[]) {
    const lower = (n: string) => this.session.irc.caseLower(n);
    const members = this.session.members(this.legacyId);
    for (const { mode, param } of modes) {
      if (!param) continue;
      const [sign, letter] = [mode[0], mode.slice(1)];
      if (letter === "b") {
        if (sign === "+") this.#bans.add(lower(param));
        else this.#bans.delete(lower(param));
        continue;
      }
      const nick = [...members.keys()].find((n) => lower(n) === lower(param));
      const isUser = lower(param) === lower(this.userNick);
      if (!nick && !isUser) continue;
      const current = (nick && members.get(nick)) || [];
      const next = sign === "+" ? [...current, letter] : current.filter((m) => m !== letter);
      if (nick) members.set(nick, next);
      Object.assign(isUser ? await this.getUserParticipant() : await this.getParticipant(nick ?? param), rankOf(next));
    }
  }

  #applyTopic(state: ChannelState) {
    this.subjectSetter = state.topicBy;
    this.subjectDate = state.topicAt;
    this.subject = state.topic;
  }

  /** Makes the participants those of the NAMES list: new ones appear, missing ones leave. */
  async #sync(state: ChannelState) {
    const lower = (n: string) => this.session.irc.caseLower(n);
    const names = new Map([...state.members].map(([nick, modes]) => [lower(nick), { nick, modes }]));
    for (const p of await this.getParticipants()) if (!names.has(lower(p.nickname))) p.leave();
    for (const { nick, modes } of names.values()) {
      const p: LegacyParticipant = lower(nick) === lower(this.userNick) ? await this.getUserParticipant() : await this.getParticipant(nick);
      Object.assign(p, rankOf(modes));
    }
  }

  /** The IRC nick of the occupant a muc#admin item names. */
  #nick(nickname: string | undefined): string {
    if (!nickname) throw new XMPPError("item-not-found", "Only occupants of the channel can be kicked or banned");
    return nickname;
  }

  /** KICKs `nick`; resolves when IRC confirms it, `forbidden` when the user is no channel operator. */
  async #kick(nick: string, reason: string | undefined) {
    const irc = this.session.irc;
    const lower = (n: string) => irc.caseLower(n);
    await this.session.command(this.legacyId, () => irc.raw("KICK", this.legacyId, nick, reason ?? "Kicked from XMPP"), "kick", (e) => lower(e.kicked) === lower(nick) && lower(e.channel) === lower(this.legacyId));
  }
}
