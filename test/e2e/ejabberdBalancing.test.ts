/**
 * What ejabberd 23.01 (Debian) does with several XEP-0114 connections for one component domain:
 * the behaviour the scale-out design (docs/scale-out.md, "ejabberd as the router") builds on.
 * Real ejabberd, real clients (@xmpp/client) and real component connections (@xmpp/component);
 * an ejabberd upgrade that changes any of it fails here.
 *
 * One ejabberd serves every test, each on its own component domain. A gateway process dying is
 * played by destroying its socket without closing the stream: what ejabberd sees of a SIGKILL.
 */
import { type Component, type Element, component, xml as componentXml } from "@xmpp/component";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EjabberdHandle, startEjabberd } from "../../src/testbed/ejabberd.js";
import { sleep } from "../../src/testbed/processes.js";
import { type TestUser, connectUser, xml } from "../helpers/xmppClient.js";
import { isQualified, qualifiedChild } from "../helpers/stanzas.js";

const bySource = { type: "bare_source", componentNumber: 2 } as const;
const DOMAINS = {
  random: "random.localhost",
  users: "users.localhost",
  rooms: "rooms.localhost",
  crash: "crash.localhost",
  drop: "drop.localhost",
  surplus: "surplus.localhost",
  failover: "failover.localhost",
  replies: "replies.localhost",
  hung: "hung.localhost",
};
const USERS = Array.from({ length: 12 }, (_, i) => `u${i}`);

/** A component connection and the messages it received, each with its arrival time. */
interface Conn {
  xmpp: Component;
  messages: { from: string; to: string; body: string; at: number }[];
  /** Every iq it received (results and errors included). */
  iqs: Element[];
}

let bed: EjabberdHandle;
const users = new Map<string, TestUser>();
const conns: Conn[] = [];

async function connect(domain: string): Promise<Conn> {
  const xmpp = component({ service: bed.services[domain]!, domain, password: bed.secret });
  xmpp.on("error", () => {});
  const conn: Conn = { xmpp, messages: [], iqs: [] };
  xmpp.on("stanza", (s: Element) => {
    if (s.is("iq", "jabber:component:accept")) conn.iqs.push(s);
    if (!s.is("message", "jabber:component:accept")) return;
    const { from = "", to = "" } = s.attrs;
    conn.messages.push({ from: from.split("/")[0]!, to, body: s.getChildText("body") ?? "", at: performance.now() });
  });
  conns.push(conn);
  await xmpp.start();
  return conn;
}

/** What a SIGKILL of the gateway process looks like to ejabberd: the socket closes, no stream end. */
function kill(conn: Conn): void {
  conn.xmpp.reconnect.stop();
  conn.xmpp.socket?.destroy();
}

const user = (name: string) => users.get(name)!;
const say = (from: string, to: string, body: string) =>
  user(from).send(xml("message", { to, type: "groupchat", id: body }, xml("body", {}, body)));
/** The users whose messages to `domain` reached `conn`, by bare JID local part. */
const sendersSeenBy = (conn: Conn, bodyPrefix: string) =>
  new Set(conn.messages.filter((m) => m.body.startsWith(bodyPrefix)).map((m) => m.from.split("@")[0]!));

/**
 * Every user sends one message `<tag>-<user>` to `room@domain`; resolves once `watch` saw no new
 * one for 300 ms (or after 5 s): long enough on loopback for anything that is coming.
 */
async function round(domain: string, tag: string, watch: Conn[]): Promise<void> {
  for (const name of USERS) await say(name, `room@${domain}`, `${tag}-${name}`);
  const arrived = () => watch.reduce((n, c) => n + c.messages.filter((m) => m.body.startsWith(`${tag}-`)).length, 0);
  let [seen, quietSince] = [-1, Date.now()];
  for (const deadline = Date.now() + 5_000; Date.now() - quietSince < 300 && Date.now() < deadline; await sleep(20)) {
    if (arrived() !== seen) [seen, quietSince] = [arrived(), Date.now()];
  }
}

/** Sends 16 messages from `probe-<k>@domain` to `domain` itself and counts those that came back to `conn`. */
async function ownProbesBack(conn: Conn, domain: string, tag: string): Promise<number> {
  for (let k = 0; k < 16; k++) await conn.xmpp.send(componentXml("message", { from: `${tag}-${k}@${domain}`, to: domain }, componentXml("body", {}, tag)));
  await sleep(300);
  return conn.messages.filter((m) => m.from.startsWith(`${tag}-`)).length;
}

beforeAll(async () => {
  bed = await startEjabberd({
    components: Object.values(DOMAINS),
    balancing: {
      [DOMAINS.users]: bySource,
      [DOMAINS.rooms]: { type: "bare_destination", componentNumber: 2 },
      [DOMAINS.crash]: { type: "bare_source" },
      [DOMAINS.drop]: bySource,
      [DOMAINS.surplus]: bySource,
      [DOMAINS.failover]: bySource,
      [DOMAINS.replies]: bySource,
      [DOMAINS.hung]: bySource,
    },
  });
  console.info(`ejabberd test bed started in ${bed.startupMs} ms`);
  await Promise.all(
    USERS.map(async (name) => {
      await bed.registerUser(name, "pw");
      users.set(name, await connectUser(bed.c2sPort, name, "pw", "r"));
    }),
  );
});

afterAll(async () => {
  for (const u of users.values()) await u.stop();
  for (const c of conns) {
    c.xmpp.reconnect.stop();
    await c.xmpp.stop().catch(() => {});
  }
  await bed?.stop();
});

describe("ejabberd 23.01 balancing one component domain over several connections", () => {
  it("without domain_balancing, one room's 2,000 messages are spread at random over both connections", async () => {
    const [a, b] = [await connect(DOMAINS.random), await connect(DOMAINS.random)];
    for (let i = 0; i < 2_000; i++) await say("u0", `room@${DOMAINS.random}`, `r${i}`);
    for (const deadline = Date.now() + 10_000; a!.messages.length + b!.messages.length < 2_000 && Date.now() < deadline; ) await sleep(20);
    console.info(`random: ${a!.messages.length} / ${b!.messages.length}`);
    expect(a!.messages.length + b!.messages.length).toBe(2_000);
    // A binomial split (sd 22): both far from 0, so neither connection sees the room's whole history.
    expect(a!.messages.length).toBeGreaterThan(700);
    expect(b!.messages.length).toBeGreaterThan(700);
  });

  it("bare_source with component_number 2 pins every user to one connection, and both connections get users", async () => {
    const [a, b] = [await connect(DOMAINS.users), await connect(DOMAINS.users)];
    for (const room of ["r1", "r2", "r3"]) await round(DOMAINS.users, room, [a!, b!]);
    const [onA, onB] = [sendersSeenBy(a!, "r"), sendersSeenBy(b!, "r")];
    expect([...onA].filter((u) => onB.has(u))).toEqual([]);
    expect(onA.size + onB.size).toBe(USERS.length);
    expect(onA.size).toBeGreaterThan(0);
    expect(onB.size).toBeGreaterThan(0);
  });

  it("bare_destination with component_number 2 pins every room to one connection", async () => {
    const [a, b] = [await connect(DOMAINS.rooms), await connect(DOMAINS.rooms)];
    const rooms = Array.from({ length: 12 }, (_, i) => `room${i}@${DOMAINS.rooms}`);
    for (const name of USERS.slice(0, 4)) for (const room of rooms) await say(name, room, `${name}>${room}`);
    for (const deadline = Date.now() + 5_000; a!.messages.length + b!.messages.length < 48 && Date.now() < deadline; ) await sleep(20);
    const [onA, onB] = [new Set(a!.messages.map((m) => m.to)), new Set(b!.messages.map((m) => m.to))];
    expect(a!.messages.length + b!.messages.length).toBe(48);
    expect([...onA].filter((r) => onB.has(r))).toEqual([]);
    expect(onA.size).toBeGreaterThan(0);
    expect(onB.size).toBeGreaterThan(0);
  });

  it("domain_balancing without component_number: ejabberd closes the stream at the handshake, messages bounce", async () => {
    const xmpp = component({ service: bed.services[DOMAINS.crash]!, domain: DOMAINS.crash, password: bed.secret });
    xmpp.reconnect.stop();
    xmpp.timeout = 1_000;
    xmpp.on("error", () => {});
    let closed = false;
    xmpp.on("disconnect", () => (closed = true));
    await expect(xmpp.start()).rejects.toThrow();
    expect(closed).toBe(true);
    // No route was registered: ejabberd answers the sender as for an unknown server.
    await say("u0", `room@${DOMAINS.crash}`, "crash-1");
    const [bounce] = await user("u0").waitFor((s) => s.attrs.id === "crash-1" && s.attrs.type === "error");
    expect(qualifiedChild(bounce!, "{jabber:client}error")?.getChild("remote-server-not-found", "urn:ietf:params:xml:ns:xmpp-stanzas")).toBeDefined();
  });

  it("component_number 2 with one connection: the empty slot's stanzas vanish, senders get no error, iqs no answer", async () => {
    const a = await connect(DOMAINS.drop);
    for (const u of users.values()) u.clear();
    await round(DOMAINS.drop, "d", [a]);
    const onA = sendersSeenBy(a, "d-");
    const lost = USERS.filter((u) => !onA.has(u));
    console.info(`drop: ${onA.size} of ${USERS.length} users reach the only connection; ${lost.length} are dropped`);
    expect(lost.length).toBeGreaterThan(0);
    expect(onA.size).toBeGreaterThan(0);
    // Nothing comes back to the senders whose message was dropped: no error, no bounce.
    for (const name of lost) expect(user(name).received.filter((s) => isQualified(s, "{jabber:client}message"))).toEqual([]);
    const iq = xml("iq", { type: "get", to: DOMAINS.drop, id: "lost-iq" }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }));
    await user(lost[0]!).send(iq);
    await expect(user(lost[0]!).waitFor((s) => s.attrs.id === "lost-iq", { timeoutMs: 1_500 })).rejects.toThrow(/timed out/);
    // The slot is still there: a second connection takes it and exactly the lost users arrive.
    const b = await connect(DOMAINS.drop);
    await round(DOMAINS.drop, "e", [a, b]);
    expect([...sendersSeenBy(b, "e-")].sort()).toEqual([...lost].sort());
  });

  it("a connection beyond component_number is accepted but gets nothing, not even a slot freed later; it can tell", async () => {
    const [a, b, c] = [await connect(DOMAINS.surplus), await connect(DOMAINS.surplus), await connect(DOMAINS.surplus)];
    expect(c!.xmpp.status).toBe("online");
    // A connection can tell whether it holds a slot: its messages from its own domain to its own
    // domain are balanced like any other, so some come back to a slot holder, none to a surplus one.
    expect(await ownProbesBack(a!, DOMAINS.surplus, "probe-a")).toBeGreaterThan(0);
    expect(await ownProbesBack(c!, DOMAINS.surplus, "probe-c")).toBe(0);
    for (const conn of [a!, b!, c!]) conn.messages.splice(0);
    await round(DOMAINS.surplus, "s", [a!, b!]);
    expect(a!.messages.length + b!.messages.length).toBe(USERS.length);
    expect(c!.messages).toEqual([]);
    const onA = sendersSeenBy(a!, "s-");
    kill(a!);
    await sleep(300);
    await round(DOMAINS.surplus, "t", [b!, c!]);
    expect(c!.messages).toEqual([]);
    expect(b!.messages.filter((m) => m.body.startsWith("t-"))).toHaveLength(USERS.length - onA.size);
    // Only a new handshake claims the free slot: the next connection gets exactly a's users.
    const d = await connect(DOMAINS.surplus);
    await round(DOMAINS.surplus, "u", [b!, d]);
    expect([...sendersSeenBy(d, "u-")].sort()).toEqual([...onA].sort());
  });

  it("bare_source routes the answer to an iq a connection sent by the answerer's JID, not back to the asker", async () => {
    const [a, b] = [await connect(DOMAINS.replies), await connect(DOMAINS.replies)];
    for (const [conn, tag] of [[a!, "a"], [b!, "b"]] as const) {
      await conn.xmpp.send(componentXml("iq", { type: "get", to: "localhost", from: DOMAINS.replies, id: `${tag}-server` }, componentXml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
    }
    for (const deadline = Date.now() + 3_000; a!.iqs.length + b!.iqs.length < 2 && Date.now() < deadline; ) await sleep(20);
    // Both answers from `localhost` land on the one connection that `localhost`'s slot names.
    const ids = (conn: Conn) => conn.iqs.filter((iq) => iq.attrs.from === "localhost").map((iq) => iq.attrs.id).sort();
    expect([ids(a!), ids(b!)].sort((x, y) => y.length - x.length)).toEqual([["a-server", "b-server"], []]);
  });

  it("a hung gateway process (SIGSTOP) keeps its slot: ejabberd does not notice within 6 s of traffic", async () => {
    // The component in a child process, so that it can be frozen like a stuck event loop.
    const domain = DOMAINS.hung;
    const code = `import { component } from "@xmpp/component";
      const c = component({ service: ${JSON.stringify(bed.services[domain])}, domain: "${domain}", password: "${bed.secret}" });
      c.on("error", () => {}); await c.start(); console.log("online");`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      await once(child.stdout!, "data");
      const b = await connect(domain);
      await round(domain, "h", [b]);
      const frozenUsers = USERS.filter((u) => !sendersSeenBy(b, "h-").has(u));
      expect(frozenUsers.length).toBeGreaterThan(0);
      child.kill("SIGSTOP");
      for (let i = 0; i < 6; i++) {
        for (const name of frozenUsers) await say(name, `room@${domain}`, `x${i}-${"y".repeat(10_000)}`);
        await sleep(1_000);
      }
      const late = await connect(domain);
      await round(domain, "i", [b, late]);
      expect(late.messages).toEqual([]);
    } finally {
      child.kill("SIGKILL");
    }
  }, 30_000);

  it("a killed connection's slot is free at once: a connection made right after takes it and stanzas flow again", async () => {
    const [a, b] = [await connect(DOMAINS.failover), await connect(DOMAINS.failover)];
    await round(DOMAINS.failover, "f", [a!, b!]);
    const onA = [...sendersSeenBy(a!, "f-")];
    expect(onA.length).toBeGreaterThan(0);
    const sender = onA[0]!;
    let sent = 0;
    let sending = true;
    const flow = (async () => {
      while (sending) {
        await say(sender, `room@${DOMAINS.failover}`, `p${sent++}`);
        await sleep(5);
      }
    })();
    await sleep(200);
    const killedAt = performance.now();
    const sentBeforeKill = sent;
    kill(a!);
    const next = await connect(DOMAINS.failover);
    const onlineAt = performance.now();
    await sleep(300);
    sending = false;
    await flow;
    await sleep(300);
    const first = next.messages.find((m) => m.body.startsWith("p"));
    const received = [...a!.messages, ...next.messages].filter((m) => m.body.startsWith("p")).length;
    console.info(
      `failover: new connection online ${Math.round(onlineAt - killedAt)} ms after the kill, first stanza ${first ? Math.round(first.at - killedAt) : "-"} ms; ${sent - received} of ${sent} lost (${sentBeforeKill} sent before the kill)`,
    );
    expect(first).toBeDefined();
    expect(first!.at - killedAt).toBeLessThan(1_000);
    expect(b!.messages.filter((m) => m.body.startsWith("p"))).toEqual([]);
  });
});

describe("ejabberd 23.01 XEP-0356 privileges with a balanced domain", () => {
  it("announces the privileges of every new connection to localhost's slot only, in urn:xmpp:privilege:1", async () => {
    const domain = "privileged.localhost";
    const own = await startEjabberd({
      components: [domain],
      balancing: { [domain]: { type: "bare_source", componentNumber: 3 } },
      modules: { mod_roster: {}, mod_privilege: { roster: { both: "all" }, message: { outgoing: "all" } } },
    });
    const announced: number[] = [];
    const connections: Component[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const xmpp = component({ service: own.service, domain, password: own.secret });
        xmpp.on("error", () => {});
        announced.push(0);
        xmpp.on("stanza", (s: Element) => {
          if (s.attrs.from === "localhost" && s.getChild("privilege", "urn:xmpp:privilege:1")) announced[i]! += 1;
        });
        connections.push(xmpp);
        await xmpp.start();
        await sleep(200);
      }
      for (const deadline = Date.now() + 3_000; announced.reduce((a, b) => a + b) < 3 && Date.now() < deadline; ) await sleep(20);
      // Three connections, three announcements, all to the one connection in localhost's slot:
      // the other two never learn their privileges (version 1 grants no iqs anyway: see ejabberdInterop.test.ts).
      expect([...announced].sort()).toEqual([0, 0, 3]);
    } finally {
      for (const xmpp of connections) {
        xmpp.reconnect.stop();
        await xmpp.stop().catch(() => {});
      }
      await own.stop();
    }
  });
});

describe("ejabberd 23.01 component listener serving several domains", () => {
  it("routes every domain of the listener to a connection that authenticated for one of them", async () => {
    const own = await startEjabberd({ components: ["x.localhost", "y.localhost"], sharedListener: true });
    const xmpp = component({ service: own.services["x.localhost"]!, domain: "x.localhost", password: own.secret });
    xmpp.on("error", () => {});
    const received: string[] = [];
    xmpp.on("stanza", (s: Element) => received.push(`${s.name} ${s.attrs.to}`));
    let alice: TestUser | undefined;
    try {
      await xmpp.start();
      await own.registerUser("alice", "pw");
      alice = await connectUser(own.c2sPort, "alice", "pw", "r");
      await alice.send(xml("message", { to: "room@y.localhost", type: "groupchat" }, xml("body", {}, "for y")));
      for (const deadline = Date.now() + 3_000; received.length === 0 && Date.now() < deadline; ) await sleep(20);
      expect(received).toEqual(["message room@y.localhost"]);
    } finally {
      await alice?.stop();
      xmpp.reconnect.stop();
      await xmpp.stop().catch(() => {});
      await own.stop();
    }
  });
});
