/**
 * The supervisor's decisions, without processes: which worker to fork, to tell to connect or to
 * kill, given what the workers reported and the time. The process side (`supervisor.ts`) feeds it
 * events and carries out the actions it returns, so every rule here is tested without a fork.
 *
 * The design (docs/scale-out.md, "Supervisor and failover"): N active workers, each holding one of
 * ejabberd's `component_number` slots, and one warm spare, started but not connected (a connection
 * beyond N would get no slot and never inherit one). When an active worker exits, the spare
 * connects at once and takes the freed slot, and a new spare is forked. A worker silent for longer
 * than the heartbeat timeout is killed, which turns a hang (which keeps its slot) into an exit
 * (which frees it).
 */

/** What a worker is for: serving a slot, or waiting to take one. */
export type WorkerRole = "active" | "spare";

/** What the policy knows of one worker. */
export interface WorkerState {
  /** The supervisor's number for it, never reused. */
  id: number;
  role: WorkerRole;
  /** The worker built its gateway and waits for `connect`. */
  ready: boolean;
  /** `connect` was sent to it. */
  connected: boolean;
  /** When it was forked. */
  forkedAt: number;
  /** When it last reported (a heartbeat or any message); its fork time before that. */
  lastSeen: number;
  /** A kill was asked for; it counts as gone once it exits. */
  killed: boolean;
  /** The worker whose exit it replaces, if it was promoted from spare. */
  replaces?: number;
}

/** What the process side must do. */
export type SupervisorAction =
  | { kind: "fork"; id: number; role: WorkerRole }
  | { kind: "connect"; id: number; replaces?: number }
  | { kind: "kill"; id: number; reason: string }
  | { kind: "give-up"; reason: string };

/** Options of {@link SupervisorPolicy}. */
export interface PolicyOptions {
  /** Active workers: ejabberd's `component_number`. */
  active: number;
  /** A ready worker silent this long is killed. @defaultValue 5000 */
  heartbeatTimeoutMs?: number;
  /**
   * A worker not ready this long after its fork is killed. Starting Node and building a gateway
   * takes seconds on a loaded machine, before the first heartbeat. @defaultValue 30000
   */
  startTimeoutMs?: number;
  /** At most this many worker exits within {@link restartWindowMs}; one more gives up. @defaultValue 5 */
  maxRestarts?: number;
  /** @defaultValue 60000 */
  restartWindowMs?: number;
  /**
   * Keep a warm spare. Without one, an exited active worker is replaced by a new process that
   * connects once started: the slot stays empty for a process start (the baseline of the
   * `failover` benchmark). @defaultValue true
   */
  spare?: boolean;
}

/** The supervisor's rules; each method returns the actions to carry out, in order. */
export class SupervisorPolicy {
  readonly #workers = new Map<number, WorkerState>();
  readonly #exits: number[] = [];
  readonly #active: number;
  readonly #timeoutMs: number;
  readonly #startTimeoutMs: number;
  readonly #maxRestarts: number;
  readonly #windowMs: number;
  readonly #spare: boolean;
  #nextId = 1;
  #gaveUp = false;

  constructor(options: PolicyOptions) {
    if (!Number.isInteger(options.active) || options.active < 1) throw new TypeError("active: an integer >= 1");
    this.#active = options.active;
    this.#timeoutMs = options.heartbeatTimeoutMs ?? 5_000;
    this.#startTimeoutMs = options.startTimeoutMs ?? 30_000;
    this.#maxRestarts = options.maxRestarts ?? 5;
    this.#windowMs = options.restartWindowMs ?? 60_000;
    this.#spare = options.spare ?? true;
  }

  /** Every worker alive or being killed. */
  get workers(): readonly WorkerState[] {
    return [...this.#workers.values()];
  }

  /** The first actions: fork the active workers and the spare. */
  start(now: number): SupervisorAction[] {
    const actions: SupervisorAction[] = [];
    for (let i = 0; i < this.#active; i++) actions.push(this.#fork("active", now));
    if (this.#spare) actions.push(this.#fork("spare", now));
    return actions;
  }

  /** The worker built its gateway: an active one connects now, a spare waits. */
  ready(id: number, now: number): SupervisorAction[] {
    const worker = this.#seen(id, now);
    if (!worker) return [];
    worker.ready = true;
    return worker.role === "active" ? this.#connect(worker) : [];
  }

  /** A heartbeat (or any message) from the worker. */
  heartbeat(id: number, now: number): SupervisorAction[] {
    this.#seen(id, now);
    return [];
  }

  /** Kills every ready worker silent for longer than the heartbeat timeout, and every worker not ready within the start timeout. */
  tick(now: number): SupervisorAction[] {
    const actions: SupervisorAction[] = [];
    for (const worker of this.#workers.values()) {
      const silentMs = now - (worker.ready ? worker.lastSeen : worker.forkedAt);
      const limit = worker.ready ? this.#timeoutMs : this.#startTimeoutMs;
      if (worker.killed || silentMs <= limit) continue;
      worker.killed = true;
      const reason = worker.ready
        ? `no heartbeat for ${Math.round(silentMs)} ms (timeout ${limit} ms)`
        : `not ready ${Math.round(silentMs)} ms after its start (start timeout ${limit} ms)`;
      actions.push({ kind: "kill", id: worker.id, reason });
    }
    return actions;
  }

  /**
   * The worker's process ended, whatever the reason. An active worker's slot is free: the spare
   * (promoted now) connects, at once if it is ready, else as soon as it is; a new spare is forked.
   * Too many exits within the window give up instead.
   */
  exited(id: number, now: number): SupervisorAction[] {
    const worker = this.#workers.get(id);
    if (!worker || this.#gaveUp) return [];
    this.#workers.delete(id);
    this.#exits.push(now);
    while (this.#exits.length > 0 && now - this.#exits[0]! > this.#windowMs) this.#exits.shift();
    if (this.#exits.length > this.#maxRestarts) {
      this.#gaveUp = true;
      const reason = `crash loop: ${this.#exits.length} worker exits within ${Math.round(this.#windowMs / 1000)} s (at most ${this.#maxRestarts}); giving up`;
      return [{ kind: "give-up", reason }];
    }
    if (worker.role === "spare") return [this.#fork("spare", now)];
    const spare = [...this.#workers.values()].find((w) => w.role === "spare" && !w.killed);
    if (!spare) {
      const replacement = this.#fork("active", now);
      this.#workers.get(replacement.id)!.replaces = id;
      return this.#spare ? [replacement, this.#fork("spare", now)] : [replacement];
    }
    spare.role = "active";
    spare.replaces = id;
    return [...(spare.ready ? this.#connect(spare) : []), this.#fork("spare", now)];
  }

  #fork(role: WorkerRole, now: number): Extract<SupervisorAction, { kind: "fork" }> {
    const id = this.#nextId++;
    this.#workers.set(id, { id, role, ready: false, connected: false, forkedAt: now, lastSeen: now, killed: false });
    return { kind: "fork", id, role };
  }

  #connect(worker: WorkerState): SupervisorAction[] {
    if (worker.connected || worker.killed) return [];
    worker.connected = true;
    return [{ kind: "connect", id: worker.id, ...(worker.replaces === undefined ? {} : { replaces: worker.replaces }) }];
  }

  #seen(id: number, now: number): WorkerState | undefined {
    const worker = this.#workers.get(id);
    if (worker) worker.lastSeen = now;
    return worker;
  }
}
