/**
 * The gateway's side of the leases: `createOwnership` over a scripted fake of the leases, and
 * `createGateway`'s use of an ownership (no server: stanzas are handed to the connection's entity
 * and the answers stay in the offline outbox). test/e2e/ownership.test.ts runs it end to end.
 */
import { fileURLToPath } from "node:url";
import { type Element, xml } from "@xmpp/component";
import { afterEach, describe, expect, it } from "vitest";
import { createOwnership } from "../../src/cluster/gatewayOwnership.js";
import type { AcquireResult, LeaseEvents, Leases } from "../../src/cluster/leases.js";
import { type Gateway, type GatewayOwnership, createGateway } from "../../src/createGateway.js";
import { createCallLog } from "../../src/demo/callLog.js";
import { loadFixture } from "../../src/demo/fixture.js";
import { createFixtureNetwork } from "../../src/demo/fixtureNetwork.js";
import { LeaseLostError } from "../../src/store/errors.js";
import { createMemoryStore } from "../../src/store/memoryStore.js";
import type { Store } from "../../src/store/types.js";

const ALICE = "alice@localhost";
const DOMAIN = "muc.example.org";

/** Leases that another process always holds; `lose(user)` plays a renewal that found it taken over. */
function heldElsewhere() {
  const lost = new Set<LeaseEvents["lost"]>();
  let renewals = 0;
  const leases = {
    owner: "gw-1",
    ttlMs: 10_000,
    tokenOf: () => undefined,
    isAdopted: () => false,
    acquire: async (): Promise<AcquireResult> => ({ heldBy: "gw-2", expiresAt: new Date(0), expiresInMs: 10_000 }),
    renew: async () => {
      renewals++;
      return [];
    },
    on: (type: keyof LeaseEvents, listener: LeaseEvents["lost"]) => {
      if (type !== "lost") return () => {};
      lost.add(listener);
      return () => lost.delete(listener);
    },
  } as unknown as Leases;
  const lose = (user: string) => {
    for (const listener of lost) listener(user, 1);
  };
  return { leases, renewals: () => renewals, lose };
}

describe("createOwnership: the ownership gate as a gateway's ownership", () => {
  it("answers a stanza of a user another process holds, after the wait, with service-unavailable of type wait", async () => {
    const { leases } = heldElsewhere();
    const ownership = createOwnership({ leases, maxWaitMs: 30, pollMs: 10 });
    expect(ownership.owns(ALICE)).toBe(false);
    expect(await ownership.admit(ALICE)).toEqual({
      condition: "service-unavailable",
      type: "wait",
      text: "Another gateway process serves your rooms right now; try again in a few seconds",
    });
  });

  it("tells its listeners about a lost user, renews at once when a write was refused, and refuses what it holds when closed", async () => {
    const fake = heldElsewhere();
    const ownership = createOwnership({ leases: fake.leases, pollMs: 10 });
    const lost: string[] = [];
    ownership.onLost((user) => lost.push(user));
    fake.lose(ALICE);
    expect(lost).toEqual([ALICE]);
    ownership.suspect(ALICE);
    expect(fake.renewals()).toBe(1);
    const held = ownership.admit(ALICE);
    ownership.close();
    expect(await held).toMatchObject({ condition: "service-unavailable", type: "wait", text: expect.stringMatching(/stopping/) });
  });
});

describe("createGateway({ ownership })", () => {
  let gateway: Gateway | undefined;
  afterEach(async () => {
    await gateway?.registry.shutdown();
    gateway = undefined;
  });

  /** A gateway that is never started, on the demo fixture, with `ownership` and `store`. */
  async function offlineGateway(ownership: GatewayOwnership, store: Store): Promise<Gateway> {
    const fixture = await loadFixture(fileURLToPath(new URL("../../fixtures/demo.json", import.meta.url)));
    gateway = createGateway({ domain: DOMAIN, secret: "s", service: "xmpp://127.0.0.1:1", plugin: createFixtureNetwork(fixture, createCallLog(undefined)), store, uploadService: false, ownership });
    return gateway;
  }
  const deliver = (g: Gateway, stanza: Element) => g.connection.entity.emit("stanza", stanza);

  it("makes the ownership check the lease at once when the store refuses a write of the user with LeaseLostError", async () => {
    const suspected: string[] = [];
    const ownership: GatewayOwnership = { owns: () => true, admit: async () => undefined, onLost: () => () => {}, suspect: (user) => suspected.push(user), close: () => {} };
    const inner = createMemoryStore({ retentionDays: Number.POSITIVE_INFINITY });
    const store = new Proxy(inner, {
      get(target, name) {
        if (name === "archive") {
          return () => {
            throw new LeaseLostError(ALICE, 1);
          };
        }
        const value = Reflect.get(target, name);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const g = await offlineGateway(ownership, store);
    deliver(g, xml("presence", { from: `${ALICE}/r`, to: `lobby@${DOMAIN}/alice` }, xml("x", { xmlns: "http://jabber.org/protocol/muc" })));
    for (const deadline = Date.now() + 5_000; !g.registry.roomsOf(ALICE).some((r) => r.snapshot.context.resources.length > 0) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 5));
    deliver(g, xml("message", { from: `${ALICE}/r`, to: `lobby@${DOMAIN}`, type: "groupchat", id: "m1" }, xml("body", {}, "hi")));
    for (const deadline = Date.now() + 5_000; suspected.length === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 5));
    expect([...new Set(suspected)]).toEqual([ALICE]); // each refused write (the join's history too) asks again
  });

  it("starts the legacy session of a user adopted from a dead process at once, before any stanza of theirs; the others wait for theirs", async () => {
    let adopt: (user: string) => void = () => {};
    const ownership: GatewayOwnership = {
      owns: () => false,
      admit: async () => undefined,
      onLost: () => () => {},
      onAdopted: (listener) => {
        adopt = listener;
        return () => {};
      },
      suspect: () => {},
      close: () => {},
    };
    const g = await offlineGateway(ownership, createMemoryStore({ retentionDays: Number.POSITIVE_INFINITY }));
    g.connection.entity.emit("online");
    await new Promise((r) => setTimeout(r, 50));
    expect(g.sessions.all().map((s) => s.user)).toEqual([]); // the plugin's users are not held here
    adopt(ALICE);
    for (const deadline = Date.now() + 5_000; g.registry.roomsOf(ALICE).length === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 5));
    expect(g.sessions.all().map((s) => s.user)).toEqual([ALICE]);
    expect(g.registry.roomsOf(ALICE).map((r) => r.jid)).toEqual([`lobby@${DOMAIN}`]); // its login bookmarked the lobby
  });

  it("refuses an ownership that is not a GatewayOwnership, naming the missing method", () => {
    const plugin = { createSession: () => null };
    expect(() => createGateway({ domain: DOMAIN, secret: "s", service: "xmpp://127.0.0.1:1", plugin, ownership: { owns: () => true } as never })).toThrow(
      /ownership option must be a GatewayOwnership \(it has no admit\(\) method\)/,
    );
  });
});
