/**
 * The supervisor's failover, end to end: a real ejabberd (`bare_source`, `component_number: 2`),
 * 2 active gateway processes and a warm spare forked by the supervisor, and 10 real users
 * (@xmpp/client) in the demo fixture's room, each sending a message every 100 ms. One process is
 * SIGKILLed, later another is frozen with SIGSTOP; the test counts from the client side what came
 * back for each message. Each process keeps its own SQLite archive (the gateway does not use the
 * PostgreSQL store yet), so the users of a taken-over slot rejoin their room on the new process.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Supervisor, startSupervisor } from "../../src/cluster/supervisor.js";
import { workerName } from "../../src/cluster/workerMessages.js";
import { type EjabberdHandle, startEjabberd } from "../../src/testbed/ejabberd.js";
import { sleep } from "../../src/testbed/processes.js";
import { type RoomUser, roomUser, tally, until } from "../helpers/clusterTraffic.js";
import { connectUser } from "../helpers/xmppClient.js";

const DOMAIN = "cluster.localhost";
const ROOM = `lobby@${DOMAIN}`;
const NAMES = Array.from({ length: 10 }, (_, i) => `u${i}`);
const TIMEOUT_MS = 3_000;
const FIXTURE = fileURLToPath(new URL("../../fixtures/demo.json", import.meta.url));

let bed: EjabberdHandle;
let supervisor: Supervisor;
let storeDir: string;
const users: RoomUser[] = [];

/** The users each worker serves now, by the disco#info name their gateway answers with. */
async function whoServes(): Promise<Map<string, RoomUser[]>> {
  const byWorker = new Map<string, RoomUser[]>();
  for (const ru of users) {
    const name = await ru.worker();
    byWorker.set(name, [...(byWorker.get(name) ?? []), ru]);
  }
  return byWorker;
}

const activePid = (id: number) => supervisor.workers().find((w) => w.id === id && w.role === "active")?.pid;
const spareReady = () => {
  const spare = supervisor.workers().find((w) => w.role === "spare");
  return spare !== undefined && supervisor.events.some((e) => e.kind === "ready" && e.worker === spare.id);
};
const print = (label: string, rows: [string, ReturnType<typeof tally>][]) => {
  console.info(label);
  for (const [name, t] of rows) console.info(`  ${name}: ${JSON.stringify(t)}`);
};

beforeAll(async () => {
  bed = await startEjabberd({ components: [DOMAIN], balancing: { [DOMAIN]: { type: "bare_source", componentNumber: 2 } } });
  storeDir = await mkdtemp(join(tmpdir(), "mucstate-cluster-"));
  supervisor = startSupervisor({
    active: 2,
    heartbeatTimeoutMs: TIMEOUT_MS,
    storeDir,
    worker: { domain: DOMAIN, service: bed.services[DOMAIN]!, secret: bed.secret, fixture: FIXTURE, users: NAMES.map((n) => `${n}@localhost`) },
    log: (line) => console.info(`supervisor ${line}`),
  });
  await Promise.all(
    NAMES.map(async (name) => {
      await bed.registerUser(name, "pw");
      users.push(roomUser(name, await connectUser(bed.c2sPort, name, "pw", "r"), ROOM, DOMAIN));
    }),
  );
  await supervisor.slotsHeld(2, 30_000);
  for (const ru of users) await ru.join();
}, 50_000);

afterAll(async () => {
  for (const ru of users) {
    ru.stop();
    await ru.user.stop();
  }
  await supervisor?.stop();
  await bed?.stop();
  await rm(storeDir, { recursive: true, force: true });
});

describe("cluster supervisor: 2 gateway processes and a warm spare behind ejabberd (bare_source)", () => {
  it("a SIGKILLed process's users are answered again by the spare within 10 s; the other process's users see no gap", async () => {
    const before = await whoServes();
    console.info(`users per worker: ${[...before].map(([w, list]) => `${w}: ${list.map((u) => u.name).join(" ")}`).join("; ")}`);
    expect(before.size).toBe(2); // the users are spread over both processes
    const [victimId, spareId] = [1, 3];
    const victims = before.get(workerName(victimId))!;
    const others = before.get(workerName(2))!;
    expect(victims.length).toBeGreaterThan(0);
    expect(supervisor.workers().find((w) => w.id === spareId)?.role).toBe("spare");

    for (const ru of users) ru.run(100);
    await sleep(1_500);
    const killedAt = performance.now();
    process.kill(activePid(victimId)!, "SIGKILL");
    const back = await until(() => victims.every((ru) => tally(ru, killedAt).firstEchoMs < 60_000), 10_000);
    await sleep(1_000);
    for (const ru of users) ru.stop();
    await sleep(1_500); // answers in flight
    print(`after SIGKILL of worker ${victimId}: killed slot's users`, victims.map((ru) => [ru.name, tally(ru, killedAt)]));
    print("other slot's users", others.map((ru) => [ru.name, tally(ru, killedAt)]));

    expect(back).toBe(true);
    for (const ru of victims) expect(tally(ru, killedAt).firstEchoMs).toBeLessThan(10_000);
    for (const ru of others) {
      const t = tally(ru, killedAt);
      expect([t.lost, t.refused, t.duplicated]).toEqual([0, 0, 0]);
      // They kept being served, in their order (the silence is printed above; a loaded machine stretches it).
      expect(t.inOrder).toBe(true);
    }
    const after = await whoServes();
    expect(after.get(workerName(spareId))?.map((u) => u.name).sort()).toEqual(victims.map((u) => u.name).sort());
    expect(after.get(workerName(2))?.map((u) => u.name).sort()).toEqual(others.map((u) => u.name).sort());
    // a new spare was forked in place of the one that took over
    expect(await until(spareReady, 20_000)).toBe(true);
  }, 45_000);

  it("a hung (SIGSTOPped) process is killed by the watchdog and its users come back within the timeout + 10 s", async () => {
    const before = await whoServes();
    const [hungName, victims] = [...before].find(([name]) => name === workerName(2))!;
    expect(hungName).toBe(workerName(2));
    const sentBefore = new Map(users.map((ru) => [ru, ru.sent.length]));
    for (const ru of users) ru.run(100);
    await sleep(1_000);
    const stoppedAt = performance.now();
    process.kill(activePid(2)!, "SIGSTOP");
    const back = await until(() => victims.every((ru) => tally(ru, stoppedAt).firstEchoMs < 60_000), TIMEOUT_MS + 10_000);
    await sleep(1_000);
    for (const ru of users) ru.stop();
    await sleep(1_500);
    const kill = supervisor.events.find((e) => e.kind === "kill" && e.worker === 2);
    console.info(`watchdog: ${kill?.detail}`);
    const fresh = (ru: RoomUser) => ({ ...ru, sent: ru.sent.slice(sentBefore.get(ru)) });
    print("after SIGSTOP of worker 2: hung slot's users", victims.map((ru) => [ru.name, tally(fresh(ru), stoppedAt)]));
    expect(kill?.detail).toMatch(/^SIGKILL: no heartbeat for \d+ ms \(timeout 3000 ms\)$/);
    expect(back).toBe(true);
    for (const ru of victims) expect(tally(fresh(ru), stoppedAt).firstEchoMs).toBeLessThan(TIMEOUT_MS + 10_000);
    const others = users.filter((ru) => !victims.includes(ru));
    for (const ru of others) expect(tally(fresh(ru), stoppedAt).lost).toBe(0);
  }, 45_000);
});
