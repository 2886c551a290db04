/**
 * The soak's XMPP side: each user's client resources, which rooms each has joined, and every
 * groupchat copy they receive, written into the {@link Ledger}.
 */
import { xml } from "@xmpp/client";
import { type Client, MUC, type Stanza, within } from "../xmpp.js";
import type { Ledger } from "./ledger.js";
import { USER_NICK } from "./network.js";

/** Where a resource stands in one room. */
type Membership = "joining" | "joined" | "leaving";

const MUC_USER = "http://jabber.org/protocol/muc#user";
/** How long a leave waits for the copies still owed to the leaving resource. */
const OWED_WAIT_MS = 10_000;

/** One client resource of a soak user. */
export class SoakResource {
  readonly user: string;
  readonly jid: string;
  readonly client: Client;
  readonly rooms = new Map<string, Membership>();
  readonly #ledger: Ledger;
  readonly #waiting = new Map<string, () => void>();

  constructor(user: string, client: Client, ledger: Ledger) {
    this.user = user;
    this.client = client;
    this.jid = client.jid!.toString();
    this.#ledger = ledger;
    client.on("stanza", ((s: Stanza) => this.#onStanza(s)) as never);
  }

  /** Rooms this resource has finished joining. */
  joined(): string[] {
    return [...this.rooms].filter(([, m]) => m === "joined").map(([room]) => room);
  }

  /** Joins `room` (no history); resolves once the subject arrived, the end of the join. */
  async join(room: string): Promise<void> {
    if (this.rooms.has(room)) return;
    this.rooms.set(room, "joining");
    const done = this.#expect(`subject ${room}`);
    try {
      await this.client.send(xml("presence", { to: `${room}/${USER_NICK}` }, xml("x", { xmlns: MUC }, xml("history", { maxstanzas: "0" }))));
      await within(done, 60_000, `${this.jid} joining ${room}`);
      this.rooms.set(room, "joined");
    } catch (error) {
      this.rooms.delete(room);
      throw error;
    }
  }

  /**
   * Leaves `room`: from now on new messages may or may not reach it; the copies already owed to
   * it are awaited first (up to 10 s: what is still owed then counts as lost), then the
   * unavailable presence is sent and its self-presence awaited.
   */
  async leave(room: string): Promise<void> {
    if (this.rooms.get(room) !== "joined") return;
    this.rooms.set(room, "leaving");
    const until = Date.now() + OWED_WAIT_MS;
    while (this.#ledger.owedTo(this.jid, room) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    const done = this.#expect(`left ${room}`);
    await this.client.send(xml("presence", { to: `${room}/${USER_NICK}`, type: "unavailable" }));
    await within(done, 60_000, `${this.jid} leaving ${room}`);
    this.rooms.delete(room);
  }

  /** Sends groupchat message `id` to a joined room. */
  say(room: string, id: string): void {
    void this.client.send(xml("message", { to: room, type: "groupchat", id }, xml("body", {}, `soak ${id}`))).catch(() => this.#ledger.refused(id));
  }

  #expect(what: string): Promise<void> {
    return new Promise((resolve) => this.#waiting.set(what, resolve));
  }

  #settle(what: string): void {
    this.#waiting.get(what)?.();
    this.#waiting.delete(what);
  }

  #onStanza(s: Stanza): void {
    const from = String(s.attrs.from ?? "");
    const room = from.split("/")[0]!;
    if (s.name === "message") {
      if (s.attrs.type === "error") {
        if (String(s.attrs.id ?? "").startsWith("soak-")) this.#ledger.refused(s.attrs.id as string);
        return;
      }
      if (s.attrs.type !== "groupchat") return;
      if (s.getChild("subject") !== undefined && s.getChild("body") === undefined) return this.#settle(`subject ${room}`);
      const body = s.getChildText("body");
      if (body?.startsWith("soak ")) this.#ledger.received(body.slice(5), this.jid);
    } else if (s.name === "presence" && s.attrs.type === "unavailable") {
      const self = s.getChild("x", MUC_USER)?.getChildren("status").some((st: Stanza) => st.attrs.code === "110");
      if (self) this.#settle(`left ${room}`);
    }
  }
}

/** Every resource of every user, and who is owed a message sent to a room. */
export class Roster {
  readonly #byUser = new Map<string, SoakResource[]>();

  add(resource: SoakResource): void {
    const list = this.#byUser.get(resource.user) ?? [];
    list.push(resource);
    this.#byUser.set(resource.user, list);
  }

  /** Resources of `user` owed a message sent to `room` now, and those that may get it. */
  audience(user: string, room: string): { expected: string[]; maybe: string[] } {
    const expected: string[] = [];
    const maybe: string[] = [];
    for (const r of this.#byUser.get(user) ?? []) {
      const m = r.rooms.get(room);
      if (m === "joined") expected.push(r.jid);
      else if (m) maybe.push(r.jid);
    }
    return { expected, maybe };
  }

  all(): SoakResource[] {
    return [...this.#byUser.values()].flat();
  }
}
