/**
 * What a process does with the stanzas of a user whose lease another process holds: the pure
 * decision, and the gate that holds stanzas (bounded) while it tries the lease. The leases here
 * are a fake whose answers the test scripts; test/cluster/leases.test.ts covers the real ones.
 */
import { describe, expect, it } from "vitest";
import type { AcquireResult, Leases } from "../../src/cluster/leases.js";
import { createOwnershipGate, decideOwnership, type OwnershipFacts } from "../../src/cluster/ownershipGate.js";

const heldElsewhere = (expiresInMs: number): AcquireResult => ({ heldBy: "gw-2", expiresAt: new Date(0), expiresInMs });
const facts = (over: Partial<OwnershipFacts>): OwnershipFacts => ({
  lease: heldElsewhere(10_000),
  waitedMs: 0,
  held: 1,
  maxWaitMs: 1_000,
  maxHeldPerUser: 3,
  pollMs: 250,
  ...over,
});

describe("deciding what to do with a stanza of a user", () => {
  it("serves it with the token when this process got the lease", () => {
    expect(decideOwnership(facts({ lease: { token: 7 } }))).toEqual({ action: "serve", token: 7 });
  });

  it("holds it and tries again at the holder's expiry when that comes before the next poll", () => {
    expect(decideOwnership(facts({ lease: heldElsewhere(40) }))).toEqual({ action: "hold", retryInMs: 45 });
  });

  it("holds it and polls while the holder's lease runs longer (it may release it or die sooner)", () => {
    expect(decideOwnership(facts({ lease: heldElsewhere(9_000) }))).toEqual({ action: "hold", retryInMs: 250 });
  });

  it("never holds it beyond the end of the wait", () => {
    expect(decideOwnership(facts({ waitedMs: 900 }))).toEqual({ action: "hold", retryInMs: 100 });
  });

  it("refuses it once the wait is over: the holder is alive and renewing", () => {
    expect(decideOwnership(facts({ waitedMs: 1_000 }))).toEqual({ action: "refuse", reason: "held-elsewhere" });
  });

  it("refuses it at once when too many of the user's stanzas are held already", () => {
    expect(decideOwnership(facts({ held: 4 }))).toEqual({ action: "refuse", reason: "too-many-held" });
  });
});

/** Leases whose `acquire` answers from a script: held elsewhere until `freeAfter` calls. */
function fakeLeases(freeAfter: number, expiresInMs = 10_000) {
  const tokens = new Map<string, number>();
  const adopted = new Set<string>();
  let calls = 0;
  const leases = {
    owner: "gw-1",
    ttlMs: 10_000,
    tokenOf: (user: string) => tokens.get(user),
    isAdopted: (user: string) => adopted.has(user),
    async acquire(user: string): Promise<AcquireResult> {
      calls++;
      if (calls <= freeAfter) return heldElsewhere(expiresInMs);
      tokens.set(user, 2);
      adopted.delete(user);
      return { token: 2 };
    },
  } as unknown as Leases;
  /** As `Leases.adopt` does for one user of a dead holder. */
  const adopt = (user: string) => [tokens.set(user, 2), adopted.add(user)];
  return { leases, calls: () => calls, adopt };
}

describe("the ownership gate", () => {
  it("serves an owned user's stanza at once without asking the database", async () => {
    const { leases, calls } = fakeLeases(0);
    await leases.acquire("juliet@capulet.lit");
    const gate = createOwnershipGate({ leases });
    expect(gate.owns("juliet@capulet.lit")).toBe(true);
    expect(await gate.admit("juliet@capulet.lit")).toEqual({ serve: true, token: 2 });
    expect(calls()).toBe(1);
  });

  it("sends the first stanza of a user held by adoption only through acquire, which makes the lease firm; later ones pass at once", async () => {
    const { leases, calls, adopt } = fakeLeases(0);
    adopt("juliet@capulet.lit");
    const gate = createOwnershipGate({ leases });
    expect(gate.owns("juliet@capulet.lit")).toBe(false);
    expect(await gate.admit("juliet@capulet.lit")).toEqual({ serve: true, token: 2 });
    expect(calls()).toBe(1);
    expect(gate.owns("juliet@capulet.lit")).toBe(true);
    expect(await gate.admit("juliet@capulet.lit")).toEqual({ serve: true, token: 2 });
    expect(calls()).toBe(1);
  });

  it("holds a foreign user's stanzas while the lease is held elsewhere, then serves them all, in order, once it is taken", async () => {
    const { leases, calls } = fakeLeases(2);
    const gate = createOwnershipGate({ leases, pollMs: 20 });
    const order: number[] = [];
    const admitted = [1, 2, 3].map((n) =>
      gate.admit("juliet@capulet.lit").then((a) => {
        order.push(n);
        return a;
      }),
    );
    expect(gate.waitingUsers).toBe(1);
    expect(await Promise.all(admitted)).toEqual([1, 2, 3].map(() => ({ serve: true, token: 2 })));
    expect(order).toEqual([1, 2, 3]);
    expect(calls()).toBe(3); // one acquire per try, not per stanza
    expect(gate.waitingUsers).toBe(0);
  });

  it("answers service-unavailable of type wait when the holder keeps the lease for the whole wait", async () => {
    const { leases } = fakeLeases(Number.POSITIVE_INFINITY);
    const gate = createOwnershipGate({ leases, maxWaitMs: 100, pollMs: 20 });
    const started = performance.now();
    const admission = await gate.admit("juliet@capulet.lit");
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    if (admission.serve) throw new Error("served a user held elsewhere");
    expect([admission.error.condition, admission.error.type]).toEqual(["service-unavailable", "wait"]);
    expect(admission.error.text).toMatch(/Another gateway process serves your rooms/);
  });

  it("refuses with resource-constraint of type wait beyond the stanzas it may hold for a user, and beyond the users", async () => {
    const { leases } = fakeLeases(Number.POSITIVE_INFINITY);
    const gate = createOwnershipGate({ leases, maxHeldPerUser: 2, maxWaitingUsers: 1, maxWaitMs: 50, pollMs: 10 });
    const first = [gate.admit("a@x"), gate.admit("a@x")];
    const third = await gate.admit("a@x");
    const otherUser = await gate.admit("b@x");
    for (const refused of [third, otherUser]) expect(refused.serve ? undefined : [refused.error.condition, refused.error.type]).toEqual(["resource-constraint", "wait"]);
    expect((await Promise.all(first)).map((a) => a.serve)).toEqual([false, false]);
  });

  it("refuses every held stanza when it is closed", async () => {
    const { leases } = fakeLeases(Number.POSITIVE_INFINITY);
    const gate = createOwnershipGate({ leases, pollMs: 10 });
    const held = gate.admit("juliet@capulet.lit");
    gate.close();
    const admission = await held;
    expect(admission.serve ? undefined : admission.error.text).toMatch(/stopping/);
    expect(gate.waitingUsers).toBe(0);
  });

  it("refuses bad options with a TypeError naming the option", () => {
    const { leases } = fakeLeases(0);
    expect(() => createOwnershipGate({ leases, maxWaitMs: 0 })).toThrow(/maxWaitMs option must be an integer from 1 to 600000/);
    expect(() => createOwnershipGate({ leases: {} as Leases })).toThrow(/leases option must be the Leases of createLeases/);
  });
});
