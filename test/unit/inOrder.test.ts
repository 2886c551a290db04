/**
 * A room's steps in order (`src/actors/inOrder.ts`): synchronous steps run at once, a step that
 * waits holds the later ones, a step started inside another is waited for too, and a failed
 * step goes to `onError` without stopping the next.
 */
import { describe, expect, it } from "vitest";
import { InOrder } from "../../src/actors/inOrder.js";

const tick = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe("steps in order", () => {
  it("runs synchronous steps at once, in the call", () => {
    const steps = new InOrder(() => {});
    const ran: number[] = [];
    steps.run(() => void ran.push(1));
    steps.run(() => void ran.push(2));
    expect(ran).toEqual([1, 2]);
    expect(steps.busy).toBe(false);
  });

  it("holds the steps after one that waits, also a step that waits inside another, until they are done", async () => {
    const steps = new InOrder(() => {});
    const ran: string[] = [];
    steps.run(() => {
      // Started inside the outer step and slower than it.
      steps.run(() => tick(30).then(() => void ran.push("inner")));
      return tick(5).then(() => void ran.push("outer"));
    });
    steps.run(() => void ran.push("next"));
    expect(ran).toEqual([]);
    expect(steps.busy).toBe(true);
    await steps.idle();
    expect(ran).toEqual(["outer", "inner", "next"]);
    expect(steps.busy).toBe(false);
  });

  it("gives a failed step's error to onError and runs the next step", async () => {
    const errors: unknown[] = [];
    const steps = new InOrder((e) => errors.push(e));
    const ran: string[] = [];
    steps.run(() => Promise.reject(new Error("rejected")));
    steps.run(() => {
      throw new Error("thrown");
    });
    steps.run(() => void ran.push("after"));
    await steps.idle();
    expect(errors.map((e) => (e as Error).message)).toEqual(["rejected", "thrown"]);
    expect(ran).toEqual(["after"]);
  });
});
