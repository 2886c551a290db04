/**
 * Failover within one cluster run (issue 17): gateway processes share PostgreSQL (store and
 * leases); one serves alice's lobby, stops, and another takes alice over. Real Prosody (one
 * component connection at a time), real PostgreSQL, alice as a real client. A process of the same
 * `run` restores the lobby with its participants and runs no `updateInfo` or `fillParticipants`;
 * a process of another run runs both, as after a restart.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOwnership } from "../../src/cluster/gatewayOwnership.js";
import { createLeases } from "../../src/cluster/leases.js";
import { createGateway } from "../../src/createGateway.js";
import { createCallLog, readCallLog } from "../../src/demo/callLog.js";
import { loadFixture } from "../../src/demo/fixture.js";
import { createFixtureNetwork } from "../../src/demo/fixtureNetwork.js";
import { createPostgresStore } from "../../src/store/postgresStore.js";
import { prosodyWithAlice } from "../helpers/e2e.js";
import { isQualified, qualifiedChild, qualifiedText } from "../helpers/stanzas.js";
import { type TestUser, xml } from "../helpers/xmppClient.js";
import { postgresSchema, stopPostgresAfterAll } from "../store/helpers.js";

const DOMAIN = "takeover.localhost";
const ROOM = `lobby@${DOMAIN}`;
const MUC = "http://jabber.org/protocol/muc";
const OCCUPANT_ID = "urn:xmpp:occupant-id:0";
const SID = "urn:xmpp:sid:0";

let bed: Awaited<ReturnType<typeof prosodyWithAlice>>;
let alice: TestUser;
let where: { connectionString: string };
let fixture: Awaited<ReturnType<typeof loadFixture>>;
const calls = join(mkdtempSync(join(tmpdir(), "mucstate-takeover-")), "calls.jsonl");
const callLog = createCallLog(calls);
const errors: unknown[] = [];

stopPostgresAfterAll();

beforeAll(async () => {
  bed = await prosodyWithAlice(DOMAIN);
  alice = bed.alice;
  where = await postgresSchema();
  fixture = await loadFixture(fileURLToPath(new URL("../../fixtures/demo.json", import.meta.url)));
}, 60_000);

afterAll(async () => {
  await bed?.stop(undefined);
  await callLog.close();
});

/**
 * One gateway process of `run` (its own leases, its own fenced connection to the shared store),
 * alice's join of the lobby and her `say` message, then the process stops and gives its lease
 * back. What alice saw of the lobby's occupants (`nick occupant-id`), the bodies of the join's
 * history, the message's stanza-id, and the lobby's updateInfo and fillParticipants calls.
 */
async function processServes(owner: string, run: string, say: string) {
  const leases = await createLeases({ connectionString: where.connectionString, owner, ttlMs: 5_000 });
  // The default schema: the fenced writes check the lease rows, which live there (this file's own server).
  const store = await createPostgresStore({ connectionString: where.connectionString, fencing: leases, maxConnections: 3, retentionDays: Number.POSITIVE_INFINITY });
  const gateway = createGateway({
    domain: DOMAIN,
    secret: bed.prosody.secret,
    service: bed.prosody.service,
    plugin: createFixtureNetwork(fixture, callLog),
    store,
    run,
    ownership: createOwnership({ leases }),
    uploadService: false,
    onError: (e) => errors.push(e),
  });
  const before = (await lobbyCalls()).length;
  try {
    await gateway.start();
    alice.clear();
    await alice.send(xml("presence", { to: `${ROOM}/alice` }, xml("x", { xmlns: MUC })));
    await alice.waitFor((s) => String(s.attrs.from).startsWith(ROOM) && qualifiedChild(s, "{jabber:client}subject") !== undefined, { timeoutMs: 15_000 });
    const seen = alice.received.filter((s) => s.attrs.from?.startsWith(ROOM));
    const occupants = seen
      .filter((s) => isQualified(s, "{jabber:client}presence") && s.attrs.from !== `${ROOM}/alice`)
      .map((s) => `${String(s.attrs.from).split("/")[1]} ${qualifiedChild(s, `{${OCCUPANT_ID}}occupant-id`)?.attrs.id}`);
    const history = seen.filter((s) => isQualified(s, "{jabber:client}message") && qualifiedText(s, "{jabber:client}body") !== undefined).map((s) => qualifiedText(s, "{jabber:client}body"));
    await alice.send(xml("message", { to: ROOM, type: "groupchat", id: say }, xml("body", {}, say)));
    const [echo] = await alice.waitFor((s) => s.attrs.id === say && isQualified(s, "{jabber:client}message"), { timeoutMs: 15_000 });
    const stanzaId = qualifiedChild(echo!, `{${SID}}stanza-id`)?.attrs.id;
    await alice.send(xml("presence", { to: `${ROOM}/alice`, type: "unavailable" }));
    await alice.waitFor((s) => s.attrs.from === `${ROOM}/alice` && s.attrs.type === "unavailable");
    return { occupants, history, stanzaId, calls: (await lobbyCalls()).slice(before) };
  } finally {
    await gateway.stop();
    await store.close();
    await leases.close();
  }
}

/** The lobby's updateInfo and fillParticipants calls so far, in order. */
async function lobbyCalls(): Promise<string[]> {
  await callLog.flush();
  return (await readCallLog(calls)).filter((e) => e.room === "lobby" && ["updateInfo", "fillParticipants"].includes(e.callback)).map((e) => e.callback);
}

describe("a user's rooms taken over by another gateway process on the shared PostgreSQL store", () => {
  it("in the same run: the lobby comes back with the same occupants and occupant ids and its history, without updateInfo or fillParticipants; in another run both run again", async () => {
    const a = await processServes("process-a", "r1", "from-a");
    expect(a.calls).toEqual(["updateInfo", "fillParticipants"]);
    expect(a.occupants.length).toBeGreaterThan(0);

    const b = await processServes("process-b", "r1", "from-b");
    expect(b.calls).toEqual([]);
    expect(b.occupants).toEqual(a.occupants);
    expect(b.history).toContain("from-a"); // from PostgreSQL: process b never saw it
    expect(b.stanzaId).not.toBe(a.stanzaId);

    const c = await processServes("process-c", "r2", "from-c");
    expect(c.calls).toEqual(["updateInfo", "fillParticipants"]);
    expect(c.history).toEqual(expect.arrayContaining(["from-a", "from-b"]));
    expect(errors).toEqual([]);
  }, 90_000);
});
