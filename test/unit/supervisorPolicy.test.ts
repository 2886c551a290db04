import { describe, expect, it } from "vitest";
import { SupervisorPolicy } from "../../src/cluster/supervisorPolicy.js";

/** A policy with 2 active workers (1, 2) and the spare (3), all ready at t=100; 1 and 2 told to connect. */
function running(options: { heartbeatTimeoutMs?: number; maxRestarts?: number; restartWindowMs?: number } = {}) {
  const policy = new SupervisorPolicy({ active: 2, ...options });
  const start = policy.start(0);
  const connects = [1, 2, 3].flatMap((id) => policy.ready(id, 100));
  return { policy, start, connects };
}

describe("supervisor policy", () => {
  it("forks the active workers and one spare, and tells only the active ones to connect once ready", () => {
    const { start, connects, policy } = running();
    expect(start).toEqual([
      { kind: "fork", id: 1, role: "active" },
      { kind: "fork", id: 2, role: "active" },
      { kind: "fork", id: 3, role: "spare" },
    ]);
    expect(connects).toEqual([
      { kind: "connect", id: 1 },
      { kind: "connect", id: 2 },
    ]);
    expect(policy.workers.find((w) => w.id === 3)).toMatchObject({ role: "spare", ready: true, connected: false });
  });

  it("when an active worker exits, the ready spare connects at once in its place and a new spare is forked", () => {
    const { policy } = running();
    expect(policy.exited(1, 500)).toEqual([
      { kind: "connect", id: 3, replaces: 1 },
      { kind: "fork", id: 4, role: "spare" },
    ]);
    expect(policy.ready(4, 600)).toEqual([]); // the new spare waits
    expect(policy.workers.map((w) => [w.id, w.role])).toEqual([
      [2, "active"],
      [3, "active"],
      [4, "spare"],
    ]);
  });

  it("a spare promoted before it was ready connects as soon as it is", () => {
    const policy = new SupervisorPolicy({ active: 1 });
    policy.start(0);
    policy.ready(1, 10);
    expect(policy.exited(1, 20)).toEqual([{ kind: "fork", id: 3, role: "spare" }]);
    expect(policy.ready(2, 30)).toEqual([{ kind: "connect", id: 2, replaces: 1 }]);
  });

  it("with no spare left (the spare is being killed), an exited active worker is replaced by a new active one", () => {
    const policy = new SupervisorPolicy({ active: 1, heartbeatTimeoutMs: 1_000 });
    policy.start(0);
    policy.ready(1, 0);
    policy.ready(2, 0);
    policy.heartbeat(1, 1_500);
    expect(policy.tick(1_600)).toEqual([{ kind: "kill", id: 2, reason: "no heartbeat for 1600 ms (timeout 1000 ms)" }]);
    expect(policy.exited(1, 1_700)).toEqual([
      { kind: "fork", id: 3, role: "active" },
      { kind: "fork", id: 4, role: "spare" },
    ]);
    expect(policy.ready(3, 1_800)).toEqual([{ kind: "connect", id: 3, replaces: 1 }]); // it adopts worker 1's users
  });

  it("without a spare, an exited active worker is replaced by a new active one, which connects once ready", () => {
    const policy = new SupervisorPolicy({ active: 2, spare: false });
    expect(policy.start(0)).toEqual([
      { kind: "fork", id: 1, role: "active" },
      { kind: "fork", id: 2, role: "active" },
    ]);
    policy.ready(1, 10);
    expect(policy.exited(1, 20)).toEqual([{ kind: "fork", id: 3, role: "active" }]);
    expect(policy.ready(3, 30)).toEqual([{ kind: "connect", id: 3, replaces: 1 }]);
  });

  it("kills a worker silent for longer than the timeout, once, and only that one", () => {
    const { policy } = running({ heartbeatTimeoutMs: 5_000 });
    for (const t of [1_000, 2_000, 3_000, 4_000, 5_000, 6_000]) {
      policy.heartbeat(2, t);
      policy.heartbeat(3, t);
    }
    expect(policy.tick(5_100)).toEqual([]); // worker 1 silent since 100: exactly 5 000 ms
    expect(policy.tick(5_101)).toEqual([{ kind: "kill", id: 1, reason: "no heartbeat for 5001 ms (timeout 5000 ms)" }]);
    expect(policy.tick(9_000)).toEqual([]); // not twice
    // its exit is then a failover like any other
    expect(policy.exited(1, 9_100)[0]).toEqual({ kind: "connect", id: 3, replaces: 1 });
  });

  it("gives a starting worker the start timeout, not the heartbeat timeout, before its first report", () => {
    const policy = new SupervisorPolicy({ active: 1, heartbeatTimeoutMs: 3_000, startTimeoutMs: 20_000 });
    policy.start(0);
    policy.ready(1, 100);
    policy.heartbeat(1, 19_000);
    expect(policy.tick(19_000)).toEqual([]); // the spare (2) is still starting after 19 s: a loaded machine
    expect(policy.tick(20_001)).toEqual([{ kind: "kill", id: 2, reason: "not ready 20001 ms after its start (start timeout 20000 ms)" }]);
  });

  it("gives up with a clear reason when workers exit more often than the crash-loop guard allows", () => {
    const { policy } = running({ maxRestarts: 2, restartWindowMs: 10_000 });
    expect(policy.exited(1, 1_000).length).toBe(2);
    expect(policy.exited(2, 2_000).length).toBeGreaterThan(0);
    expect(policy.exited(3, 3_000)).toEqual([{ kind: "give-up", reason: "crash loop: 3 worker exits within 10 s (at most 2); giving up" }]);
    expect(policy.exited(4, 3_100)).toEqual([]); // nothing more after giving up
  });

  it("exits older than the window do not count towards the crash-loop guard", () => {
    const { policy } = running({ maxRestarts: 1, restartWindowMs: 1_000 });
    expect(policy.exited(1, 1_000)[0]?.kind).toBe("connect");
    expect(policy.exited(2, 5_000).map((a) => a.kind)).toEqual(["fork"]); // the first exit is 4 s old: no give-up
  });
});
