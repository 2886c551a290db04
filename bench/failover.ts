/**
 * failover: how long a SIGKILLed gateway process's users go unanswered, with the supervisor's warm
 * spare (which connects the moment the exit is seen) against a plain restart in place (a new
 * process is forked and connects once started: the baseline). Real ejabberd (`bare_source`,
 * `component_number: 2`), 2 demo workers, one user of the killed slot sending a groupchat message
 * every 20 ms, rejoining when the room says it is gone. Measured from the client: kill → first
 * answer (the slot is served again) and kill → first echo (the room is back), and the messages
 * that got no answer at all.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { xml as clientXml } from "@xmpp/client";
import { startSupervisor } from "../src/cluster/supervisor.js";
import { startEjabberd } from "../src/testbed/ejabberd.js";
import { type Row, row } from "./stats.js";
import { type Client, MUC, PASSWORD, type Stanza, connectClient, log, sleep, stopClients } from "./xmpp.js";

const DOMAIN = "failover.localhost";
const ROOM = `lobby@${DOMAIN}`;
const ROUNDS = 5;
const EVERY_MS = 20;
const FIXTURE = fileURLToPath(new URL("../fixtures/demo.json", import.meta.url));
const DISCO_INFO = "http://jabber.org/protocol/disco#info";

interface Round {
  answerMs: number;
  echoMs: number;
  lost: number;
}

/** The worker number that serves `c` now on `domain` (its disco#info name ends in "(worker N)"). */
export async function workerOf(c: Client, domain = DOMAIN): Promise<number> {
  const answer = await c.iqCaller.request(clientXml("iq", { to: domain, type: "get" }, clientXml("query", { xmlns: DISCO_INFO })), 10_000);
  const name = answer.getChild("query", DISCO_INFO)?.getChild("identity")?.attrs.name ?? "";
  return Number(/\(worker (\d+)\)/.exec(name)?.[1] ?? Number.NaN);
}

const joinRoom = (c: Client) => c.send(clientXml("presence", { to: `${ROOM}/alice` }, clientXml("x", { xmlns: MUC }, clientXml("history", { maxstanzas: "0" }))));

/** One kill under traffic: the figures of {@link Round}. */
async function oneRound(c: Client, pid: number): Promise<Round> {
  const sent = new Map<string, { at: number; answered?: number; echoed?: number }>();
  let rejoining = false;
  const listen = (s: Stanza) => {
    const record = sent.get(s.attrs.id ?? "");
    const now = performance.now();
    if (record && s.is("message")) {
      record.answered ??= now;
      if (s.attrs.type === "groupchat") record.echoed ??= now;
      else if (!rejoining) {
        rejoining = true;
        void joinRoom(c);
      }
    } else if (s.is("presence") && s.attrs.from?.startsWith(`${ROOM}/`) && s.attrs.type !== "unavailable") rejoining = false;
  };
  c.on("stanza", listen as never);
  let seq = 0;
  const timer = setInterval(() => {
    const id = `f${seq++}`;
    sent.set(id, { at: performance.now() });
    void c.send(clientXml("message", { to: ROOM, type: "groupchat", id }, clientXml("body", {}, id)));
  }, EVERY_MS);
  await sleep(300);
  const killedAt = performance.now();
  process.kill(pid, "SIGKILL");
  const after = () => [...sent.values()].filter((m) => m.at > killedAt);
  for (const deadline = killedAt + 20_000; performance.now() < deadline && !after().some((m) => m.echoed); ) await sleep(10);
  await sleep(300);
  clearInterval(timer);
  await sleep(500);
  c.removeListener("stanza", listen as never);
  const first = (key: "answered" | "echoed") => Math.min(...after().flatMap((m) => (m[key] === undefined ? [] : [m[key]!]))) - killedAt;
  return { answerMs: first("answered"), echoMs: first("echoed"), lost: [...sent.values()].filter((m) => m.answered === undefined).length };
}

/** {@link ROUNDS} kills of the process serving one user, with or without a warm spare. */
async function measure(spare: boolean): Promise<Round[]> {
  const bed = await startEjabberd({ components: [DOMAIN], balancing: { [DOMAIN]: { type: "bare_source", componentNumber: 2 } } });
  const storeDir = await mkdtemp(join(tmpdir(), "mucstate-bench-failover-"));
  const supervisor = startSupervisor({
    active: 2,
    spare,
    storeDir,
    maxRestarts: ROUNDS + 2,
    worker: { domain: DOMAIN, service: bed.services[DOMAIN]!, secret: bed.secret, fixture: FIXTURE, users: ["bench@localhost"] },
    log: () => {},
  });
  const clients: Client[] = [];
  try {
    await bed.registerUser("bench", PASSWORD);
    const c = await connectClient(bed.c2sPort, "bench", "r");
    clients.push(c);
    await c.send(clientXml("presence"));
    await supervisor.slotsHeld(2, 60_000);
    await joinRoom(c);
    await sleep(500);
    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const id = await workerOf(c);
      const pid = supervisor.workers().find((w) => w.id === id)?.pid;
      if (!pid) throw new Error(`worker ${id} serves the user but is not running`);
      rounds.push(await oneRound(c, pid));
      log(`failover (${spare ? "spare" : "restart"}) round ${i + 1}: ${JSON.stringify(rounds.at(-1))}`);
      await supervisor.slotsHeld(3 + i, 60_000); // the replacement holds its slot
      if (spare) for (const deadline = Date.now() + 30_000; Date.now() < deadline && !spareReady(supervisor); ) await sleep(50);
    }
    return rounds;
  } finally {
    await stopClients(clients);
    await supervisor.stop();
    await bed.stop();
    await rm(storeDir, { recursive: true, force: true });
  }
}

function spareReady(supervisor: ReturnType<typeof startSupervisor>): boolean {
  const spare = supervisor.workers().find((w) => w.role === "spare");
  return spare !== undefined && supervisor.events.some((e) => e.kind === "ready" && e.worker === spare.id);
}

/** The failover rows: the spare's figures against a restart in place. */
export async function failoverBench(): Promise<Row[]> {
  const withSpare = await measure(true);
  const restart = await measure(false);
  const pick = (rounds: Round[], key: keyof Round) => rounds.map((r) => Math.round(r[key]));
  const note = `SIGKILL of the process serving a user sending every ${EVERY_MS} ms; baseline: restart without a spare; ejabberd bare_source, 2 slots`;
  return [
    row("failover", "kill → first answer", pick(withSpare, "answerMs"), "ms", pick(restart, "answerMs"), note),
    row("failover", "kill → first echo (rejoined)", pick(withSpare, "echoMs"), "ms", pick(restart, "echoMs")),
    row("failover", "messages unanswered per kill", pick(withSpare, "lost"), "msgs", pick(restart, "lost")),
  ];
}
