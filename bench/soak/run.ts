/**
 * `npm run soak -- --minutes 10`: 1,000 rooms (by default) through a real Prosody for a while,
 * with steady traffic from clients and legacy participants, resources joining and leaving, and
 * idle rooms passivating and coming back. The gateway runs in its own process
 * (`bench/soak/gateway.ts`), on a store prefilled as a running gateway's would be (see
 * `bench/soak/prefill.ts`); this one holds the clients and the {@link Ledger}. Prints RSS, heap
 * and mailbox depths every sample (a minute by default), then what was lost, duplicated or stray,
 * and the RSS drift after warm-up; the last line is `SOAK_RESULT <json>`. Exits 1 when the verdict
 * fails (see {@link verdict}). Never part of `npm test`.
 */
import { type ChildProcess, fork } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startProsody } from "../../src/testbed/prosody.js";
import { connectClient, connectMany, registerUsers, sleep, stopClients } from "../xmpp.js";
import { type Sample, rssDrift, soakSettings, verdict } from "./figures.js";
import type { FromGateway, GatewayConfig, GatewayStats, ToGateway } from "./gateway.js";
import { Ledger } from "./ledger.js";
import { Roster, SoakResource } from "./resources.js";
import { type Traffic, startTraffic } from "./traffic.js";

const DOMAIN = "soak.localhost";
const SETTLE_MS = 30_000;

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)] as T;
const mib = (v: number) => `${v.toFixed(1)} MiB`;
const pct = (v: number) => `${v >= 0 ? "+" : ""}${(v * 100).toFixed(1)} %`;

/** The gateway child, with a way to ask it for its figures. */
function startGatewayProcess(config: GatewayConfig, ledger: Ledger) {
  const child: ChildProcess = fork(fileURLToPath(new URL("./gateway.ts", import.meta.url)), [], {
    env: { ...process.env, SOAK_GATEWAY: JSON.stringify(config) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const waiting: Array<(m: FromGateway) => void> = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const gone = exited.then(() => Promise.reject(new Error("the soak's gateway process exited")));
  gone.catch(() => {});
  const next = (type: FromGateway["type"]) =>
    Promise.race([new Promise<FromGateway>((resolve) => waiting.push((m) => (m.type === type ? resolve(m) : undefined))), gone]);
  let legacyFailures = 0;
  let firstLegacyFailure: string | undefined;
  child.on("message", (m: FromGateway) => {
    if (m.type === "legacy-failed") {
      legacyFailures++;
      firstLegacyFailure ??= m.error;
      ledger.refused(m.id);
      return;
    }
    for (const w of waiting.splice(0)) w(m);
  });
  return {
    ready: next("ready"),
    order: (o: ToGateway) => child.send(o),
    async stats(): Promise<GatewayStats> {
      const answer = next("stats");
      child.send({ type: "stats" } satisfies ToGateway);
      return (await answer) as GatewayStats;
    },
    async stop(): Promise<void> {
      child.send({ type: "stop" } satisfies ToGateway);
      await Promise.race([exited, sleep(20_000)]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
    get legacyFailures() {
      return { count: legacyFailures, first: firstLegacyFailure };
    },
  };
}

async function main(): Promise<number> {
  const s = soakSettings(process.argv.slice(2));
  const perUser = s.rooms / s.users;
  console.log(
    `soak: ${s.rooms} rooms (${s.users} users × ${perUser}), ${s.users * s.resources} resources, each in ~${s.joined} rooms, ` +
      `${s.rate} msg/s (${Math.round(s.legacyShare * 100)} % legacy), ${s.churn} leave+join/s, ${s.minutes} min, warm-up ${s.warmup} min, ` +
      `idleMs ${s.idleMs}, maxRooms ${s.maxRooms}, prefill ${s.prefill} messages a room`,
  );
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  const ledger = new Ledger();
  const prosody = await startProsody({ components: [DOMAIN] });
  const users = Array.from({ length: s.users }, (_, i) => `soak${i}`);
  const gateway = startGatewayProcess(
    { domain: DOMAIN, service: prosody.service, secret: prosody.secret, storePath: join(prosody.dir, "soak.sqlite"), maxRooms: s.maxRooms, idleMs: s.idleMs, participants: s.participants,
      prefill: { users: users.map((u) => `${u}@localhost`), roomsPerUser: perUser, perRoom: s.prefill } },
    ledger,
  );
  const roster = new Roster();
  let traffic: Traffic | undefined;
  try {
    await registerUsers(prosody, users);
    const ready = (await gateway.ready) as Extract<FromGateway, { type: "ready" }>;
    console.log(`prefill: ${s.rooms} rooms stored with ${ready.prefilled} archived messages in ${ready.prefillS.toFixed(1)} s`);
    const resources = await connectMany(s.users * s.resources, 20, async (i) => {
      const user = users[Math.floor(i / s.resources)]!;
      const client = await connectClient(prosody.c2sPort, user, `res${i % s.resources}`);
      return new SoakResource(`${user}@localhost`, client, ledger);
    });
    for (const r of resources) roster.add(r);
    const roomsOf = (user: string) => Array.from({ length: perUser }, (_, i) => `r${i}@${DOMAIN}`).map((room) => ({ user, room }));
    const t0join = Date.now();
    for (let i = 0; i < resources.length; i += 25) {
      await Promise.all(
        resources.slice(i, i + 25).map(async (r) => {
          const mine = roomsOf(r.user).sort(() => Math.random() - 0.5);
          for (const { room } of mine.slice(0, s.joined)) await r.join(room);
        }),
      );
    }
    console.log(`joined: ${resources.reduce((n, r) => n + r.joined().length, 0)} room joins in ${((Date.now() - t0join) / 1000).toFixed(1)} s`);

    const samples: Sample[] = [];
    const t0 = Date.now();
    const sample = async () => {
      const st = await gateway.stats();
      const minute = (Date.now() - t0) / 60_000;
      samples.push({ minute, rssMiB: st.rssMiB, heapMiB: st.heapMiB });
      const r = ledger.report();
      console.log(
        `[${minute.toFixed(1).padStart(4)} min] rss ${mib(st.rssMiB)} (after an ordinary full GC ${mib(st.fullGcRssMiB)}, old space ${mib(st.fullGcOldSpaceMiB)}), heap ${mib(st.heapMiB)} of ${mib(st.heapTotalMiB)} (new space ${mib(st.newSpaceMiB)}), C heap ${mib(st.mallocMiB)}, other anon ${mib(st.anonMiB)} (V8 ${mib(st.v8PhysicalMiB)}, old space ${mib(st.oldSpaceMiB)}), files ${mib(st.filesMiB)}, rooms running ${st.running}, passivated ${st.passivated}, ` +
          `activations ${st.activations} (${st.activations - st.roomsActivated} re-activations), mailbox max ${st.mailboxMax} / total ${st.mailboxTotal} (peak ${st.mailboxPeak}), outbox ${st.outbox}, ` +
          `sent ${r.sent}, owed copies not yet in ${ledger.outstanding}, errors ${st.errors}, drops ${st.drops}, warnings ${st.warnings}, load ${loadavg()[0]!.toFixed(2)}`,
      );
      return st;
    };
    await sample();
    traffic = startTraffic({ settings: s, roster, ledger, resources, order: gateway.order, domain: DOMAIN, pick, roomsOf });
    const end = t0 + s.minutes * 60_000;
    for (let next = t0 + s.sampleS * 1000; next <= end + 1; next += s.sampleS * 1000) {
      await sleep(Math.max(0, next - Date.now()));
      await sample();
    }
    await traffic.stop();
    const settleStart = Date.now();
    while (ledger.outstanding > 0 && Date.now() - settleStart < SETTLE_MS) await sleep(100);
    await sleep(1000); // late duplicates
    const last = await sample();
    const report = ledger.report();
    const drift = rssDrift(samples, s.warmup);
    const result = verdict(report, drift, s.maxDrift);
    const failures = gateway.legacyFailures;
    console.log(
      `messages: ${report.sent} sent (${traffic.counts.legacy} legacy, ${traffic.counts.client} client), ${report.refused} refused with an error` +
        `${failures.count ? ` (${failures.count} legacy sends failed, first: ${failures.first})` : ""}; ` +
        `${report.owed} copies owed, ${report.delivered} delivered, ${report.lost} lost, ${report.duplicated} duplicated, ${report.stray} stray; ` +
        `${report.maybeDelivered} copies to resources joining or leaving`,
    );
    console.log(`membership: ${traffic.counts.joins} joins, ${traffic.counts.leaves} leaves, ${traffic.counts.failedMoves} failed; ${last.roomsActivated} rooms activated, ${last.activations - last.roomsActivated} re-activations after passivation`);
    if (last.firstError) console.log(`gateway: ${last.errors} errors, ${last.drops} drops, ${last.warnings} warnings; first: ${last.firstError}`);
    if (drift) {
      console.log(
        `after warm-up (${s.warmup} min): rss ${mib(drift.baseline.rssMiB)} → ${mib(drift.last.rssMiB)} (${pct(drift.rssEnd)}; samples ${pct(drift.rssMin)} to ${pct(drift.rssMax)}), ` +
          `heap ${mib(drift.baseline.heapMiB)} → ${mib(drift.last.heapMiB)} (${pct(drift.heapEnd)})`,
      );
    }
    console.log(result.ok ? "soak: PASS" : `soak: FAIL (${result.failures.join(", ")})`);
    console.log(`SOAK_RESULT ${JSON.stringify({ settings: s, report, drift, gateway: last, counts: traffic.counts, ok: result.ok, failures: result.failures })}`);
    return result.ok ? 0 : 1;
  } finally {
    await traffic?.stop();
    await gateway.stop();
    await stopClients(roster.all().map((r) => r.client));
    await prosody.stop({ removeDir: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error("soak:", error);
    process.exit(2);
  },
);
