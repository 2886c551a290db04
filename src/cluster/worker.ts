/**
 * One gateway process of the cluster, forked by the supervisor (`supervisor.ts`): the demo gateway
 * on a fixture, configured by the `MUCSTATE_WORKER` environment variable ({@link WorkerConfig}).
 *
 * It builds its gateway, reports `ready`, and connects only when told (`connect`): a spare stays
 * unconnected, since a connection beyond ejabberd's `component_number` gets no slot and never
 * inherits one. Once online it probes for a slot (see {@link probeSlot}) and reports `slot`; with no
 * slot it reconnects (a new handshake takes the first free slot), up to 5 times, then exits.
 * It sends a heartbeat every second; a frozen event loop stops them and the supervisor kills it.
 *
 * With `postgres` in its configuration, it serves only the users whose lease it holds
 * (`createOwnership`): a user's first stanza takes the lease (at once when the process before it
 * died: its database session is gone), and its gateway's store is that database, shared by every
 * worker (`workerStore.ts`): a user's rooms come back with their archive on the process that takes
 * the lease. A worker that takes a dead one's slot adopts its users as soon as it holds the slot
 * (`Leases.adopt`, the owners named in `connect`), so their legacy sessions go on before their
 * clients send anything. Without `postgres`, no leases and its own SQLite file.
 */
import type { Element } from "@xmpp/component";
import { xml } from "@xmpp/component";
import { join } from "node:path";
import { createGateway, type Gateway } from "../createGateway.js";
import { createCallLog } from "../demo/callLog.js";
import { loadFixture } from "../demo/fixture.js";
import { createFixtureNetwork } from "../demo/fixtureNetwork.js";
import { createOwnership } from "./gatewayOwnership.js";
import { createLeases, type Leases } from "./leases.js";
import { openWorkerStore } from "./workerStore.js";
import { type SupervisorMessage, type WorkerConfig, type WorkerMessage, workerName } from "./workerMessages.js";

const PROBE_WAIT_MS = 500;
const MAX_ATTEMPTS = 5;

const report = (message: WorkerMessage) => process.send?.(message);
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * Sends `count` messages from JIDs of the gateway's own domain to the domain itself and counts
 * those that come back to this connection. ejabberd balances them by their sender like any other
 * stanza (`bare_source`), so a slot holder gets some back and a connection without a slot none
 * (docs/scale-out.md, fact 6). The gateway's router ignores stanzas from its own domain.
 */
export async function probeSlot(gateway: Gateway, tag: string, count: number): Promise<number> {
  const { entity } = gateway.connection;
  let back = 0;
  const prefix = `${tag}-`;
  const listen = (stanza: Element) => {
    if (stanza.name === "message" && stanza.attrs.from?.startsWith(prefix)) back++;
  };
  entity.on("stanza", listen);
  for (let k = 0; k < count; k++) {
    await entity.send(xml("message", { from: `${prefix}${k}@${gateway.domain}`, to: gateway.domain, type: "normal" }));
  }
  await sleep(PROBE_WAIT_MS);
  entity.off("stanza", listen);
  return back;
}

/** Connects, probes, and reconnects while the probe finds no slot; false after the last attempt. */
async function connectToSlot(gateway: Gateway, config: WorkerConfig): Promise<boolean> {
  const { entity } = gateway.connection;
  // @xmpp/reconnect has start() (its typings omit it): listen for disconnects again after a stop.
  const reconnect = entity.reconnect as unknown as { start(): void; stop(): void };
  const probes = config.probes ?? 32;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    if (attempt === 1) await gateway.start();
    else {
      reconnect.stop();
      await entity.stop().catch(() => {});
      reconnect.start();
      await entity.start();
    }
    report({ type: "online" });
    const probesBack = await probeSlot(gateway, `probe-w${config.id}-a${attempt}`, probes);
    report({ type: "slot", held: probesBack > 0, probesBack, probes, attempt });
    if (probesBack > 0) return true;
    await sleep(200 * attempt);
  }
  return false;
}

/** Reports the first stanza from outside the gateway's domain: a user's traffic reaches this process. */
function watchFirstStanza(gateway: Gateway): void {
  const { entity } = gateway.connection;
  const listen = (stanza: Element) => {
    const from = stanza.attrs.from ?? "";
    if (from.split("/")[0]!.split("@").pop() === gateway.domain) return;
    entity.off("stanza", listen);
    report({ type: "first-stanza", from });
  };
  entity.on("stanza", listen);
}

async function main(): Promise<void> {
  const raw = process.env.MUCSTATE_WORKER;
  if (!raw || !process.send) throw new Error("cluster worker: run by the supervisor (fork with MUCSTATE_WORKER set)");
  const config = JSON.parse(raw) as WorkerConfig;
  const fixture = await loadFixture(config.fixture);
  if (config.users) fixture.users = config.users;
  const owner = `worker${config.id}-${process.pid}-${Date.now()}`;
  const leases = config.postgres ? await createLeases({ connectionString: config.postgres, owner, ttlMs: config.leaseTtlMs }) : undefined;
  leases?.on("lost", (user) => report({ type: "lease-lost", user }));
  leases?.on("error", (error) => report({ type: "error", message: `leases: ${error instanceof Error ? error.message : error}` }));
  const store = await openWorkerStore(config, leases);
  const callLog = createCallLog(config.callLogDir && join(config.callLogDir, `calls-worker-${config.id}.jsonl`));
  const gateway = createGateway({
    domain: config.domain,
    secret: config.secret,
    service: config.service,
    store: store.store,
    run: config.run,
    ...(leases && { ownership: createOwnership({ leases }) }),
    name: workerName(config.id),
    plugin: createFixtureNetwork(fixture, callLog),
    uploadService: false,
    onError: (error) => report({ type: "error", message: error instanceof Error ? error.message : String(error) }),
  });
  const heartbeat = setInterval(() => report({ type: "heartbeat" }), config.heartbeatMs ?? 1_000);
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    clearInterval(heartbeat);
    await gateway.stop().catch(() => {});
    await store.close().catch(() => {});
    await callLog.close().catch(() => {});
    await leases?.close().catch(() => {}); // gives the leases back: other processes take the users at once
    process.exit(code);
  };
  process.on("message", (message: SupervisorMessage) => {
    if (message.type === "stop") void stop(0);
    if (message.type !== "connect") return;
    watchFirstStanza(gateway);
    void connectToSlot(gateway, config).then(
      async (held) => {
        if (!held) return stop(3);
        // The slot's users reach this process from now on: those the dead holder served get their sessions here now.
        if (leases && message.adopt) await adoptUsers(leases, message.adopt);
      },
      (error) => {
        report({ type: "error", message: `connect: ${error instanceof Error ? error.message : error}` });
        void stop(1);
      },
    );
  });
  process.on("disconnect", () => void stop(0)); // the supervisor is gone
  process.on("SIGTERM", () => void stop(0));
  process.on("SIGINT", () => {}); // Ctrl-C reaches the whole group: the supervisor decides
  report({ type: "ready", ...(leases && { owner }) });
}

/** Takes the leases of the dead workers' users (`Leases.adopt`); the gateway starts their sessions. */
async function adoptUsers(leases: Leases, from: string[]): Promise<void> {
  let users = 0;
  for (const owner of from) {
    try {
      users += (await leases.adopt(owner)).size;
    } catch (error) {
      report({ type: "error", message: `adopt ${owner}: ${error instanceof Error ? error.message : error}` });
    }
  }
  report({ type: "adopted", users, from });
}

main().catch((error) => {
  process.stderr.write(`cluster worker: ${error instanceof Error ? error.message : error}\n`);
  process.exit(1);
});
