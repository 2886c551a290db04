/**
 * `mucstate demo`: the demo gateway, whose legacy network is a JSON fixture. Without
 * `--service` it starts its own Prosody on free loopback ports (with a websocket endpoint) in
 * the demo folder, which it keeps between runs, and creates a test account; `--web` also
 * serves Converse.js logged in as that account.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createGateway } from "../createGateway.js";
import { createCallLog } from "../demo/callLog.js";
import { type DemoFolder, takeDemoFolder } from "../demo/demoFolder.js";
import { loadFixture } from "../demo/fixture.js";
import { createFixtureNetwork } from "../demo/fixtureNetwork.js";
import { type WebClient, converseDist, startWebClient } from "../demo/webClient.js";
import { type Inspector, createInspector } from "../inspect/inspector.js";
import { escapeLocalpart } from "../protocol/xep0106.js";
import { removeStaleRuntimeFolders } from "../testbed/processes.js";
import { type ProsodyHandle, startProsody, TESTBED_BASE } from "../testbed/prosody.js";
import { type Flags, flagOrEnv, parseFlags } from "./args.js";

const DEFAULT_FIXTURE = fileURLToPath(new URL("../../fixtures/demo.json", import.meta.url));
const DEMO_PASSWORD = "demo-password";
const FLAGS = [
  ...["service", "domain", "secret", "fixture", "calls", "store", "shutdown-grace-ms", "dir", "fresh", "web"],
  ...["inspect", "inspect-host", "inspect-token", "inspect-detail"],
];
/** Flags only the demo's own Prosody has a use for. */
const OWN_PROSODY_FLAGS = ["dir", "fresh", "web"];

/** Runs the demo until SIGINT or SIGTERM; resolves with the exit code. */
export async function runDemo(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, new Set(["inspect-detail", "fresh", "web"]));
  for (const name of flags.keys()) {
    if (!FLAGS.includes(name)) throw new Error(`unknown flag --${name}`);
  }
  let service = flagOrEnv(flags, "service");
  for (const name of OWN_PROSODY_FLAGS) {
    if (service !== undefined && flags.has(name)) throw new Error(`--${name} is for the demo's own Prosody: leave out --service`);
  }
  if (flags.has("web")) converseDist(); // fail before starting anything
  const fixture = await loadFixture(flagOrEnv(flags, "fixture") ?? DEFAULT_FIXTURE);
  const inspector = await startInspector(flags);
  const callLog = createCallLog(flagOrEnv(flags, "calls"));
  let domain = flagOrEnv(flags, "domain");
  let secret = flagOrEnv(flags, "secret");
  let prosody: ProsodyHandle | undefined;
  let folder: DemoFolder | undefined;
  let web: (WebClient & { jid: string; room: string }) | undefined;

  if (service === undefined) {
    domain ??= "muc.localhost";
    folder = await takeDemoFolder({ dir: flagOrEnv(flags, "dir"), fresh: flags.has("fresh") });
    const stale = await removeStaleRuntimeFolders(TESTBED_BASE);
    if (stale.length > 0) console.log(`removed ${stale.length} stale test-bed folder(s) from ${TESTBED_BASE}`);
    prosody = await startProsody({ components: [domain], secret, privileged: true, websocket: true, upload: true, dir: folder.dir });
    service = prosody.service;
    secret = prosody.secret;
    for (const user of fixture.users) {
      const [local, host] = user.split("@");
      if (host === prosody.domain && local) await prosody.registerUser(local, DEMO_PASSWORD);
    }
  } else if (!domain || !secret) {
    throw new Error("--service needs --domain and --secret (or MUCSTATE_DOMAIN and MUCSTATE_SECRET)");
  }

  const store = flagOrEnv(flags, "store") ?? (prosody ? join(prosody.dir, "mucstate.sqlite") : "mucstate.sqlite");
  const grace = flagOrEnv(flags, "shutdown-grace-ms");
  if (grace !== undefined && !/^\d+$/.test(grace)) throw new Error(`--shutdown-grace-ms: expected milliseconds, got "${grace}"`);
  const shutdownGraceMs = grace === undefined ? undefined : Number(grace);
  const gateway = createGateway({
    domain,
    secret,
    service,
    store,
    plugin: createFixtureNetwork(fixture, callLog),
    shutdownGraceMs,
    onError: (error) => console.error("mucstate:", error instanceof Error ? error.message : error),
    onDrop: (stanza, reason) => console.error(`mucstate: dropped a ${stanza.name} (${reason})`),
    onWarning: (message) => console.error(`mucstate: warning: ${message}`),
  });
  inspector?.watch(gateway.rooms);
  await gateway.start();

  console.log(`mucstate demo gateway online as ${domain} (via ${service}), archive in ${store}`);
  if (prosody && folder) {
    const kept = folder.reused ? "reused: the archive of earlier runs is there" : "new";
    console.log(`demo folder: ${folder.dir} (${kept}; kept between runs, --fresh starts over)`);
    console.log("\nConnect any XMPP client:");
    for (const user of fixture.users) console.log(`  JID:      ${user}\n  password: ${DEMO_PASSWORD}`);
    console.log(`  server:   ${prosody.host}  port: ${prosody.c2sPort}  (plain TCP, no TLS)`);
    console.log(`  websocket: ${prosody.websocketUrl}  (web clients)`);
    console.log(`  file uploads (XEP-0363): ${prosody.uploadDomain}`);
    if (flags.has("web")) web = await startDemoWeb(prosody, fixture.users, fixture.rooms[0]?.id, domain);
  }
  console.log("\nRooms:");
  for (const room of fixture.rooms) console.log(`  ${escapeLocalpart(room.id)}@${domain}  (${room.name})`);
  if (web) console.log(`\nOpen in a browser: ${web.url}  (Converse.js, logged in as ${web.jid}, joins ${web.room})`);
  console.log("\nCtrl-C to stop.");

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  console.log("mucstate: shutting down");
  inspector?.markShutdown();
  await web?.close();
  const tally = await gateway.stop();
  console.log(
    `mucstate: stopped: ${tally.refused} waiting stanza(s) answered service-unavailable, ` +
      `${tally.abandoned} callback(s) still running after the grace period answered remote-server-timeout and abandoned`,
  );
  await inspector?.close();
  await callLog.close().catch(() => {});
  await prosody?.stop();
  await folder?.release();
  return 0;
}

/** Serves Converse for the first demo user on the Prosody, joining the first room. */
async function startDemoWeb(prosody: ProsodyHandle, users: string[], roomId: string | undefined, domain: string) {
  const jid = users.find((user) => user.split("@")[1] === prosody.domain);
  if (!jid || roomId === undefined || !prosody.websocketUrl) throw new Error(`--web needs a fixture user @${prosody.domain} and a room`);
  const room = `${escapeLocalpart(roomId)}@${domain}`;
  return { jid, room, ...(await startWebClient({ websocketUrl: prosody.websocketUrl, jid, password: DEMO_PASSWORD, room })) };
}

/**
 * The live inspector, when `--inspect PORT` (or MUCSTATE_INSPECT) asks for one; its URL is
 * printed as soon as it listens (port 0 picks a free one).
 */
async function startInspector(flags: Flags): Promise<Inspector | undefined> {
  const port = flagOrEnv(flags, "inspect");
  if (port === undefined) {
    for (const name of ["inspect-host", "inspect-token", "inspect-detail"]) {
      if (flags.has(name)) throw new Error(`--${name} needs --inspect PORT`);
    }
    return undefined;
  }
  if (!/^\d+$/.test(port)) throw new Error(`--inspect: expected a port number, got "${port}"`);
  const detail = flags.get("inspect-detail") ?? process.env.MUCSTATE_INSPECT_DETAIL ?? "";
  const inspector = await createInspector({
    port: Number(port),
    host: flagOrEnv(flags, "inspect-host"),
    token: flagOrEnv(flags, "inspect-token"),
    detail: detail === true || !["", "0", "false"].includes(detail),
  });
  console.log(`mucstate inspector: ${inspector.url}`);
  return inspector;
}
