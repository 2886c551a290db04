/**
 * The gateway on each store, through a real Prosody: the in-memory store, SQLite (the default,
 * synchronous) and PostgreSQL (an `AsyncStore`, shared by gateway processes). The same client
 * scenario on all three, read as a namespace-aware client reads it: join history, a message
 * archived and found again by MAM, a participant's retraction from the legacy network (a lookup
 * and a tombstone in the store), a gateway restart on the same store (the first run's messages
 * in the join history, corrected and retracted by the user: their targets come from the store),
 * and a passivated room that comes back from the store without running `updateInfo` or
 * `fillParticipants` again.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Gateway, createGateway } from "../../src/createGateway.js";
import { createCallLog, readCallLog } from "../../src/demo/callLog.js";
import { parseFixture } from "../../src/demo/fixture.js";
import { createFixtureNetwork } from "../../src/demo/fixtureNetwork.js";
import type { AsyncStore } from "../../src/store/asyncTypes.js";
import { createMemoryStore } from "../../src/store/memoryStore.js";
import { createPostgresStore } from "../../src/store/postgresStore.js";
import { openSqliteStore } from "../../src/store/sqliteStore.js";
import type { Store } from "../../src/store/types.js";
import { prosodyWithAlice } from "../helpers/e2e.js";
import { RETRACT } from "../helpers/retractNs.js";
import { conditionOf, qualifiedChild, qualifiedText } from "../helpers/stanzas.js";
import { type TestUser, archivedMessages, xml } from "../helpers/xmppClient.js";
import { postgresSchema, stopPostgresAfterAll } from "../store/helpers.js";

const MUC = "http://jabber.org/protocol/muc";
const SID = "urn:xmpp:sid:0";
const CORRECT = "urn:xmpp:message-correct:0";
const DELAY = "urn:xmpp:delay";
const NO_RETENTION = { retentionDays: Number.POSITIVE_INFINITY };
const history = [1, 2, 3].map((i) => ({ id: `H-${i}`, from: "bob", body: `history ${i}`, at: `2000-01-01T00:0${i}:00Z` }));
const fixture = parseFixture({
  users: ["alice@localhost"],
  rooms: [
    {
      id: "hall",
      name: "The hall",
      userNick: "alice",
      participants: [{ nick: "bob", contact: "bob-id" }],
      history,
      events: [{ afterMs: 1500, retract: { from: "bob", to: "H-2", id: "H-2r" } }],
    },
  ],
});

type Stanza = ReturnType<typeof xml>;
type AnyStore = Store | AsyncStore;

/** Opens the store of one backend; `reopen` gives the same data to the next gateway run (a restart). */
interface Backend {
  open(): Promise<AnyStore>;
  reopen(previous: AnyStore): Promise<AnyStore>;
  close(store: AnyStore): Promise<void>;
}

const BACKENDS: Array<[name: string, make: () => Promise<Backend>]> = [
  // In memory, the "restart" hands the same store object to the next gateway (a process would lose it).
  ["memory", async () => ({ open: async () => createMemoryStore(NO_RETENTION), reopen: async (s) => s, close: async () => {} })],
  [
    "SQLite",
    async () => {
      const path = join(mkdtempSync(join(tmpdir(), "mucstate-backends-")), "gateway.sqlite");
      const open = async () => openSqliteStore(path, NO_RETENTION);
      const close = async (s: AnyStore) => void (await s.close());
      return { open, close, reopen: async (s) => (await close(s)) ?? open() };
    },
  ],
  [
    "PostgreSQL",
    async () => {
      const where = await postgresSchema();
      const open = () => createPostgresStore({ ...where, ...NO_RETENTION, maxConnections: 3 });
      const close = async (s: AnyStore) => void (await s.close());
      return { open, close, reopen: async (s) => (await close(s)) ?? open() };
    },
  ],
];

stopPostgresAfterAll();

describe.each(BACKENDS)("the gateway on the %s store, through Prosody", (_name, makeBackend) => {
  const DOMAIN = "st.localhost";
  const ROOM = `hall@${DOMAIN}`;
  const calls = join(mkdtempSync(join(tmpdir(), "mucstate-backends-calls-")), "calls.jsonl");
  const callLog = createCallLog(calls);
  let bed: Awaited<ReturnType<typeof prosodyWithAlice>>;
  let alice: TestUser;
  let backend: Backend;
  let store: AnyStore;
  let gateway: Gateway | undefined;
  const errors: unknown[] = [];
  const warnings: string[] = [];
  /** The stanza-id of alice's message of the first run. */
  let firstId = "";

  async function startGateway(): Promise<void> {
    gateway = createGateway({
      domain: DOMAIN,
      secret: bed.prosody.secret,
      service: bed.prosody.service,
      plugin: createFixtureNetwork(fixture, callLog),
      store,
      callbackTimeoutMs: 5000,
      idleMs: 1000,
      onError: (e) => errors.push(e),
      onWarning: (m) => warnings.push(m),
    });
    await gateway.start();
  }

  /** The callbacks the fixture ran in the hall, in order. */
  async function called(...callbacks: string[]): Promise<string[]> {
    await callLog.flush();
    return (await readCallLog(calls)).filter((e) => e.room === "hall" && callbacks.includes(e.callback)).map((e) => e.callback);
  }

  /** Joins the hall and returns what the room sent up to its subject, in order. */
  async function joinHall(): Promise<Stanza[]> {
    alice.clear();
    await alice.send(xml("presence", { to: `${ROOM}/alice` }, xml("x", { xmlns: MUC })));
    await alice.waitFor((s) => s.attrs.from === ROOM && qualifiedChild(s, "{jabber:client}subject") !== undefined);
    return alice.received.filter((s) => s.attrs.from?.startsWith(ROOM));
  }

  const groupchat = (id: string, ...payload: Stanza[]) => xml("message", { to: ROOM, type: "groupchat", id }, ...payload, xml("origin-id", { xmlns: SID, id }));
  const bodyOf = (m: Stanza | undefined) => (m ? (qualifiedText(m, "{jabber:client}body") ?? null) : undefined);
  /** [stanza-id, body or "(retracted)"] of each message MAM returns, in order. */
  async function mam(queryid: string): Promise<Array<[string, string | null | undefined]>> {
    return (await archivedMessages(alice, ROOM, queryid)).map(([id, m]) => [id, m && qualifiedChild(m, `{${RETRACT}}retracted`) ? "(retracted)" : bodyOf(m)]);
  }

  beforeAll(async () => {
    bed = await prosodyWithAlice(DOMAIN);
    alice = bed.alice;
    backend = await makeBackend();
    store = await backend.open();
    await startGateway();
  });
  afterAll(async () => {
    await bed?.stop(gateway);
    if (store) await backend.close(store);
    await callLog.close();
  });

  it("a join gets the archived history, each with its <delay/>, in order, before the subject", async () => {
    const joined = await joinHall();
    const messages = joined.filter((s) => s.is("message", "jabber:client") && qualifiedChild(s, "{jabber:client}body") !== undefined);
    expect(messages.map(bodyOf)).toEqual(["history 1", "history 2", "history 3"]);
    expect(messages.map((m) => qualifiedChild(m, `{${DELAY}}delay`)?.attrs.stamp)).toEqual(["2000-01-01T00:01:00.000Z", "2000-01-01T00:02:00.000Z", "2000-01-01T00:03:00.000Z"]);
    expect(messages.map((m) => qualifiedChild(m, `{${SID}}stanza-id`)?.attrs.id)).toEqual(["H-1", "H-2", "H-3"]);
    const subject = joined.findIndex((s) => qualifiedChild(s, "{jabber:client}subject") !== undefined);
    expect(joined.indexOf(messages.at(-1)!)).toBeLessThan(subject);
  });

  it("the user's message is echoed with a stanza-id that MAM returns it under", async () => {
    await alice.send(groupchat("m-1", xml("body", {}, "hello from alice")));
    const [echo] = await alice.waitFor((s) => s.attrs.id === "m-1" && s.is("message", "jabber:client"));
    expect(echo!.attrs.type).toBe("groupchat");
    firstId = qualifiedChild(echo!, `{${SID}}stanza-id`)!.attrs.id as string;
    expect(firstId).toMatch(/.+/);
    const archived = await mam("mam-1");
    expect(archived.at(-1)).toEqual([firstId, "hello from alice"]);
  });

  it("a participant's retraction from the legacy network is fanned out and leaves a tombstone in MAM", async () => {
    const [retraction] = await alice.waitFor((s) => s.attrs.from === `${ROOM}/bob` && qualifiedChild(s, `{${RETRACT}}retract`) !== undefined);
    expect(qualifiedChild(retraction!, `{${RETRACT}}retract`)!.attrs.id).toBe("H-2");
    const archived = await mam("mam-2");
    expect(archived.filter(([id]) => id.startsWith("H-")).map(([id, body]) => [id, body])).toEqual([
      ["H-1", "history 1"],
      ["H-2", "(retracted)"],
      ["H-3", "history 3"],
      ["H-2r", null], // the retraction itself, without a body (XEP-0424 §6)
    ]);
  });

  it("after a restart on the same store, the first run's messages are history, and the user corrects and retracts one of them", async () => {
    await gateway!.stop();
    gateway = undefined;
    store = await backend.reopen(store);
    await startGateway();
    const joined = await joinHall();
    const history = joined.filter((s) => s.is("message", "jabber:client") && qualifiedChild(s, `{${DELAY}}delay`) !== undefined);
    expect(history.map((m) => qualifiedChild(m, `{${SID}}stanza-id`)?.attrs.id)).toEqual(expect.arrayContaining(["H-1", "H-3", firstId]));
    expect(bodyOf(history.find((m) => qualifiedChild(m, `{${SID}}stanza-id`)?.attrs.id === firstId))).toBe("hello from alice");

    // The new run knows no recent message: the correction's target is found in the store.
    await alice.send(groupchat("c-1", xml("body", {}, "hello again from alice"), xml("replace", { xmlns: CORRECT, id: "m-1" })));
    await alice.send(groupchat("c-2", xml("body", {}, "nothing to correct"), xml("replace", { xmlns: CORRECT, id: "no-such-message" })));
    const [corrected] = await alice.waitFor((s) => s.attrs.id === "c-1" && s.is("message", "jabber:client"));
    expect(qualifiedChild(corrected!, `{${CORRECT}}replace`)?.attrs.id).toBe("m-1");
    const [refused] = await alice.waitFor((s) => s.attrs.id === "c-2");
    expect([refused!.attrs.type, conditionOf(refused)]).toEqual(["error", "item-not-found"]);

    await alice.send(groupchat("r-1", xml("retract", { xmlns: RETRACT, id: firstId }), xml("body", {}, "/me retracted a message")));
    const [retracted] = await alice.waitFor((s) => s.attrs.id === "r-1" && s.is("message", "jabber:client"));
    expect(qualifiedChild(retracted!, `{${RETRACT}}retract`)?.attrs.id).toBe(firstId);
    const archived = await mam("mam-3");
    expect(archived.find(([id]) => id === firstId)).toEqual([firstId, "(retracted)"]);
    // The correction of the retracted message is retracted with it.
    const correctionId = qualifiedChild(corrected!, `{${SID}}stanza-id`)!.attrs.id as string;
    expect(archived.find(([id]) => id === correctionId)).toEqual([correctionId, "(retracted)"]);
    expect(await called("onCorrect", "onRetract")).toEqual(["onCorrect", "onRetract"]);
  });

  it("a passivated room comes back from the store: no updateInfo or fillParticipants again, its participants and archive restored", async () => {
    const before = await called("updateInfo", "fillParticipants");
    const passivated = new Promise<void>((resolve) => gateway!.rooms.on("passivated", ({ room }) => room.jid === ROOM && resolve()));
    await alice.send(xml("presence", { to: `${ROOM}/alice`, type: "unavailable" }));
    await passivated;
    const joined = await joinHall();
    expect(joined.some((s) => s.attrs.from === `${ROOM}/bob` && s.is("presence", "jabber:client") && s.attrs.type === undefined)).toBe(true);
    const archived = await mam("mam-4");
    expect(archived.find(([id]) => id === firstId)).toEqual([firstId, "(retracted)"]);
    expect(await called("updateInfo", "fillParticipants")).toEqual(before);
    expect(errors).toEqual([]);
  });
});
