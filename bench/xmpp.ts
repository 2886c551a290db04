/**
 * What the benchmarks share: real XMPP clients on the test-bed Prosody, bare components for the
 * baselines, a fixture gateway, and small waiting helpers.
 */
import { type Client, client, xml as clientXml } from "@xmpp/client";
import { type Component, type Element, component } from "@xmpp/component";
import { createGateway, type Gateway } from "../src/createGateway.js";
import { createCallLog } from "../src/demo/callLog.js";
import { parseFixture } from "../src/demo/fixture.js";
import { createFixtureNetwork } from "../src/demo/fixtureNetwork.js";
import type { Store } from "../src/store/types.js";
import type { ProsodyHandle } from "../src/testbed/prosody.js";

export type { Client } from "@xmpp/client";
/** A stanza as @xmpp/client hands it over (its own copy of ltx, same shape). */
export type Stanza = Parameters<Parameters<Client["on"]>[1]>[0] & Element;

export const MUC = "http://jabber.org/protocol/muc";
export const PASSWORD = "bench-pw";

/** Progress lines on stderr when BENCH_VERBOSE is set. */
export function log(...parts: unknown[]): void {
  if (process.env.BENCH_VERBOSE) console.error(`  [${new Date().toISOString().slice(11, 23)}]`, ...parts);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A full collection (needs `--expose-gc`, which `npm run bench` passes). */
export function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  collect?.();
}

/** Rejects after `ms` with a message naming what was awaited. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`bench: timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Turns off Nagle's algorithm on an entity's socket, as the gateway does on its own. */
export function noDelay(entity: unknown): void {
  (entity as { socket?: { setNoDelay?: (on: boolean) => void } | null }).socket?.setNoDelay?.(true);
}

/**
 * A connected client `username@localhost/resource`. Authenticates with PLAIN (loopback, no TLS):
 * @xmpp/client would otherwise pick SCRAM-SHA-1, whose 4,096 PBKDF2 rounds dominate when
 * hundreds of clients connect.
 */
export async function connectClient(c2sPort: number, username: string, resource: string, password = PASSWORD): Promise<Client> {
  const xmpp = client({
    service: `xmpp://127.0.0.1:${c2sPort}`,
    domain: "localhost",
    resource,
    credentials: (async (authenticate: (c: object, mechanism: string) => Promise<void>) => {
      await authenticate({ username, password }, "PLAIN");
    }) as never,
  });
  xmpp.on("error", () => {});
  await xmpp.start();
  xmpp.reconnect.stop();
  noDelay(xmpp);
  return xmpp;
}

/**
 * Gives an entity's socket an `error` listener of its own: @xmpp detaches its listeners when it
 * stops, and a reset that arrives after that (Prosody killed while busy) would crash the process.
 */
export function muffle(entity: unknown): void {
  (entity as { socket?: { on(event: "error", listener: () => void): void } | null }).socket?.on("error", () => {});
}

/** Stops clients without waiting long for a polite close. */
export async function stopClients(clients: Client[]): Promise<void> {
  for (const c of clients) muffle(c);
  await Promise.allSettled(clients.map((c) => within(c.stop(), 2000, "client stop")));
}

/** Stops a gateway, muffling late socket errors. */
export async function stopGateway(gateway: Gateway): Promise<void> {
  muffle(gateway.connection.entity);
  await within(gateway.stop(), 10_000, "gateway stop").catch(() => {});
}

/** Stops a bare component, muffling late socket errors. */
export async function stopComponent(entity: Component): Promise<void> {
  muffle(entity);
  await within(entity.stop(), 2000, "component stop").catch(() => {});
}

/** A bare XEP-0114 component on `domain`, with TCP_NODELAY like the gateway's socket. */
export async function startComponent(prosody: ProsodyHandle, domain: string): Promise<Component> {
  const entity = component({ service: prosody.service, domain, password: prosody.secret });
  entity.removeAllListeners("element"); // no iq middleware: stanzas only
  entity.on("error", () => {});
  await entity.start();
  entity.reconnect.stop();
  noDelay(entity);
  return entity;
}

/** Writes stanzas through a bare component, waiting for `drain` while the socket holds more than `highWaterMark` bytes. */
export async function pushAll(entity: Component, stanzas: Element[], highWaterMark = 256 * 1024): Promise<void> {
  for (const stanza of stanzas) {
    const socket = entity.socket;
    if (socket && socket.writableLength > highWaterMark) await new Promise((r) => socket.once("drain", r));
    void entity.send(stanza).catch(() => {});
  }
}

/** Fixture rooms as the README's fixture format writes them (only the fields used here). */
export interface BenchRoom {
  id: string;
  generatedParticipants?: number;
  participants?: Array<{ nick: string }>;
  userNick?: string;
  subject?: string;
}

/** A started mucstate gateway on `domain`, backed by the demo's fixture network for `users`. */
export async function startFixtureGateway(
  prosody: ProsodyHandle,
  domain: string,
  users: string[],
  rooms: BenchRoom[],
  store: Store,
  options: { mailboxSize?: number } = {},
): Promise<Gateway> {
  const fixture = parseFixture({ users, rooms });
  const gateway = createGateway({
    domain,
    secret: prosody.secret,
    service: prosody.service,
    plugin: createFixtureNetwork(fixture, createCallLog(process.env.BENCH_CALLS)),
    store,
    ...(options.mailboxSize ? { mailboxSize: options.mailboxSize } : {}),
  });
  await gateway.start();
  return gateway;
}

/** Registers users `prefix0..prefix{n-1}` by writing their account files. */
export async function registerUsers(prosody: ProsodyHandle, names: string[]): Promise<void> {
  for (let i = 0; i < names.length; i += 200) await Promise.all(names.slice(i, i + 200).map((n) => prosody.registerUser(n, PASSWORD)));
}

/** Resolves on the first stanza a client receives that satisfies `match`. */
export function nextStanza(xmpp: Client, match: (s: Stanza) => boolean, ms = 30_000, what = "a stanza"): Promise<Stanza> {
  let listener: ((s: Stanza) => void) | undefined;
  const found = new Promise<Stanza>((resolve) => {
    listener = (s: Stanza) => {
      if (match(s)) resolve(s);
    };
    xmpp.on("stanza", listener as never);
  });
  return within(found, ms, what).finally(() => xmpp.removeListener("stanza", listener as never));
}

/** Connects `count` clients in parallel batches (`make(i)` connects client i). */
export async function connectMany<T>(count: number, batch: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i += batch) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(batch, count - i) }, (_, k) => make(i + k)))));
  }
  return out;
}

/** Joins `room` as alice without history; resolves on the subject (the end of the join). */
export async function joinRoom(c: Client, room: string): Promise<void> {
  const subject = nextStanza(c, (s) => s.is("message") && s.getChild("subject") !== undefined && s.attrs.from?.startsWith(room) === true, 30_000, `subject of ${room}`);
  await c.send(clientXml("presence", { to: `${room}/alice` }, clientXml("x", { xmlns: MUC }, clientXml("history", { maxstanzas: "0" }))));
  await subject;
}
