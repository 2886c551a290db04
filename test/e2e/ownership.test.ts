/**
 * A gateway that serves only the users whose lease it holds (`createGateway({ ownership })`):
 * real Prosody, real PostgreSQL for the leases, alice as a real client. A second lease manager in
 * the test stands for another gateway process.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOwnership } from "../../src/cluster/gatewayOwnership.js";
import { createLeases, type Leases } from "../../src/cluster/leases.js";
import { type Gateway, createGateway } from "../../src/createGateway.js";
import { createCallLog } from "../../src/demo/callLog.js";
import { loadFixture } from "../../src/demo/fixture.js";
import { createFixtureNetwork } from "../../src/demo/fixtureNetwork.js";
import { type PostgresHandle, startPostgres } from "../../src/testbed/postgres.js";
import { prosodyWithAlice } from "../helpers/e2e.js";
import { conditionOf, isQualified, qualifiedChild } from "../helpers/stanzas.js";
import { type TestUser, xml } from "../helpers/xmppClient.js";

const DOMAIN = "owned.localhost";
const ROOM = `lobby@${DOMAIN}`;
const ALICE = "alice@localhost";
const MUC_USER = "http://jabber.org/protocol/muc#user";
const STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";
const TTL_MS = 1_000;

let bed: Awaited<ReturnType<typeof prosodyWithAlice>>;
let postgres: PostgresHandle;
let admin: pg.Client;
let gateway: Gateway;
let mine: Leases;
let other: Leases;
const errors: unknown[] = [];
let alice: TestUser;

const leaseRow = async () => (await admin.query("SELECT owner, token::int AS token FROM user_leases WHERE user_jid = $1", [ALICE])).rows[0];
/** The error of a stanza alice got back: `[condition, type]`, the condition read by its namespace. */
const errorOf = (s: ReturnType<typeof xml>) => [conditionOf(s), qualifiedChild(s, "{jabber:client}error")?.attrs.type];
const selfPresence = (s: ReturnType<typeof xml>) =>
  isQualified(s, "{jabber:client}presence") && s.attrs.from === `${ROOM}/alice` && s.getChild("x", MUC_USER) !== undefined;
const statusCodes = (s: ReturnType<typeof xml>) => (s.getChild("x", MUC_USER)?.getChildren("status", MUC_USER) ?? []).map((st) => st.attrs.code);
const join_ = () => alice.send(xml("presence", { to: `${ROOM}/alice` }, xml("x", { xmlns: "http://jabber.org/protocol/muc" })));
const say = (id: string) => alice.send(xml("message", { to: ROOM, type: "groupchat", id }, xml("body", {}, id)));

beforeAll(async () => {
  [bed, postgres] = await Promise.all([prosodyWithAlice(DOMAIN), startPostgres()]);
  alice = bed.alice;
  admin = new pg.Client({ connectionString: postgres.connectionString });
  await admin.connect();
  mine = await createLeases({ connectionString: postgres.connectionString, owner: "gateway-under-test", ttlMs: TTL_MS });
  other = await createLeases({ connectionString: postgres.connectionString, owner: "other-process", ttlMs: 60_000 });
  const fixture = await loadFixture(fileURLToPath(new URL("../../fixtures/demo.json", import.meta.url)));
  gateway = createGateway({
    domain: DOMAIN,
    secret: bed.prosody.secret,
    service: bed.prosody.service,
    plugin: createFixtureNetwork(fixture, createCallLog(undefined)),
    store: join(bed.prosody.dir, "mucstate.sqlite"),
    uploadService: false,
    onError: (error) => errors.push(error),
    ownership: createOwnership({ leases: mine }),
  });
  await gateway.start();
}, 60_000);

afterAll(async () => {
  await bed?.stop(gateway);
  await mine?.close();
  await other?.close();
  await admin?.end();
  await postgres?.stop();
});

describe("createGateway({ ownership }): a user's rooms run only in the process that holds the user's lease", () => {
  it("while another process holds the lease, the user's stanzas wait, then each gets service-unavailable of type wait; no room runs here", async () => {
    expect(await other.acquire(ALICE)).toEqual({ token: 1 });
    alice.clear();
    const sentAt = performance.now();
    await join_();
    await say("held-1");
    await alice.send(xml("iq", { to: ROOM, type: "get", id: "held-info" }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
    const answers = await alice.waitFor((s) => s.attrs.type === "error", { count: 3, timeoutMs: 10_000 });
    const waitedMs = performance.now() - sentAt;
    expect(answers.map((s) => [s.name, s.attrs.id ?? null, ...errorOf(s)])).toEqual([
      ["presence", null, "service-unavailable", "wait"],
      ["message", "held-1", "service-unavailable", "wait"],
      ["iq", "held-info", "service-unavailable", "wait"],
    ]);
    expect(answers.every((s) => s.getChild("error", "jabber:client")?.getChild("service-unavailable", STANZAS))).toBe(true);
    expect(waitedMs).toBeGreaterThanOrEqual(TTL_MS - 50); // held for the wait (one lease time), not refused at once
    expect(alice.received.filter(selfPresence)).toEqual([]);
    expect(gateway.registry.roomsOf(ALICE)).toEqual([]);
    expect(await leaseRow()).toEqual({ owner: "other-process", token: 1 });
  });

  it("a held join is served as soon as the holder gives the lease back, and the process holds the lease with the next token", async () => {
    alice.clear();
    await join_();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(alice.received).toEqual([]); // still held
    await other.release(ALICE);
    const [joined] = await alice.waitFor((s) => selfPresence(s) && s.attrs.type !== "unavailable" && statusCodes(s).includes("110"));
    expect(joined).toBeDefined(); // served, not refused at the end of the wait: the gate tried again and took the lease
    await say("after-release");
    await alice.waitFor((s) => s.attrs.id === "after-release" && isQualified(s, "{jabber:client}message") && s.attrs.type === "groupchat");
    expect(await leaseRow()).toEqual({ owner: "gateway-under-test", token: 2 });
    expect(mine.tokenOf(ALICE)).toBe(2);
  });

  const expireAndTake = async () => {
    await admin.query("UPDATE user_leases SET expires_at = now() - interval '1 millisecond' WHERE user_jid = $1", [ALICE]);
    return other.acquire(ALICE);
  };

  it("a lease lost to another process stops the user's rooms here: the joined resource gets 110 + 332, the next stanza waits at the gate; nothing crashes", async () => {
    expect(gateway.registry.roomsOf(ALICE).length).toBeGreaterThan(0);
    alice.clear();
    // The holder looked dead to the database (its lease expired); another process takes the user over.
    // The holder's own renewal (every TTL_MS / 3) may land between the two statements and renew it: then again.
    let taken = await expireAndTake();
    for (let k = 0; k < 5 && !("token" in taken); k++) taken = await expireAndTake();
    expect(taken).toEqual({ token: 3 });
    const [gone] = await alice.waitFor((s) => selfPresence(s) && s.attrs.type === "unavailable", { timeoutMs: 5_000 });
    expect(statusCodes(gone!).sort()).toEqual(["110", "332"]);
    expect(gateway.registry.roomsOf(ALICE)).toEqual([]);
    expect(mine.tokenOf(ALICE)).toBeUndefined();

    await say("after-loss");
    const [refused] = await alice.waitFor((s) => s.attrs.id === "after-loss" && s.attrs.type === "error", { timeoutMs: 10_000 });
    expect(errorOf(refused!)).toEqual(["service-unavailable", "wait"]);
    expect(alice.received.some((s) => s.attrs.id === "after-loss" && s.attrs.type === "groupchat")).toBe(false);
    expect(errors).toEqual([]);
  });
});
