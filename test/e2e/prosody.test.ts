/**
 * The test bed itself: a real Prosody on loopback accepts a real client and a real component.
 */
import type { EventEmitter } from "node:events";
import { type Component, component, type Element, type JID } from "@xmpp/component";
import { afterEach, describe, expect, it } from "vitest";
import { type ProsodyHandle, startProsody } from "../../src/testbed/prosody.js";

/** The part of `@xmpp/client` 0.14 used here (the package ships no typings). */
interface XmppClient extends EventEmitter {
  start(): Promise<JID>;
  stop(): Promise<void>;
}
type ClientFactory = (options: {
  service: string;
  domain: string;
  username: string;
  password: string;
  resource?: string;
}) => XmppClient;

// A non-literal specifier keeps tsc from asking for the typings @xmpp/client does not have.
const CLIENT_PACKAGE: string = "@xmpp/client";
const loadClient = async (): Promise<ClientFactory> =>
  ((await import(/* @vite-ignore */ CLIENT_PACKAGE)) as { client: ClientFactory }).client;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what}: no result after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function connectComponent(prosody: ProsodyHandle, domain: string, errors: unknown[]): Component {
  const entity = component({ service: prosody.service, domain, password: prosody.secret });
  entity.on("error", (error: unknown) => errors.push(error));
  return entity;
}

describe("Prosody test bed", () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  it("a real client logs in to the test bed Prosody", async () => {
    const domain = "gw-e2e.localhost";
    const prosody = await startProsody({ components: [domain] });
    cleanups.push(() => prosody.stop());
    expect(prosody.service).toBe(`xmpp://127.0.0.1:${prosody.componentPort}`);
    expect(isRunning(prosody.pid)).toBe(true);

    await prosody.registerUser("alice", "s3cret pass");
    const client = await loadClient();
    const user = client({
      service: `xmpp://127.0.0.1:${prosody.c2sPort}`,
      domain: "localhost",
      username: "alice",
      password: "s3cret pass",
      resource: "e2e",
    });
    const clientErrors: unknown[] = [];
    user.on("error", (error: unknown) => clientErrors.push(error));
    cleanups.push(() => user.stop());
    const online = new Promise<JID>((done) => user.once("online", done));
    await withTimeout(user.start(), 10_000, "client start");
    const address = await withTimeout(online, 10_000, "client online");
    expect(address.bare().toString()).toBe("alice@localhost");
    expect(address.resource).toBe("e2e");

    const componentErrors: unknown[] = [];
    const gateway = connectComponent(prosody, domain, componentErrors);
    cleanups.push(() => gateway.stop());
    const componentOnline = new Promise<JID>((done) => gateway.once("online", done));
    await withTimeout(gateway.start(), 10_000, "component start");
    expect((await withTimeout(componentOnline, 10_000, "component online")).toString()).toBe(domain);
    expect(gateway.status).toBe("online");

    await user.stop();
    await gateway.stop();
    expect(clientErrors).toEqual([]);
    expect(componentErrors).toEqual([]);

    await prosody.stop({ removeDir: true });
    expect(isRunning(prosody.pid)).toBe(false);
  });

  it("grants XEP-0356 privileges to components when asked", async () => {
    const domain = "priv-e2e.localhost";
    const prosody = await startProsody({ components: [domain], privileged: true, nativeMuc: true });
    cleanups.push(() => prosody.stop());

    const errors: unknown[] = [];
    const gateway = connectComponent(prosody, domain, errors);
    cleanups.push(() => gateway.stop());
    const advertised = new Promise<Element>((done) => {
      gateway.on("stanza", (stanza: Element) => {
        const privilege = stanza.getChild("privilege", "urn:xmpp:privilege:2");
        if (stanza.is("message") && privilege) done(privilege);
      });
    });
    await withTimeout(gateway.start(), 10_000, "component start");
    const privilege = await withTimeout(advertised, 10_000, "privilege advertisement");
    const perms = Object.fromEntries(
      privilege.getChildren("perm").map((perm) => [perm.attrs.access, perm.attrs.type ?? "namespaces"]),
    );
    expect(perms).toMatchObject({ roster: "both", message: "outgoing", iq: "namespaces" });
    const namespaces = privilege
      .getChildren("perm")
      .find((perm) => perm.attrs.access === "iq")
      ?.getChildren("namespace")
      .map((ns) => `${ns.attrs.ns}=${ns.attrs.type}`);
    expect(namespaces).toEqual(["http://jabber.org/protocol/pubsub=both"]);

    await gateway.stop();
    expect(errors).toEqual([]);
    await prosody.stop({ removeDir: true });
    expect(isRunning(prosody.pid)).toBe(false);
  });
});
