/**
 * Client-side bookkeeping for the cluster failover test: users in one room, each sending a
 * groupchat message at a steady pace, and what came back for each message (echo, error, nothing).
 * A user whose room says it left (an error, or an unavailable self-presence) rejoins, as real
 * clients do.
 */
import { sleep } from "../../src/testbed/processes.js";
import { type TestUser, xml } from "./xmppClient.js";

const MUC = "http://jabber.org/protocol/muc";
const MUC_USER = "http://jabber.org/protocol/muc#user";
const DISCO_INFO = "http://jabber.org/protocol/disco#info";

/** One message a user sent, and what came back for it. */
export interface Sent {
  id: string;
  at: number;
  /** Arrival times of its echoes (more than one: a duplicate). */
  echoes: number[];
  /** Arrival time and condition of an error answer. */
  error?: { at: number; condition: string };
}

/** A user in the room, sending traffic. */
export interface RoomUser {
  name: string;
  user: TestUser;
  sent: Sent[];
  /** Times the user rejoined after the room said it was gone. */
  rejoins: number[];
  /** The worker (disco#info name of the gateway) that answers this user now. */
  worker(): Promise<string>;
  /** Joins the room and waits for the self-presence (status 110). */
  join(): Promise<void>;
  /** Sends one message every `everyMs` until {@link stop}. */
  run(everyMs: number): void;
  stop(): void;
}

const answered = (s: Sent) => s.echoes.length > 0 || s.error !== undefined;
const answerAt = (s: Sent) => Math.min(...s.echoes, s.error?.at ?? Number.POSITIVE_INFINITY);

/** Wraps a connected user for room `room` (bare JID) of gateway `domain`. */
export function roomUser(name: string, user: TestUser, room: string, domain: string): RoomUser {
  const sent = new Map<string, Sent>();
  const list: Sent[] = [];
  const rejoins: number[] = [];
  let joining = false;
  let timer: NodeJS.Timeout | undefined;
  let seq = 0;
  const joinPresence = () => user.send(xml("presence", { to: `${room}/${name}` }, xml("x", { xmlns: MUC }, xml("history", { maxstanzas: "0" }))));
  const isSelf = (s: ReturnType<typeof xml>) =>
    s.is("presence", "jabber:client") && s.attrs.from?.startsWith(`${room}/`) &&
    (s.getChild("x", MUC_USER)?.getChildren("status", MUC_USER) ?? []).some((st) => st.attrs.code === "110");
  const rejoin = () => {
    if (joining) return;
    joining = true;
    rejoins.push(performance.now());
    void joinPresence();
  };

  // Reads everything as it arrives (the helper's list keeps it too, cleared now and then).
  let read = 0;
  const scan = setInterval(() => {
    for (; read < user.received.length; read++) {
      const s = user.received[read]!;
      const now = performance.now();
      const record = sent.get(s.attrs.id ?? "");
      if (s.is("message", "jabber:client") && record && s.attrs.type === "groupchat") record.echoes.push(now);
      else if (s.is("message", "jabber:client") && record && s.attrs.type === "error") {
        record.error = { at: now, condition: s.getChild("error", "jabber:client")?.children[0]?.toString().match(/<([\w-]+)/)?.[1] ?? "?" };
        rejoin();
      } else if (isSelf(s)) {
        if (s.attrs.type === "unavailable") rejoin();
        else joining = false;
      }
    }
  }, 5);
  scan.unref();

  return {
    name,
    user,
    sent: list,
    rejoins,
    async worker() {
      const id = `who-${name}-${seq++}`;
      await user.send(xml("iq", { to: domain, type: "get", id }, xml("query", { xmlns: DISCO_INFO })));
      const [answer] = await user.waitFor((s) => s.attrs.id === id && s.is("iq", "jabber:client"), { timeoutMs: 10_000 });
      return answer?.getChild("query", DISCO_INFO)?.getChild("identity", DISCO_INFO)?.attrs.name ?? "?";
    },
    async join() {
      joining = true;
      await joinPresence();
      await user.waitFor((s) => isSelf(s) && s.attrs.type !== "unavailable", { timeoutMs: 10_000 });
      joining = false;
    },
    run(everyMs) {
      timer = setInterval(() => {
        const record: Sent = { id: `${name}-m${seq++}`, at: performance.now(), echoes: [] };
        sent.set(record.id, record);
        list.push(record);
        void user.send(xml("message", { to: room, type: "groupchat", id: record.id }, xml("body", {}, record.id)));
      }, everyMs);
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/** What one user saw around an instant (a kill): answers, losses, duplicates, and the silence. */
export interface Tally {
  sent: number;
  echoed: number;
  refused: number;
  lost: number;
  duplicated: number;
  /** From the instant to the first answer (echo or error) to a message sent after it. */
  firstAnswerMs: number;
  /** From the instant to the first echo of a message sent after it (an echo of an earlier one in flight does not count). */
  firstEchoMs: number;
  /** The longest time without an echo, from the instant on (printed, not asserted: a loaded machine stretches it). */
  longestSilenceMs: number;
  /** Whether the echoes came in the order the messages were sent (XEP-0045 keeps a room's order). */
  inOrder: boolean;
}

/** Counts what `ru` saw from `since` on (messages sent before it count too if unanswered). */
export function tally(ru: RoomUser, since: number): Tally {
  const all = ru.sent;
  const after = all.filter((s) => s.at >= since);
  const echoTimes = all.flatMap((s) => s.echoes).filter((t) => t >= since).sort((a, b) => a - b);
  let longest = 0;
  let previous = since;
  for (const t of echoTimes) [longest, previous] = [Math.max(longest, t - previous), t];
  const firstAnswer = Math.min(...after.filter(answered).map(answerAt));
  return {
    sent: all.length,
    echoed: all.filter((s) => s.echoes.length > 0).length,
    refused: all.filter((s) => s.error !== undefined).length,
    lost: all.filter((s) => !answered(s)).length,
    duplicated: all.filter((s) => s.echoes.length > 1).length,
    firstAnswerMs: Math.round(firstAnswer - since),
    firstEchoMs: Math.round(Math.min(...after.flatMap((s) => s.echoes)) - since),
    longestSilenceMs: Math.round(longest),
    inOrder: all
      .filter((s) => s.echoes.length > 0)
      .map((s) => s.echoes[0]!)
      .every((t, i, times) => i === 0 || times[i - 1]! <= t),
  };
}

/** Waits until `done()` or the timeout; returns whether it became true. */
export async function until(done: () => boolean, timeoutMs: number): Promise<boolean> {
  for (const deadline = performance.now() + timeoutMs; performance.now() < deadline; await sleep(20)) if (done()) return true;
  return done();
}
