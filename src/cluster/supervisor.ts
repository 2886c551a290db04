/**
 * The cluster supervisor: N active gateway processes and one warm spare (`child_process.fork` of
 * `worker.ts`, IPC), run by the rules of {@link SupervisorPolicy}. It logs every event with its
 * time, and for a failover the times from the exit: spare told to connect, online, slot held,
 * first stanza from a user.
 */
import { type ChildProcess, fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type PolicyOptions, type SupervisorAction, SupervisorPolicy, type WorkerRole } from "./supervisorPolicy.js";
import type { WorkerConfig, WorkerMessage } from "./workerMessages.js";

/** Options of {@link startSupervisor}. */
export interface SupervisorOptions extends PolicyOptions {
  /** Everything of a worker's configuration but its number and store. */
  worker: Omit<WorkerConfig, "id" | "store">;
  /** Folder of the workers' SQLite files (`worker-<id>.sqlite`). */
  storeDir: string;
  /** The worker's module; default `worker.js` next to this file (from dist/ when run from sources). */
  workerModule?: string;
  /** How often the watchdog looks at the heartbeats. @defaultValue 250 */
  tickMs?: number;
  /** Where log lines go. @defaultValue console.log */
  log?: (line: string) => void;
}

/** One event of the cluster, as logged, for tests and tools. */
export interface ClusterEvent {
  /** `Date.now()` when the supervisor saw it. */
  at: number;
  worker: number;
  kind: "forked" | "ready" | "connect" | "online" | "slot" | "adopted" | "first-stanza" | "lease-lost" | "kill" | "exit" | "error" | "give-up";
  detail?: string;
  /** For `slot`: whether the probe found one. */
  held?: boolean;
}

/** A running supervisor. */
export interface Supervisor {
  /** Every event so far, in order. */
  readonly events: readonly ClusterEvent[];
  /** The live workers: id, role and pid. */
  workers(): { id: number; role: WorkerRole; pid: number | undefined; connected: boolean }[];
  /** Resolves once `count` workers reported a slot held (counting from the start). */
  slotsHeld(count: number, timeoutMs?: number): Promise<void>;
  /** Resolves with the reason once the crash-loop guard gave up. */
  readonly gaveUp: Promise<string>;
  /** Stops every worker (SIGTERM, SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/** worker.js next to this module; when this runs from src/ (tests, tsx), the built one in dist/. */
function defaultWorkerModule(): string {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith(".ts")) return join(dirname(here), "worker.js");
  const built = join(dirname(here), "../../dist/cluster/worker.js");
  if (!existsSync(built)) throw new Error(`${built} is missing: build first (npx tsc -p tsconfig.build.json)`);
  return built;
}

/** The events of a worker that took over a slot that are timed from the exit it replaces. */
const TIMED = new Set<ClusterEvent["kind"]>(["connect", "online", "slot", "adopted", "first-stanza"]);

/** Most dead workers' owners one worker is told to adopt (a chain of replacements that died before adopting). */
const MAX_ADOPT = 8;

const stamp = (at: number) => new Date(at).toISOString().slice(11, 23);

/** Forks the workers and supervises them until {@link Supervisor.stop}. */
export function startSupervisor(options: SupervisorOptions): Supervisor {
  const policy = new SupervisorPolicy(options);
  const module = options.workerModule ?? defaultWorkerModule();
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const children = new Map<number, ChildProcess>();
  const events: ClusterEvent[] = [];
  /** Per failover (by the id of the worker that took over): when the worker it replaces exited. */
  const exitedAt = new Map<number, number>();
  const waiters = new Set<() => void>();
  /** Each worker's lease owner, from its `ready`; kept after its exit, for the worker that replaces it. */
  const owners = new Map<number, string>();
  /** The owners a worker was told to adopt and has not reported adopting yet: its replacement inherits them. */
  const toAdopt = new Map<number, string[]>();
  let stopped = false;
  let giveUp: (reason: string) => void = () => {};
  const gaveUp = new Promise<string>((resolve) => (giveUp = resolve));

  const record = (event: Omit<ClusterEvent, "at">) => {
    const at = Date.now();
    events.push({ at, ...event });
    const since = TIMED.has(event.kind) ? exitedAt.get(event.worker) : undefined;
    const gap = since === undefined ? "" : ` (+${at - since} ms after the exit it replaces)`;
    log(`${stamp(at)} worker ${event.worker}: ${event.kind}${event.detail ? ` ${event.detail}` : ""}${gap}`);
    for (const wake of waiters) wake();
  };

  const carryOut = (actions: SupervisorAction[]) => {
    for (const action of actions) {
      if (action.kind === "fork") forkWorker(action.id, action.role);
      else if (action.kind === "connect") {
        const exit = action.replaces === undefined ? undefined : events.findLast((e) => e.kind === "exit" && e.worker === action.replaces);
        if (exit) exitedAt.set(action.id, exit.at);
        record({ worker: action.id, kind: "connect", detail: action.replaces === undefined ? "" : `(takes the slot of worker ${action.replaces})` });
        const dead = action.replaces === undefined ? [] : [owners.get(action.replaces), ...(toAdopt.get(action.replaces) ?? [])];
        const adopt = dead.filter((owner): owner is string => owner !== undefined).slice(0, MAX_ADOPT);
        if (adopt.length > 0) toAdopt.set(action.id, adopt);
        children.get(action.id)?.send({ type: "connect", ...(adopt.length > 0 && { adopt }) });
      } else if (action.kind === "kill") {
        record({ worker: action.id, kind: "kill", detail: `SIGKILL: ${action.reason}` });
        children.get(action.id)?.kill("SIGKILL");
      } else {
        record({ worker: 0, kind: "give-up", detail: action.reason });
        giveUp(action.reason);
        void stop();
      }
    }
  };

  const onMessage = (id: number, message: WorkerMessage) => {
    const now = Date.now();
    if (message.type === "heartbeat") return carryOut(policy.heartbeat(id, now));
    if (message.type === "ready") {
      if (message.owner) owners.set(id, message.owner);
      record({ worker: id, kind: "ready" });
      return carryOut(policy.ready(id, now));
    }
    carryOut(policy.heartbeat(id, now));
    if (message.type === "online") record({ worker: id, kind: "online" });
    else if (message.type === "slot") {
      const detail = `${message.held ? "held" : "none"} (${message.probesBack}/${message.probes} probes back, attempt ${message.attempt})`;
      record({ worker: id, kind: "slot", held: message.held, detail });
    } else if (message.type === "adopted") {
      toAdopt.delete(id);
      record({ worker: id, kind: "adopted", detail: `${message.users} user(s) of ${message.from.length} dead worker(s)` });
    } else if (message.type === "first-stanza") record({ worker: id, kind: "first-stanza", detail: `from ${message.from}` });
    else if (message.type === "lease-lost") record({ worker: id, kind: "lease-lost", detail: message.user });
    else if (message.type === "error") record({ worker: id, kind: "error", detail: message.message });
  };

  // One run per cluster start: a worker that takes over a dead one's users skips the callbacks that ran.
  const run = options.worker.run ?? randomUUID();
  const forkWorker = (id: number, role: WorkerRole) => {
    const config: WorkerConfig = { ...options.worker, run, id, store: join(options.storeDir, `worker-${id}.sqlite`) };
    const child = fork(module, [], { env: { ...process.env, MUCSTATE_WORKER: JSON.stringify(config) }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    children.set(id, child);
    record({ worker: id, kind: "forked", detail: `as ${role}, pid ${child.pid}` });
    child.on("message", (message: WorkerMessage) => onMessage(id, message));
    child.once("exit", (code, signal) => {
      children.delete(id);
      record({ worker: id, kind: "exit", detail: signal ? `by ${signal}` : `with code ${code}` });
      if (!stopped) carryOut(policy.exited(id, Date.now()));
    });
  };

  const watchdog = setInterval(() => carryOut(policy.tick(Date.now())), options.tickMs ?? 250);
  carryOut(policy.start(Date.now()));

  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    clearInterval(watchdog);
    await Promise.all(
      [...children.values()].map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  return {
    events,
    gaveUp,
    stop,
    workers: () =>
      policy.workers.filter((w) => children.has(w.id)).map((w) => ({ id: w.id, role: w.role, pid: children.get(w.id)?.pid, connected: w.connected })),
    slotsHeld(count, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (events.filter((e) => e.kind === "slot" && e.held).length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${count} slot(s) not held after ${timeoutMs} ms:\n${events.map((e) => `${stamp(e.at)} ${e.worker} ${e.kind} ${e.detail ?? ""}`).join("\n")}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}
