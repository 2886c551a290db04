/**
 * The soak script's accounting (bench/soak): what it calls lost, duplicated and stray, and how it
 * measures RSS drift after warm-up. The soak itself is `npm run soak`, not part of the suite.
 */
import { describe, expect, it } from "vitest";
import { rssDrift, soakSettings, verdict } from "../../bench/soak/figures.js";
import { Ledger } from "../../bench/soak/ledger.js";

const A = "u@localhost/a";
const B = "u@localhost/b";
const ROOM = "r1@soak.localhost";

describe("soak ledger", () => {
  it("a copy owed to every joined resource counts delivered once, lost when it never comes", () => {
    const ledger = new Ledger();
    ledger.sent("m1", ROOM, [A, B]);
    expect(ledger.received("m1", A)).toBe("delivered");
    expect(ledger.owedTo(B, ROOM)).toBe(1);
    expect(ledger.outstanding).toBe(1);
    expect(ledger.report()).toMatchObject({ sent: 1, owed: 2, delivered: 1, lost: 1, duplicated: 0, stray: 0 });
  });

  it("a second copy is duplicated; a copy to a resource not in the room is stray", () => {
    const ledger = new Ledger();
    ledger.sent("m1", ROOM, [A]);
    ledger.received("m1", A);
    expect(ledger.received("m1", A)).toBe("duplicated");
    expect(ledger.received("m1", B)).toBe("stray");
    expect(ledger.received("never-sent", A)).toBe("stray");
    expect(ledger.report()).toMatchObject({ owed: 1, delivered: 1, lost: 0, duplicated: 1, stray: 2 });
  });

  it("a resource joining or leaving may get a copy once, never twice", () => {
    const ledger = new Ledger();
    ledger.sent("m1", ROOM, [A], [B]);
    ledger.sent("m2", ROOM, [A], [B]);
    ledger.received("m1", A);
    ledger.received("m2", A);
    expect(ledger.received("m1", B)).toBe("maybe");
    expect(ledger.report()).toMatchObject({ owed: 2, delivered: 2, lost: 0, duplicated: 0, maybeDelivered: 1 });
    expect(ledger.received("m1", B)).toBe("duplicated");
  });

  it("a message the gateway refused is owed to nobody and counted apart", () => {
    const ledger = new Ledger();
    ledger.sent("m1", ROOM, [A, B]);
    ledger.refused("m1");
    expect(ledger.owedTo(A, ROOM)).toBe(0);
    expect(ledger.report()).toMatchObject({ sent: 1, refused: 1, owed: 0, lost: 0 });
  });
});

describe("soak figures", () => {
  const samples = [
    { minute: 0, rssMiB: 150, heapMiB: 20 },
    { minute: 1, rssMiB: 120, heapMiB: 22 },
    { minute: 2, rssMiB: 100, heapMiB: 24 },
    { minute: 3, rssMiB: 104, heapMiB: 24 },
    { minute: 4, rssMiB: 108, heapMiB: 25 },
  ];

  it("RSS drift is measured from the first sample at or after warm-up", () => {
    const drift = rssDrift(samples, 2)!;
    expect(drift.baseline.minute).toBe(2);
    expect(drift.rssEnd).toBeCloseTo(0.08);
    expect(drift.rssMax).toBeCloseTo(0.08);
    expect(drift.rssMin).toBe(0);
    expect(drift.heapEnd).toBeCloseTo(25 / 24 - 1);
    expect(rssDrift(samples, 5)).toBeUndefined();
  });

  it("the verdict fails on any loss, duplicate, stray copy, or RSS growth beyond 10 %, not on RSS given back", () => {
    const clean = { sent: 10, refused: 0, owed: 10, delivered: 10, lost: 0, duplicated: 0, stray: 0, maybeDelivered: 0 };
    expect(verdict(clean, rssDrift(samples, 2), 0.1)).toEqual({ ok: true, failures: [] });
    expect(verdict({ ...clean, lost: 1, duplicated: 2 }, rssDrift(samples, 2), 0.1).failures).toEqual(["1 lost", "2 duplicated"]);
    expect(verdict(clean, rssDrift(samples, 1), 0.1).ok).toBe(true); // 120 → 100 MiB
    const growing = [...samples, { minute: 5, rssMiB: 111, heapMiB: 30 }];
    expect(verdict(clean, rssDrift(growing, 2), 0.1).failures).toEqual(["RSS grew 11.0 % after warm-up (limit 10 %)"]);
  });

  it("--minutes 10 means 1,000 rooms prefilled with 100 messages each, a 2-minute warm-up and a sample a minute", () => {
    expect(soakSettings(["--minutes", "10"])).toMatchObject({ minutes: 10, rooms: 1000, users: 50, prefill: 100, warmup: 2, sampleS: 60, maxRooms: 800 });
    expect(soakSettings(["--prefill", "0"]).prefill).toBe(0);
    expect(() => soakSettings(["--prefill", "-1"])).toThrow("--prefill must be a non-negative number, got -1");
    expect(() => soakSettings(["--rooms", "0"])).toThrow("--rooms must be a positive number, got 0");
    expect(() => soakSettings(["--rooms", "10", "--users", "3"])).toThrow("multiple of --users");
    expect(() => soakSettings(["--minuts", "1"])).toThrow("unknown flag --minuts");
  });
});
