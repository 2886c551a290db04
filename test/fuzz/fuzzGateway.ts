/**
 * The gateway the fuzzer attacks: the offline harness (real router, sessions, registry, room
 * actors, the demo's fixture network as plugin, the memory store), with a fresh user per case so
 * that cases do not share rooms (each attacks the cooperative lobby or the grumpy channel that
 * refuses every request), and a watchdog user in another room whose plain message must
 * still be echoed after every case. A gateway serves {@link CAPACITY} cases, or fewer when one
 * broke a property, then the next case gets a new one.
 */
import type { Element } from "@xmpp/component";
import { xml } from "@xmpp/component";
import { DOMAIN, fixtureHarness, lobbyFixture } from "../helpers/harness.js";
import type { FuzzCase } from "./fuzzCase.js";
import { type CaseRecord, MAX_STANZA_BYTES, answerable, answers, violations } from "./properties.js";

/** Cases one gateway serves. */
const CAPACITY = 500;
/** Active rooms of a gateway: far fewer than its cases' rooms, so that rooms passivate and come back. */
const MAX_ROOMS = 64;
const WATCHDOG = "watchdog@example.org";
const CONTROL = `control@${DOMAIN}`;
/** How long a case may take to settle, and a liveness check to be echoed. */
const BUDGET_MS = 5_000;

type Harness = ReturnType<typeof fixtureHarness>;

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Unhandled rejections and uncaught exceptions, wherever they come from. */
const escaped: string[] = [];
let listening = false;
function listen(): void {
  if (listening) return;
  listening = true;
  process.on("unhandledRejection", (reason) => void escaped.push(`unhandled rejection: ${describe(reason)}`));
  process.on("uncaughtException", (error) => void escaped.push(`uncaught exception: ${describe(error)}`));
}

const describe = (e: unknown) => (e instanceof Error ? (e.stack ?? e.message) : String(e));

/** Every request kind the grumpy channel refuses, with the condition it refuses it with. */
const REFUSALS = {
  message: "forbidden",
  setSubject: "not-allowed",
  setConfig: "not-authorized",
  setAffiliation: "not-allowed",
  kick: "forbidden",
  ban: "forbidden",
  destroy: "not-allowed",
  avatar: "resource-constraint",
  reaction: "not-acceptable",
  correct: "item-not-found",
  retract: "service-unavailable",
  moderate: "forbidden",
  file: "policy-violation",
};

function fixture(users: string[]) {
  const history = [{ id: "h1", from: "bob", body: "earlier", at: "2026-11-20T09:00:00Z" }];
  const f = lobbyFixture({ history, availableEmojis: ["👍", "❤️"] }, [...users, WATCHDOG]);
  const grumpy = { ...f.rooms[0]!, id: "grumpy", name: "Grumpy", type: "channel", history, reject: REFUSALS };
  const control = { id: "control", name: "Control", type: "group", userNick: "watchdog", participants: [{ nick: "dave" }] };
  f.rooms.push(grumpy as never, control as never);
  return f;
}

/** Runs fuzz cases against a gateway that it renews when needed. */
export class FuzzGateway {
  /** How often each kind of stanza was sent and answered, for `npm run fuzz` to print. */
  readonly tally = new Map<string, number>();
  #h: Harness | undefined;
  #used = 0;
  #probe = 0;

  constructor() {
    listen();
  }

  /** Runs one case; resolves with what the case broke (empty when nothing). */
  async run(c: FuzzCase): Promise<string[]> {
    const room = `${c.room}@${DOMAIN}`;
    const { h, user } = await this.#nextUser(c.joined ? room : undefined);
    const routed = c.build(user);
    const failures: string[] = [];
    const firstEscaped = escaped.length;
    const firstError = h.errors.length;
    for (const { stanza } of routed) {
      try {
        h.route(stanza);
      } catch (error) {
        failures.push(`route threw: ${describe(error)}`);
      }
    }
    const requests = routed.map((r) => r.stanza).filter(answerable);
    const unanswered = () => requests.filter((r) => !h.sent.some((s) => answers(s, r)));
    if (!(await this.#settle(h, user, () => unanswered().length === 0))) {
      failures.push(`not settled after ${BUDGET_MS} ms; unanswered iqs: ${unanswered().map((r) => r.attrs.id).join(", ") || "none"}`);
    }
    if (!(await this.#echoed(h, `${WATCHDOG}/w`, CONTROL))) failures.push("the watchdog's plain message in another room got no echo");
    const fuzzed = h.registry.peek(user, room);
    if (fuzzed?.snapshot.status === "active" && fuzzed.snapshot.context.resources.includes("phone")) {
      // The grumpy channel refuses every message: an error is its answer.
      if (!(await this.#echoed(h, `${user}/phone`, room, c.room === "grumpy"))) failures.push("the user's plain message got no echo afterwards");
    }
    await this.#settle(h, user, () => true);
    failures.push(...escaped.slice(firstEscaped), ...h.errors.slice(firstError).map((e) => `onError: ${describe(e)}`));
    const record: CaseRecord = { routed, sent: h.take(), failures, recipients: [user, WATCHDOG] };
    this.#count(record);
    const found = violations(record);
    if (found.length) this.#h = undefined; // a broken gateway must not fail the cases that follow
    return found;
  }

  #count({ routed, sent }: CaseRecord): void {
    const add = (key: string) => this.tally.set(key, (this.tally.get(key) ?? 0) + 1);
    for (const { stanza } of routed) add(`in  ${stanza.name}/${stanza.attrs.type ?? "-"} ${stanza.getChildElements()[0]?.name ?? "-"}`);
    for (const s of sent) {
      const condition = s.getChild("error")?.getChildElements().find((c) => c.name !== "text")?.name;
      add(`out ${s.name}/${s.attrs.type ?? "-"}${condition ? ` ${condition}` : ""}`);
    }
  }

  /** The next fresh user, joined to `room` with its resource `phone` unless `room` is undefined. */
  async #nextUser(room: string | undefined): Promise<{ h: Harness; user: string }> {
    if (!this.#h || this.#used === CAPACITY) await this.#renew();
    const h = this.#h!;
    const user = `case${this.#used++}@example.org`;
    if (room === undefined) return { h, user };
    h.route(xml("presence", { from: `${user}/phone`, to: `${room}/alice`, id: "join" }, xml("x", { xmlns: "http://jabber.org/protocol/muc" })));
    const joined = () => h.sent.some((s) => s.name === "message" && s.attrs.to === `${user}/phone` && s.getChild("subject") !== undefined);
    if (!(await this.#settle(h, user, joined))) throw new Error(`fuzz set-up: ${user} could not join ${room}`);
    h.take();
    return { h, user };
  }

  async #renew(): Promise<void> {
    await this.#h?.registry.shutdown();
    const users = Array.from({ length: CAPACITY }, (_, i) => `case${i}@example.org`);
    const h = fixtureHarness(fixture(users), { maxRooms: MAX_ROOMS, callbackTimeoutMs: 2_000, maxStanzaBytes: MAX_STANZA_BYTES });
    this.#h = h;
    this.#used = 0;
    h.route(xml("presence", { from: `${WATCHDOG}/w`, to: `${CONTROL}/watchdog` }, xml("x", { xmlns: "http://jabber.org/protocol/muc" })));
    const joined = () => h.sent.some((s) => s.name === "message" && s.attrs.to === `${WATCHDOG}/w` && s.getChild("subject") !== undefined);
    if (!(await this.#settle(h, WATCHDOG, joined))) throw new Error("fuzz set-up: the watchdog could not join");
    h.take();
  }

  /** Sends a plain groupchat message from `from` to `room`; true once its echo (or, `orError`, an error) came back. */
  async #echoed(h: Harness, from: string, room: string, orError = false): Promise<boolean> {
    const id = `alive-${++this.#probe}`;
    h.route(xml("message", { from, to: room, type: "groupchat", id }, xml("body", {}, "still there?")));
    const echo = (s: Element) => s.name === "message" && s.attrs.to === from && s.attrs.id === id && (s.attrs.type === "groupchat" || (orError && s.attrs.type === "error"));
    return this.#settle(h, from.slice(0, from.indexOf("/")), () => h.sent.some(echo));
  }

  /**
   * Waits until `done()` holds, the user's rooms have nothing waiting or running, and three turns
   * of the event loop sent nothing more; false after {@link BUDGET_MS}.
   */
  async #settle(h: Harness, user: string, done: () => boolean): Promise<boolean> {
    const deadline = Date.now() + BUDGET_MS;
    let calm = 0;
    let seen = h.sent.length;
    while (Date.now() < deadline) {
      await tick();
      const busy = !done() || h.registry.roomsOf(user).some((r) => !settled(r.snapshot));
      if (busy || h.sent.length !== seen) {
        calm = 0;
        seen = h.sent.length;
      } else if (++calm >= 3) return true;
    }
    return false;
  }
}

/** True when a room has no join, read or request waiting or running. */
function settled(snapshot: ReturnType<Harness["registry"]["roomsOf"]>[number]["snapshot"]): boolean {
  if (snapshot.status !== "active") return true;
  const c = snapshot.context;
  return c.joins.length + c.reads.length + c.mailbox.length + c.streaming.length === 0 && !c.current && !snapshot.hasTag("backfilling");
}
