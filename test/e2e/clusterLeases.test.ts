/**
 * The cluster as `npm run cluster -- --processes 3` runs it: a real ejabberd (`bare_source`,
 * `component_number: 3`), a real PostgreSQL with the users' leases, 3 gateway processes and a warm
 * spare under the supervisor, and 12 real users (@xmpp/client) in the demo fixture's room, each
 * sending a groupchat message every 100 ms. One process is SIGKILLed under traffic; the test
 * counts from the client side what came back for each message, and reads the lease rows.
 *
 * After the failover the new process has never seen its users' joins (joined resources are not
 * restored, docs/scale-out.md "Joined resources after a failover"): a message gets
 * `not-acceptable` and an unavailable self-presence (110, 333), a XEP-0410 self-ping gets
 * `not-acceptable`, and the client rejoins. The workers share the PostgreSQL store: each user's
 * MAM archive, read after the failover, holds every echoed message exactly once.
 *
 * One user of the killed process sends nothing at all: the spare adopts it with the dead
 * process's other leases (`Leases.adopt`) and starts its legacy session at once, which the user
 * sees as the fixture session's login (an XEP-0249 invitation to the lobby: ejabberd 23.01 grants
 * no XEP-0402 publish). The spare's call log shows it ran none of the room callbacks that ran in
 * this cluster run.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Supervisor, startSupervisor } from "../../src/cluster/supervisor.js";
import { readCallLog } from "../../src/demo/callLog.js";
import { NS_CONFERENCE } from "../../src/protocol/xep0249.js";
import { type EjabberdHandle, startEjabberd } from "../../src/testbed/ejabberd.js";
import { type PostgresHandle, startPostgres } from "../../src/testbed/postgres.js";
import { sleep } from "../../src/testbed/processes.js";
import { type RoomUser, roomUser, tally, until } from "../helpers/clusterTraffic.js";
import { conditionOf, isQualified } from "../helpers/stanzas.js";
import { archivedBodies, connectUser, xml } from "../helpers/xmppClient.js";

const DOMAIN = "leased.localhost";
const ROOM = `lobby@${DOMAIN}`;
const NAMES = Array.from({ length: 12 }, (_, i) => `p${i}`);
const FIXTURE = fileURLToPath(new URL("../../fixtures/demo.json", import.meta.url));
const MUC_USER = "http://jabber.org/protocol/muc#user";
/** The issue's bound: a dead process's users' rooms answer again within 10 s. */
const BACK_WITHIN_MS = 10_000;

let bed: EjabberdHandle;
let postgres: PostgresHandle;
let db: pg.Client;
let supervisor: Supervisor;
let storeDir: string;
const users: RoomUser[] = [];

/** Lease rows by user: owner's worker number (owners are `worker<N>-<pid>-<time>`), token, and whether it was adopted without a stanza since. */
async function leases(): Promise<Map<string, { worker: number; token: number; adopted: boolean }>> {
  const { rows } = await db.query("SELECT user_jid, owner, token::int AS token, adopted FROM user_leases");
  return new Map(rows.map((r) => [r.user_jid.split("@")[0], { worker: Number(/^worker(\d+)-/.exec(r.owner ?? "")?.[1]), token: r.token, adopted: r.adopted }]));
}

/** An XEP-0249 invitation from the gateway to the lobby, as a client reads it. */
const isInvitation = (s: ReturnType<typeof xml>) =>
  isQualified(s, "{jabber:client}message") && s.attrs.from === DOMAIN && s.getChild("x", NS_CONFERENCE)?.attrs.jid === ROOM;

/** The worker number each user's gateway names in disco#info ("… (worker N)"). */
async function servedBy(): Promise<Map<string, number>> {
  const served = new Map<string, number>();
  for (const ru of users) served.set(ru.name, Number(/\(worker (\d+)\)/.exec(await ru.worker())?.[1]));
  return served;
}

beforeAll(async () => {
  [bed, postgres] = await Promise.all([
    startEjabberd({ components: [DOMAIN], balancing: { [DOMAIN]: { type: "bare_source", componentNumber: 3 } } }),
    startPostgres(),
  ]);
  db = new pg.Client({ connectionString: postgres.connectionString });
  await db.connect();
  storeDir = await mkdtemp(join(tmpdir(), "mucstate-cluster-leases-"));
  const worker = {
    domain: DOMAIN, service: bed.services[DOMAIN]!, secret: bed.secret, fixture: FIXTURE,
    users: NAMES.map((n) => `${n}@localhost`), postgres: postgres.connectionString, callLogDir: storeDir,
  };
  supervisor = startSupervisor({ active: 3, heartbeatTimeoutMs: 5_000, storeDir, worker, log: (line) => console.info(`supervisor ${line}`) });
  await Promise.all(
    NAMES.map(async (name) => {
      await bed.registerUser(name, "pw");
      users.push(roomUser(name, await connectUser(bed.c2sPort, name, "pw", "r"), ROOM, DOMAIN));
    }),
  );
  await supervisor.slotsHeld(3, 40_000);
  for (const ru of users) await ru.join();
}, 60_000);

afterAll(async () => {
  for (const ru of users) {
    ru.stop();
    await ru.user.stop();
  }
  await supervisor?.stop();
  await db?.end();
  await postgres?.stop();
  await bed?.stop();
  await rm(storeDir, { recursive: true, force: true });
});

describe("cluster of 3 gateway processes on PostgreSQL leases behind ejabberd (bare_source)", () => {
  let served: Map<string, number>;
  let killedAt = 0;

  it("each user's lease (token 1) is held by the process ejabberd routes the user to, and the users are spread over all 3", async () => {
    served = await servedBy();
    console.info(`users per worker: ${[1, 2, 3].map((w) => `${w}: ${NAMES.filter((n) => served.get(n) === w).join(" ")}`).join("; ")}`);
    expect(new Set(served.values())).toEqual(new Set([1, 2, 3]));
    const rows = await leases();
    for (const name of NAMES) expect([name, rows.get(name)]).toEqual([name, { worker: served.get(name), token: 1, adopted: false }]);
  });

  it("SIGKILL of one under traffic: its users' rooms answer again within 10 s on the spare (after a rejoin), which holds their leases with token 2; nothing duplicated, the others lose nothing", async () => {
    const counts = [1, 2, 3].map((w) => NAMES.filter((n) => served.get(n) === w).length);
    const victimId = counts.indexOf(Math.max(...counts)) + 1;
    const victims = users.filter((ru) => served.get(ru.name) === victimId);
    const others = users.filter((ru) => served.get(ru.name) !== victimId);
    const spare = supervisor.workers().find((w) => w.role === "spare")!;
    // One victim sends no messages: it only self-pings (XEP-0410), as Conversations does. Another sends nothing at all.
    const [pinger, idle, ...senders] = victims;
    for (const ru of [...senders, ...others]) ru.run(100);
    await sleep(1_500);
    const invitedBefore = idle!.user.received.filter(isInvitation).length;
    killedAt = performance.now();
    process.kill(supervisor.workers().find((w) => w.id === victimId)!.pid!, "SIGKILL");
    const pings = selfPings(pinger!);
    const invited = idle!.user.waitFor(isInvitation, { count: invitedBefore + 1, timeoutMs: BACK_WITHIN_MS }).then(
      () => performance.now() - killedAt,
      () => Number.POSITIVE_INFINITY,
    );
    const back = await until(() => senders.every((ru) => tally(ru, killedAt).firstEchoMs < 60_000), BACK_WITHIN_MS);
    await sleep(1_000);
    for (const ru of users) ru.stop();
    await sleep(1_500); // answers in flight
    const pinged = await pings;
    const idleSessionMs = await invited;
    console.info(`killed worker ${victimId}; spare ${spare.id}; self-ping of ${pinger!.name}: ${JSON.stringify(pinged)}; ${idle!.name}, silent, invited again by the spare's session ${Math.round(idleSessionMs)} ms after the kill`);
    console.info(supervisor.events.filter((e) => e.worker === spare.id).map((e) => `${e.kind} ${e.detail ?? ""}`).join("; "));
    for (const [label, list] of [["killed slot", senders], ["other slots", others]] as const) {
      console.info(`${label}:`);
      for (const ru of list) console.info(`  ${ru.name}: ${JSON.stringify(tally(ru, killedAt))} rejoins ${ru.rejoins.filter((t) => t > killedAt).length}`);
    }

    expect(back).toBe(true);
    for (const ru of senders) {
      const t = tally(ru, killedAt);
      expect([ru.name, t.firstEchoMs < BACK_WITHIN_MS, t.duplicated]).toEqual([ru.name, true, 0]);
      // The spare never saw the join: the first refusal says "not in the room", and the user rejoined.
      expect(firstRefusal(ru, killedAt)).toEqual(["not-acceptable", ["110", "333"]]);
    }
    expect(pinged.before).toBe("not-acceptable");
    expect(pinged.afterRejoin).toBe("result");
    for (const ru of others) expect([ru.name, tally(ru, killedAt)]).toMatchObject([ru.name, { lost: 0, refused: 0, duplicated: 0, inOrder: true }]);

    // The silent user's legacy session runs on the spare within the bound, though it sent nothing (no rejoin either).
    expect([idle!.name, idleSessionMs < BACK_WITHIN_MS, idle!.rejoins.length]).toEqual([idle!.name, true, 0]);
    expect(supervisor.events.some((e) => e.worker === spare.id && e.kind === "adopted")).toBe(true);

    const rows = await leases();
    for (const ru of victims) expect([ru.name, rows.get(ru.name)]).toEqual([ru.name, { worker: spare.id, token: 2, adopted: ru === idle }]);
    for (const ru of others) expect([ru.name, rows.get(ru.name)]).toEqual([ru.name, { worker: served.get(ru.name), token: 1, adopted: false }]);
    expect(supervisor.events.filter((e) => e.kind === "lease-lost")).toEqual([]);

    // Every room the spare serves was filled in this run by the dead process: restored, not fetched again.
    const calls = await readCallLog(join(storeDir, `calls-worker-${spare.id}.jsonl`));
    expect(calls.filter((c) => ["updateInfo", "fillParticipants", "backfill"].includes(c.callback))).toEqual([]);
    expect(calls.filter((c) => c.callback === "onText").length).toBeGreaterThan(0); // it did serve the victims
  }, 60_000);

  it(
    "no archived message is lost or duplicated by the failover: every echoed message is in the user's MAM archive once",
    async () => {
      for (const ru of users) {
        const bodies = await archivedBodies(ru.user, ROOM, `count-${ru.name}`);
        const echoed = ru.sent.filter((s) => s.echoes.length > 0).map((s) => s.id);
        const archived = bodies.filter((b): b is string => b?.startsWith(`${ru.name}-m`) ?? false);
        // Archived but never echoed: sent (ms after the kill; negative: before) to a process that died between the commit and the fan-out.
        const silent = ru.sent.filter((s) => archived.includes(s.id) && s.echoes.length === 0).map((s) => `${Math.round(s.at - killedAt)}${s.error ? ` ${s.error.condition}` : ""}`);
        console.info(`${ru.name}: sent ${ru.sent.length}, echoed ${echoed.length}, archived ${archived.length} (${new Set(archived).size} distinct; not echoed: [${silent.join(", ")}])`);
        expect([ru.name, echoed.filter((id) => !archived.includes(id))]).toEqual([ru.name, []]);
        expect([ru.name, archived.length]).toEqual([ru.name, new Set(archived).size]);
      }
    },
  );
});

/** A self-presence of the room (status 110), as a client reads it. */
const isSelf = (s: ReturnType<typeof xml>) =>
  isQualified(s, "{jabber:client}presence") && (s.attrs.from?.startsWith(`${ROOM}/`) ?? false) &&
  (s.getChild("x", MUC_USER)?.getChildren("status", MUC_USER) ?? []).some((st) => st.attrs.code === "110");

/** The condition of the first error a user's message got after `since`, and the status codes of the unavailable self-presence that followed it. */
function firstRefusal(ru: RoomUser, since: number): [string | undefined, string[]] {
  const refused = ru.sent.find((s) => s.at >= since && s.error);
  const index = ru.user.received.findIndex((s) => s.attrs.id === refused?.id && s.attrs.type === "error");
  const gone = ru.user.received.slice(index).find((s) => isSelf(s) && s.attrs.type === "unavailable");
  const codes = (gone?.getChild("x", MUC_USER)?.getChildren("status", MUC_USER) ?? []).map((st) => st.attrs.code as string).sort();
  return [refused?.error?.condition, codes];
}

/**
 * XEP-0410 self-pings of `ru` to its own occupant JID every 200 ms from now until one is answered
 * with an error (`before`: the process that took the slot does not know the resource), then a
 * rejoin and one more ping (`afterRejoin`).
 */
async function selfPings(ru: RoomUser): Promise<{ before?: string; afterRejoin?: string }> {
  const ping = async (id: string, timeoutMs = 400) => {
    await ru.user.send(xml("iq", { to: `${ROOM}/${ru.name}`, type: "get", id }, xml("ping", { xmlns: "urn:xmpp:ping" })));
    const [answer] = await ru.user.waitFor((s) => s.attrs.id === id && isQualified(s, "{jabber:client}iq"), { timeoutMs }).catch(() => [undefined]);
    return answer && (answer.attrs.type === "result" ? "result" : conditionOf(answer));
  };
  let before: string | undefined;
  for (let k = 0; k < 60 && (before === undefined || before === "result"); k++) before = await ping(`self-ping-${k}`);
  const joined = (s: ReturnType<typeof xml>) => isSelf(s) && s.attrs.type !== "unavailable";
  const count = ru.user.received.filter(joined).length + 1;
  await ru.user.send(xml("presence", { to: `${ROOM}/${ru.name}` }, xml("x", { xmlns: "http://jabber.org/protocol/muc" }, xml("history", { maxstanzas: "0" }))));
  await ru.user.waitFor(joined, { count });
  // Every ping is answered; a loaded machine may take longer than the polling pings' 400 ms.
  return { before, afterRejoin: await ping("self-ping-rejoined", 10_000) };
}
