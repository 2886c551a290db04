/**
 * The soak's load: groupchat messages at a steady rate (from legacy participants, to any of a
 * user's rooms, joined or not, so idle rooms are woken; and from clients, to rooms they have
 * joined), and resources leaving one room and joining another.
 */
import type { ToGateway } from "./gateway.js";
import type { SoakSettings } from "./figures.js";
import type { Ledger } from "./ledger.js";
import type { Roster, SoakResource } from "./resources.js";

const TICK_MS = 100;
/** Most leave+join moves running at once. */
const MAX_MOVES = 20;

/** What {@link startTraffic} needs. */
export interface TrafficOptions {
  settings: SoakSettings;
  roster: Roster;
  ledger: Ledger;
  resources: SoakResource[];
  /** Sends an order to the gateway process. */
  order(o: ToGateway): void;
  domain: string;
  pick<T>(list: readonly T[]): T;
  roomsOf(user: string): Array<{ user: string; room: string }>;
}

/** The running load. */
export interface Traffic {
  readonly counts: { legacy: number; client: number; joins: number; leaves: number; failedMoves: number };
  /** Stops sending and waits for the moves under way. */
  stop(): Promise<void>;
}

/** Starts the load; see {@link Traffic.stop}. */
export function startTraffic(o: TrafficOptions): Traffic {
  const s = o.settings;
  const counts = { legacy: 0, client: 0, joins: 0, leaves: 0, failedMoves: 0 };
  const users = [...new Set(o.resources.map((r) => r.user))];
  const moves = new Set<Promise<void>>();
  let seq = 0;
  let credit = 0;
  let moveCredit = 0;
  let stopped = false;

  const legacyMessage = () => {
    const user = o.pick(users);
    const { room } = o.pick(o.roomsOf(user));
    const id = `soak-${++seq}`;
    const { expected, maybe } = o.roster.audience(user, room);
    o.ledger.sent(id, room, expected, maybe);
    o.order({ type: "legacy", id, user, room: room.split("@")[0]!, nick: `p${Math.floor(Math.random() * s.participants)}`, held: Math.random() < 0.5 });
    counts.legacy++;
  };

  const clientMessage = (): boolean => {
    const speaker = o.pick(o.resources);
    const rooms = speaker.joined();
    if (rooms.length === 0) return false;
    const room = o.pick(rooms);
    const id = `soak-${++seq}`;
    const { expected, maybe } = o.roster.audience(speaker.user, room);
    o.ledger.sent(id, room, expected, maybe);
    speaker.say(room, id);
    counts.client++;
    return true;
  };

  const move = async () => {
    const r = o.pick(o.resources);
    const joined = r.joined();
    const free = o.roomsOf(r.user).filter(({ room }) => !r.rooms.has(room));
    try {
      if (joined.length > 0) {
        await r.leave(o.pick(joined));
        counts.leaves++;
      }
      if (free.length > 0) {
        await r.join(o.pick(free).room);
        counts.joins++;
      }
    } catch {
      counts.failedMoves++;
    }
  };

  const timer = setInterval(() => {
    if (stopped) return;
    credit += (s.rate * TICK_MS) / 1000;
    for (; credit >= 1; credit--) {
      if (Math.random() < s.legacyShare || !clientMessage()) legacyMessage();
    }
    moveCredit += (s.churn * TICK_MS) / 1000;
    for (; moveCredit >= 1 && moves.size < MAX_MOVES; moveCredit--) {
      const p = move().finally(() => moves.delete(p));
      moves.add(p);
    }
    if (moves.size >= MAX_MOVES) moveCredit = 0;
  }, TICK_MS);

  return {
    counts,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.allSettled([...moves]);
    },
  };
}
