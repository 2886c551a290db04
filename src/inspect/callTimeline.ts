/**
 * The inspector's record of one room's legacy callbacks: `updateInfo`, `fillParticipants`,
 * `backfill`, and each request with its kind, each with when it was queued, started and ended
 * and how it ended. The page draws it as a timeline (one bar per call), where a person sees that
 * the calls of a room never overlap and which one held the queue. Pure: the model feeds it times.
 */
import type { RequestKind } from "../machines/roomEvents.js";
import type { TimelineBar } from "./inspectorViews.js";

/** Calls kept per room: the newest {@link MAX_CALLS}, the oldest dropped first. */
export const MAX_CALLS = 200;

/** A call that ran longer than this many ms is marked slow on the page. */
export const SLOW_MS = 1000;

/** How a call ended, as the model tells {@link CallTimeline.end} and {@link CallTimeline.settled}. */
export interface CallEnding {
  /** The call succeeded. */
  ok: boolean;
  /** It outlived its timeout (the machine failed it with `remote-server-timeout`). */
  timedOut?: boolean;
  /** The error condition of a failed call. */
  condition?: string;
  /** The room stopped while it ran: nobody will learn how it ended. */
  stopped?: boolean;
}

/** What a settled request's record says: its kind, how long it waited and ran (ms). */
export interface SettledCall {
  /** The request's kind. */
  kind: string;
  /** From queued to started; undefined when it never started (refused). */
  waitedMs?: number;
  /** From started to settled; undefined when it never started. */
  durationMs?: number;
}

/** A bar with, for a setup callback, the key the model names it by. */
type Bar = TimelineBar & { key?: string };

/** One room's calls, oldest first, at most {@link MAX_CALLS}. */
export class CallTimeline {
  readonly #bars: Bar[] = [];
  readonly #max: number;

  constructor(max = MAX_CALLS) {
    this.#max = max;
  }

  /** A request `id` of `kind` entered the mailbox at `at`. */
  queued(id: string, kind: string, at: number): void {
    this.#add({ callback: callbackOf(kind), kind, id, queuedAt: at, outcome: "waiting" });
  }

  /**
   * Request `id` started at `at` (it may have been queued before the inspector followed the
   * room); returns how long it waited in the mailbox, when that is known.
   */
  started(id: string, kind: string, at: number): number | undefined {
    const bar = this.#request(id) ?? this.#add({ callback: callbackOf(kind), kind, id, outcome: "waiting" });
    Object.assign(bar, { startedAt: at, outcome: "running" });
    return bar.queuedAt === undefined ? undefined : at - bar.queuedAt;
  }

  /** Request `id` settled at `at`; returns what its record says, or undefined for a request never seen. */
  settled(id: string, at: number, ending: CallEnding): SettledCall | undefined {
    const bar = this.#request(id);
    if (!bar) return undefined;
    this.#close(bar, at, ending);
    if (bar.startedAt === undefined) {
      bar.outcome = "refused";
      return { kind: bar.kind ?? "" };
    }
    return { kind: bar.kind ?? "", waitedMs: bar.queuedAt === undefined ? undefined : bar.startedAt - bar.queuedAt, durationMs: at - bar.startedAt };
  }

  /** A setup callback (`updateInfo`, `fillParticipants`, `backfill`) started at `at`; `key` names it until {@link end}. */
  begin(key: string, callback: string, at: number): void {
    this.#add({ callback, key, startedAt: at, outcome: "running" });
  }

  /** The setup callback `key` ended at `at`. */
  end(key: string, at: number, ending: CallEnding): void {
    const bar = this.#bars.findLast((b) => b.key === key && b.endedAt === undefined);
    if (bar) this.#close(bar, at, ending);
  }

  /** The room's actor stopped at `at`: calls still open end as `stopped`, and requests still waiting too. */
  stopAll(at: number): void {
    for (const bar of this.#bars) if (bar.endedAt === undefined) this.#close(bar, at, { ok: false, stopped: true });
  }

  /** The calls, oldest first, as the page gets them (JSON-ready copies). */
  bars(): TimelineBar[] {
    return this.#bars.map(({ key: _key, ...bar }) => bar);
  }

  #request(id: string): TimelineBar | undefined {
    return this.#bars.findLast((b) => b.id === id);
  }

  #add(bar: Bar): Bar {
    this.#bars.push(bar);
    if (this.#bars.length > this.#max) this.#bars.splice(0, this.#bars.length - this.#max);
    return bar;
  }

  #close(bar: TimelineBar, at: number, ending: CallEnding): void {
    bar.endedAt = at;
    bar.outcome = ending.stopped ? "stopped" : ending.timedOut ? "timeout" : ending.ok ? "ok" : "failed";
    if (ending.condition !== undefined && !ending.ok) bar.condition = ending.condition;
  }
}

/** The plugin callback that runs a request of each kind. */
const CALLBACKS = {
  message: "onText",
  correct: "onCorrect",
  file: "onFile",
  setSubject: "onSetSubject",
  setConfig: "onSetConfig",
  setAffiliation: "onSetAffiliation",
  setRole: "onSetRole",
  kick: "onKick",
  ban: "onSetAffiliation",
  invite: "onInvitation",
  reaction: "onReact",
  destroy: "onDestroyRequest",
  leave: "onLeaveGroup",
  setAvatar: "onAvatar",
  retract: "onRetract",
  moderate: "onModerate",
  userJoined: "onUserJoined",
  userLeft: "onUserLeft",
} satisfies Record<RequestKind, string>;

/** The plugin callback of a request kind (`onSetSubject` for `setSubject`); the kind itself when unknown. */
export function callbackOf(kind: string): string {
  return (CALLBACKS as Record<string, string | undefined>)[kind] ?? kind;
}
