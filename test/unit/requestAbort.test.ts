import { describe, expect, it } from "vitest";
import { RequestAbort } from "../../src/actors/requestAbort.js";

describe("a request's cancellation", () => {
  it("aborts a signal made before the abort, with the reason", () => {
    const cancel = new RequestAbort();
    const signal = cancel.signal;
    expect(signal.aborted).toBe(false);
    cancel.abort("timeout");
    expect(cancel.aborted).toBe(true);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe("timeout");
  });

  it("hands out an aborted signal when asked only after the abort", () => {
    const cancel = new RequestAbort();
    cancel.abort("stopped");
    cancel.abort("again");
    expect(cancel.signal.aborted).toBe(true);
    expect(cancel.signal.reason).toBe("stopped");
    expect(cancel.signal).toBe(cancel.signal);
  });
});
