/**
 * End-to-end set-up: a real Prosody on free loopback ports, the gateway in this process over
 * a real component connection, and real clients.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Gateway, createGateway } from "../../src/createGateway.js";
import { createCallLog, readCallLog } from "../../src/demo/callLog.js";
import { parseFixture } from "../../src/demo/fixture.js";
import { createFixtureNetwork } from "../../src/demo/fixtureNetwork.js";
import { type ProsodyHandle, startProsody } from "../../src/testbed/prosody.js";
import { type TestUser, connectUser, xml } from "./xmppClient.js";

export const PASSWORD = "secret-pw";

/**
 * Prosody plus a fixture gateway on `domain`. Users listed in the fixture are registered. Prosody
 * serves XEP-0363 uploads (`upload.localhost`, mod_http_file_share) unless `upload` is false.
 */
export async function startBed(fixture: unknown, options: { domain?: string; calls?: string; callbackTimeoutMs?: number; mailboxSize?: number; extraUsers?: string[]; privileged?: boolean; store?: string; upload?: boolean | { maxFileSize?: number } } = {}) {
  const domain = options.domain ?? "muc.localhost";
  const parsed = parseFixture(fixture);
  const prosody: ProsodyHandle = await startProsody({ components: [domain], privileged: options.privileged, upload: options.upload ?? true });
  for (const user of [...parsed.users, ...(options.extraUsers ?? [])]) await prosody.registerUser(user.split("@")[0]!, PASSWORD);
  const errors: unknown[] = [];
  const dropped: string[] = [];
  const warnings: string[] = [];
  const callLog = createCallLog(options.calls);
  const gateway: Gateway = createGateway({
    domain,
    secret: prosody.secret,
    service: prosody.service,
    plugin: createFixtureNetwork(parsed, callLog),
    callbackTimeoutMs: options.callbackTimeoutMs,
    store: options.store ?? join(prosody.dir, "mucstate.sqlite"),
    mailboxSize: options.mailboxSize,
    onError: (e) => errors.push(e),
    onDrop: (s, reason) => dropped.push(`${reason}: ${s.toString()}`),
    onWarning: (message) => warnings.push(message),
  });
  await gateway.start();
  return {
    prosody,
    gateway,
    domain,
    errors,
    dropped,
    warnings,
    /** The call log, when `calls` names a file: `flush()` before reading it. */
    callLog,
    async stop() {
      await gateway.stop().catch(() => {});
      await callLog.close().catch(() => {});
      await prosody.stop({ removeDir: true });
    },
  };
}

/** {@link startBed} with alice@localhost online as `resource`; `stop()` logs her out first. */
export async function startBedWithAlice(fixture: unknown, options: Parameters<typeof startBed>[1] = {}, resource = "r") {
  const bed = await startBed(fixture, options);
  const alice = await connectUser(bed.prosody.c2sPort, "alice", PASSWORD, resource);
  return {
    ...bed,
    alice,
    async stop() {
      await alice.stop();
      await bed.stop();
    },
  };
}

/**
 * {@link startBedWithAlice} with the fixture's calls logged to a fresh temporary file `calls`;
 * `logged(room, ...callbacks)` flushes the log and returns `[callback, args]` of those callbacks
 * in `room`, in the order they were called.
 */
export async function startLoggedBed(fixture: unknown, options: Omit<Parameters<typeof startBed>[1], "calls"> = {}) {
  const calls = join(mkdtempSync(join(tmpdir(), "mucstate-calls-")), "calls.jsonl");
  const bed = await startBedWithAlice(fixture, { ...options, calls });
  return {
    ...bed,
    calls,
    async logged(room: string, ...callbacks: string[]): Promise<Array<[string, unknown[]]>> {
      await bed.callLog.flush();
      return (await readCallLog(calls)).filter((e) => e.room === room && callbacks.includes(e.callback)).map((e) => [e.callback, e.args]);
    },
  };
}

/** Sends `user`'s XEP-0045 join presence to `room`/`nick` and waits for the room's `{jabber:client}subject`, the end of the join. */
export async function joinRoom(user: TestUser, room: string, nick = "alice"): Promise<void> {
  await user.send(xml("presence", { to: `${room}/${nick}` }, xml("x", { xmlns: "http://jabber.org/protocol/muc" })));
  await user.waitFor((s) => s.attrs.from === room && s.getChild("subject", "jabber:client") !== undefined);
}

/** A Prosody serving the component `domain`, with alice (password "pw") online, for tests that start their own gateways. */
export async function prosodyWithAlice(domain: string) {
  const prosody = await startProsody({ components: [domain] });
  await prosody.registerUser("alice", "pw");
  const alice = await connectUser(prosody.c2sPort, "alice", "pw", "r");
  return {
    prosody,
    alice,
    /** Stops alice, the gateway under test (if any) and Prosody. */
    async stop(gateway: Gateway | undefined) {
      await alice.stop();
      await gateway?.stop();
      await prosody.stop({ removeDir: true });
    },
  };
}
