/**
 * The registry's look-up of a running room, which every stanza to a room makes: it arms no
 * timer (the idle cache's default clock resolution armed one per look-up more than 1 ms apart).
 */
import { describe, expect, it, vi } from "vitest";
import { ALICE, DOMAIN, fixtureHarness, joined, lobbyFixture } from "../helpers/harness.js";

describe("looking up a running room", () => {
  it("returns the room's actor and arms no timer", async () => {
    const h = fixtureHarness(lobbyFixture());
    const actor = await joined(h, "lobby", ["phone"]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const timers = vi.spyOn(globalThis, "setTimeout");
    try {
      expect(h.registry.peek(ALICE, `lobby@${DOMAIN}`)).toBe(actor);
      expect(h.registry.peek(ALICE, `lobby@${DOMAIN}`)).toBe(actor);
      expect(timers).not.toHaveBeenCalled();
    } finally {
      timers.mockRestore();
    }
  });
});
