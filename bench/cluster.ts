/**
 * cluster: the gateway as 1, 2 and 3 processes behind ejabberd (`bare_source` over N slots; one
 * process: no balancing), with the users' leases in PostgreSQL (`createOwnership`) and every
 * process's store there too, shared (src/cluster/workerStore.ts). 12 users, each with 3 joined
 * resources in the demo fixture's room (a user's room is theirs: rooms are per user). Figures,
 * each over {@link ROUNDS} rounds of {@link ROUND_MS}, counted by the clients:
 *
 * - round trip: every user sends a message and waits for its echo, again and again; messages per
 *   second over all users, and the median time to the echo;
 * - fan-out: every user keeps {@link WINDOW} messages in flight; stanzas delivered per second (a
 *   message counts once all 3 of its user's resources have its echo);
 * - failover (3 processes): the process serving the most users is SIGKILLed while they send every
 *   50 ms; time from the kill to each of its users' first echo (after the rejoin the spare asks
 *   for), and the messages that got no answer.
 *
 * The baseline of every row is the one-process cluster, measured in the same run.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { xml as clientXml } from "@xmpp/client";
import { type Supervisor, startSupervisor } from "../src/cluster/supervisor.js";
import { startEjabberd } from "../src/testbed/ejabberd.js";
import { type PostgresHandle, startPostgres } from "../src/testbed/postgres.js";
import { workerOf } from "./failover.js";
import { median, type Row, row } from "./stats.js";
import { type Client, PASSWORD, type Stanza, connectMany, connectClient, joinRoom, log, sleep, stopClients } from "./xmpp.js";

const DOMAIN = "cluster.localhost";
const ROOM = `lobby@${DOMAIN}`;
const USERS = 12;
const RESOURCES = 3;
const ROUNDS = 3;
const ROUND_MS = 3_000;
const WINDOW = 10;
const FIXTURE = fileURLToPath(new URL("../fixtures/demo.json", import.meta.url));

/** One user: its resources (the first one sends) and the echoes each message got. */
interface User {
  name: string;
  resources: Client[];
  /** Per message id: how many of the user's resources have its echo. */
  echoes: Map<string, number>;
  /** Per message id: when it was sent, answered (echo or error) and first echoed. */
  sent: Map<string, { at: number; answered?: number; echoed?: number }>;
  /** Called on each echo or error of a message (for the closed loops). */
  onAnswer?: (id: string, ok: boolean) => void;
}

interface Figures {
  roundTrip: number[];
  roundTripMs: number[];
  fanOut: number[];
  failover?: { echoMs: number[]; unanswered: number[]; adoptedMs?: number };
}

let seq = 0;
const say = (u: User) => {
  const id = `${u.name}-${seq++}`;
  u.sent.set(id, { at: performance.now() });
  void u.resources[0]!.send(clientXml("message", { to: ROOM, type: "groupchat", id }, clientXml("body", {}, id)));
  return id;
};

/** Watches a user's resources: echoes, errors (the first resource rejoins on one, as clients do). */
function watch(u: User): void {
  let rejoining = false;
  u.resources.forEach((c, k) => {
    c.on("stanza", ((s: Stanza) => {
      const id = s.attrs.id ?? "";
      const record = u.sent.get(id);
      if (!record || !s.is("message")) return;
      const now = performance.now();
      if (s.attrs.type === "groupchat") {
        u.echoes.set(id, (u.echoes.get(id) ?? 0) + 1);
        record.echoed ??= now;
      } else if (k === 0 && !rejoining) {
        rejoining = true;
        void joinRoom(c, ROOM).finally(() => (rejoining = false));
      }
      if (k === 0 && record.answered === undefined) {
        record.answered = now;
        u.onAnswer?.(id, s.attrs.type === "groupchat");
      }
    }) as never);
  });
}

/** Every user sends, waits for the echo, sends again: messages per second and the median round trip. */
async function roundTrip(users: User[]): Promise<[perSecond: number, medianMs: number]> {
  const times: number[] = [];
  const until = performance.now() + ROUND_MS;
  await Promise.all(
    users.map(async (u) => {
      while (performance.now() < until) {
        const id = say(u);
        const ok = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 5_000);
          u.onAnswer = (answered, echoed) => {
            if (answered !== id) return;
            clearTimeout(timer);
            resolve(echoed);
          };
        });
        if (ok) times.push(performance.now() - u.sent.get(id)!.at);
      }
      u.onAnswer = undefined;
    }),
  );
  return [(times.length * 1000) / ROUND_MS, median(times)];
}

/** Every user keeps {@link WINDOW} messages in flight: echoes delivered to every resource per second. */
async function fanOut(users: User[]): Promise<number> {
  const start = performance.now();
  const done = new Set<string>();
  await Promise.all(
    users.map(async (u) => {
      const mine: string[] = [];
      while (performance.now() - start < ROUND_MS) {
        for (const id of mine) if ((u.echoes.get(id) ?? 0) >= RESOURCES) done.add(id);
        const open = mine.filter((id) => !done.has(id));
        if (open.length < WINDOW) mine.push(say(u));
        else await sleep(1);
      }
    }),
  );
  return (done.size * RESOURCES * 1000) / (performance.now() - start);
}

/** SIGKILL of the process serving the most users while every user sends every 50 ms. */
async function failover(users: User[], supervisor: Supervisor): Promise<NonNullable<Figures["failover"]>> {
  const pidOf = (id: number) => supervisor.workers().find((w) => w.id === id)?.pid;
  const served = await Promise.all(users.map((u) => workerOf(u.resources[0]!, DOMAIN)));
  const counts = new Map<number, number>();
  for (const w of served) counts.set(w, (counts.get(w) ?? 0) + 1);
  const victim = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  const victims = users.filter((_, i) => served[i] === victim);
  const timer = setInterval(() => {
    for (const u of users) say(u);
  }, 50);
  await sleep(500);
  const killedAt = performance.now();
  process.kill(pidOf(victim)!, "SIGKILL");
  const echoedAfter = (u: User) => [...u.sent.values()].some((m) => m.at > killedAt && m.echoed !== undefined);
  for (const deadline = killedAt + 20_000; performance.now() < deadline && !victims.every(echoedAfter); ) await sleep(10);
  await sleep(300);
  clearInterval(timer);
  await sleep(1_000);
  // The spare's adoption of the dead process's users (those that sent nothing meanwhile), from the supervisor's log.
  const exit = supervisor.events.findLast((e) => e.kind === "exit" && e.worker === victim);
  const adopted = exit && supervisor.events.find((e) => e.kind === "adopted" && e.at >= exit.at);
  return {
    ...(exit && adopted && { adoptedMs: adopted.at - exit.at }),
    echoMs: victims.map((u) => Math.round(Math.min(...[...u.sent.values()].filter((m) => m.at > killedAt && m.echoed).map((m) => m.echoed!)) - killedAt)),
    unanswered: victims.map((u) => [...u.sent.values()].filter((m) => m.at > killedAt - 1_000 && m.answered === undefined).length),
  };
}

/** Runs a cluster of `processes` and measures it. */
async function measure(processes: number, postgres: PostgresHandle): Promise<Figures> {
  const balancing = processes > 1 ? { [DOMAIN]: { type: "bare_source" as const, componentNumber: processes } } : undefined;
  const bed = await startEjabberd({ components: [DOMAIN], balancing });
  const storeDir = await mkdtemp(join(tmpdir(), "mucstate-bench-cluster-"));
  const names = Array.from({ length: USERS }, (_, i) => `c${processes}u${i}`);
  const worker = { domain: DOMAIN, service: bed.services[DOMAIN]!, secret: bed.secret, fixture: FIXTURE, users: names.map((n) => `${n}@localhost`), postgres: postgres.connectionString };
  const supervisor = startSupervisor({ active: processes, storeDir, worker, log: () => {} });
  const clients: Client[] = [];
  try {
    for (const name of names) await bed.registerUser(name, PASSWORD);
    await supervisor.slotsHeld(processes, 60_000);
    const users = await connectMany(USERS, 4, async (i): Promise<User> => {
      const resources = await Promise.all(Array.from({ length: RESOURCES }, (_, k) => connectClient(bed.c2sPort, names[i]!, `r${k}`)));
      clients.push(...resources);
      for (const c of resources) await c.send(clientXml("presence"));
      for (const c of resources) await joinRoom(c, ROOM);
      const u: User = { name: names[i]!, resources, echoes: new Map(), sent: new Map() };
      watch(u);
      return u;
    });
    const figures: Figures = { roundTrip: [], roundTripMs: [], fanOut: [] };
    await roundTrip(users); // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      const [perSecond, ms] = await roundTrip(users);
      figures.roundTrip.push(Math.round(perSecond));
      figures.roundTripMs.push(Number(ms.toFixed(1)));
      figures.fanOut.push(Math.round(await fanOut(users)));
      await sleep(300);
      log(`cluster ${processes}: round ${r + 1}: ${perSecond.toFixed(0)} msg/s, ${ms.toFixed(1)} ms, fan-out ${figures.fanOut.at(-1)} stanzas/s`);
    }
    if (processes === 3) {
      figures.failover = await failover(users, supervisor);
      log(`cluster ${processes}: failover ${JSON.stringify(figures.failover)}`);
    }
    return figures;
  } finally {
    await stopClients(clients);
    await supervisor.stop();
    await bed.stop();
    await rm(storeDir, { recursive: true, force: true });
  }
}

/** The cluster rows: 2 and 3 processes against 1, and the failover of one of 3. */
export async function clusterBench(): Promise<Row[]> {
  const postgres = await startPostgres();
  try {
    const one = await measure(1, postgres);
    const two = await measure(2, postgres);
    const three = await measure(3, postgres);
    const note = `${USERS} users × ${RESOURCES} joined resources; ejabberd bare_source over N slots; leases in PostgreSQL; baseline: 1 process; 2-core machine`;
    const rows: Row[] = [];
    for (const [n, f] of [[2, two], [3, three]] as const) {
      rows.push(row("cluster", `${n} processes: round trip, messages/s (all users)`, f.roundTrip, "msg/s", one.roundTrip, n === 2 ? note : undefined));
      rows.push(row("cluster", `${n} processes: round trip, median per message`, f.roundTripMs, "ms", one.roundTripMs));
      rows.push(row("cluster", `${n} processes: fan-out, stanzas delivered/s`, f.fanOut, "stanzas/s", one.fanOut));
    }
    const failed = three.failover!;
    rows.push(row("cluster", "3 processes: SIGKILL → each victim's first echo (rejoined)", failed.echoMs, "ms", undefined, "one per user of the killed process; warm spare"));
    rows.push(row("cluster", "3 processes: messages unanswered per victim", failed.unanswered, "msgs", undefined, "sent every 50 ms; dropped by ejabberd in the gap"));
    if (failed.adoptedMs !== undefined) {
      rows.push(row("cluster", "3 processes: exit → the dead process's users adopted by the spare", [failed.adoptedMs], "ms", undefined, "slot taken and probed, then Leases.adopt; users who sent nothing get their session then"));
    }
    return rows;
  } finally {
    await postgres.stop();
  }
}
