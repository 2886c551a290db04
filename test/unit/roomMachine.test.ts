import { describe, expect, it, vi } from "vitest";
import { createActor, fromPromise } from "xstate";
import type { QueuedRequest, RequestOutcome, RoomEmitted } from "../../src/machines/roomEvents.js";
import { fromRequestRunner } from "../../src/machines/requestRunner.js";
import { roomMachine } from "../../src/machines/roomMachine.js";

/** A promise whose settlement the test controls. */
function gate<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function start(overrides: {
  updateInfo?: () => Promise<void>;
  fillParticipants?: () => Promise<void>;
  backfill?: () => Promise<void>;
  runRequest?: (r: QueuedRequest) => Promise<RequestOutcome>;
  mailboxSize?: number;
  callbackTimeoutMs?: number;
}) {
  const calls: string[] = [];
  const machine = roomMachine.provide({
    actors: {
      updateInfo: fromPromise(async () => {
        calls.push("updateInfo");
        await overrides.updateInfo?.();
      }),
      fillParticipants: fromPromise(async () => {
        calls.push("fillParticipants");
        await overrides.fillParticipants?.();
      }),
      backfill: fromPromise(async () => {
        calls.push("backfill");
        await overrides.backfill?.();
      }),
      runRequest: fromRequestRunner(async (request) => {
        calls.push(`run:${request.id}`);
        return overrides.runRequest ? overrides.runRequest(request) : { id: request.id, destroyed: false };
      }),
    },
  });
  const actor = createActor(machine, {
    input: { mailboxSize: overrides.mailboxSize ?? 10, callbackTimeoutMs: overrides.callbackTimeoutMs ?? 1000 },
  });
  const emitted: RoomEmitted[] = [];
  actor.on("*", (e) => emitted.push(e as RoomEmitted));
  actor.start();
  return { actor, emitted, calls };
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
/** The lifecycle state, with `joined`'s substates (streaming a join sequence, live) folded into "joined". */
const lifecycle = (a: ReturnType<typeof start>["actor"]) => {
  const value = (a.getSnapshot().value as { active: { lifecycle: unknown } }).active.lifecycle;
  return typeof value === "object" && value !== null && "joined" in value ? "joined" : value;
};

describe("room machine lifecycle", () => {
  it("goes uninitialized → infoFetched → participantsFilled → joined and back when the last resource leaves", async () => {
    const info = gate();
    const { actor, emitted, calls } = start({ updateInfo: () => info.promise });
    expect(lifecycle(actor)).toEqual({ uninitialized: "fetching" });
    actor.send({ type: "join", id: "j1", resource: "phone", history: false });
    info.resolve();
    await tick();
    expect(lifecycle(actor)).toBe("joined");
    expect(calls).toEqual(["updateInfo", "fillParticipants"]);
    expect(emitted).toEqual([{ type: "join.ready", id: "j1", resource: "phone", entered: true, first: true }]);
    actor.send({ type: "join", id: "j2", resource: "laptop", history: false });
    // A second join of a resource in the room only gets its join sequence again: it enters nothing.
    actor.send({ type: "join", id: "j2b", resource: "laptop", history: false });
    actor.send({ type: "leave", resource: "phone" });
    expect(lifecycle(actor)).toBe("joined");
    actor.send({ type: "leave", resource: "laptop" });
    expect(lifecycle(actor)).toBe("participantsFilled");
    expect(emitted.slice(1)).toEqual([
      { type: "join.ready", id: "j2", resource: "laptop", entered: true, first: false },
      { type: "join.ready", id: "j2b", resource: "laptop", entered: false, first: false },
      { type: "left", resource: "phone", last: false },
      { type: "left", resource: "laptop", last: true },
    ]);
    actor.send({ type: "join", id: "j3", resource: "phone", history: false });
    expect(calls.filter((c) => c === "fillParticipants")).toHaveLength(1);
    expect(lifecycle(actor)).toBe("joined");
    expect(emitted.at(-1)).toEqual({ type: "join.ready", id: "j3", resource: "phone", entered: true, first: true });
  });

  it("goes live when the last of two join sequences going out ends, not before", async () => {
    const { actor, emitted } = start({});
    const joined = () => (actor.getSnapshot().value as { active: { lifecycle: { joined?: string } } }).active.lifecycle.joined;
    actor.send({ type: "join", id: "j1", resource: "phone", history: false });
    await tick();
    actor.send({ type: "join", id: "j2", resource: "laptop", history: false });
    expect(emitted.filter((e) => e.type === "join.ready").map((e) => e.type === "join.ready" && e.id)).toEqual(["j1", "j2"]);
    expect(actor.getSnapshot().context.streaming).toEqual(["phone", "laptop"]);
    actor.send({ type: "join.streamed", resource: "phone" });
    expect(joined()).toBe("streaming");
    expect(actor.getSnapshot().context.streaming).toEqual(["laptop"]);
    actor.send({ type: "join.streamed", resource: "laptop" });
    expect(joined()).toBe("live");
    expect(actor.getSnapshot().context.streaming).toEqual([]);
  });

  it("enters participantsFilled after the last leave without copying the context when no read waits", async () => {
    const { actor } = start({});
    actor.send({ type: "join", id: "j1", resource: "phone", history: false });
    await tick();
    actor.send({ type: "join.streamed", resource: "phone" });
    const before = actor.getSnapshot().context;
    actor.send({ type: "leave", resource: "phone" });
    expect(lifecycle(actor)).toBe("participantsFilled");
    // The leave's own assign (resources, streaming, joins) is the one copy: `reads` is the same list.
    expect(actor.getSnapshot().context.reads).toBe(before.reads);
  });

  it("fills participants for a participant listing without a join, once", async () => {
    const { actor, emitted, calls } = start({});
    await tick();
    expect(lifecycle(actor)).toEqual({ infoFetched: "idle" });
    actor.send({ type: "read", id: "r1", needs: "participants" });
    await tick();
    actor.send({ type: "read", id: "r2", needs: "participants" });
    expect(lifecycle(actor)).toBe("participantsFilled");
    expect(calls).toEqual(["updateInfo", "fillParticipants"]);
    expect(emitted.map((e) => e.type)).toEqual(["read.ready", "read.ready"]);
  });

  it("answers the waiting stanzas when updateInfo fails, and retries on the next one", async () => {
    let attempt = 0;
    const { actor, emitted, calls } = start({
      updateInfo: async () => {
        attempt++;
        if (attempt === 1) throw { condition: "service-unavailable", type: "cancel" };
      },
    });
    actor.send({ type: "join", id: "j1", resource: "phone", history: false });
    actor.send({ type: "read", id: "r1", needs: "info" });
    await tick();
    expect(emitted).toEqual([
      { type: "join.failed", id: "j1", error: { condition: "service-unavailable", type: "cancel" } },
      { type: "read.failed", id: "r1", error: { condition: "service-unavailable", type: "cancel" } },
    ]);
    expect(lifecycle(actor)).toEqual({ uninitialized: "failed" });
    actor.send({ type: "join", id: "j2", resource: "phone", history: false });
    await tick();
    expect(calls.filter((c) => c === "updateInfo")).toHaveLength(2);
    expect(lifecycle(actor)).toBe("joined");
  });

  it("fails a hanging updateInfo with remote-server-timeout and stays usable", async () => {
    const { actor, emitted } = start({ updateInfo: () => new Promise(() => {}), callbackTimeoutMs: 20 });
    actor.send({ type: "read", id: "r1", needs: "info" });
    await vi.waitFor(() => expect(emitted).toHaveLength(1), { timeout: 5000 });
    expect(emitted).toEqual([{ type: "read.failed", id: "r1", error: expect.objectContaining({ condition: "remote-server-timeout" }) }]);
    expect(actor.getSnapshot().status).toBe("active");
  });
});

describe("room machine archive", () => {
  it("runs backfill once, before joins that want history and history reads; joins without history do not wait", async () => {
    const backfill = gate();
    const { actor, emitted, calls } = start({ backfill: () => backfill.promise });
    actor.send({ type: "join", id: "plain", resource: "a", history: false });
    actor.send({ type: "join", id: "hist", resource: "b", history: true });
    actor.send({ type: "read", id: "mam", needs: "history" });
    await tick();
    expect(emitted).toEqual([{ type: "join.ready", id: "plain", resource: "a", entered: true, first: true }]);
    backfill.resolve();
    await tick();
    expect(emitted.slice(1)).toEqual([
      { type: "read.ready", id: "mam" },
      { type: "join.ready", id: "hist", resource: "b", entered: true, first: false },
    ]);
    actor.send({ type: "join", id: "again", resource: "c", history: true });
    actor.send({ type: "read", id: "mam2", needs: "history" });
    expect(calls.filter((c) => c === "backfill")).toHaveLength(1);
    expect(emitted.slice(3).map((e) => e.type)).toEqual(["join.ready", "read.ready"]);
  });

  it("serves what is archived when backfill fails", async () => {
    const { actor, emitted } = start({ backfill: async () => Promise.reject(new Error("down")) });
    actor.send({ type: "read", id: "mam", needs: "history" });
    await tick();
    expect(emitted).toEqual([{ type: "read.ready", id: "mam" }]);
  });
});

describe("room machine mailbox", () => {
  it("queues requests that arrive before infoFetched and runs them in order, one at a time", async () => {
    const info = gate();
    const running: string[] = [];
    let concurrent = 0;
    const { actor, emitted } = start({
      updateInfo: () => info.promise,
      runRequest: async (r) => {
        concurrent++;
        running.push(`${r.id}:${concurrent}`);
        await tick(2);
        concurrent--;
        return { id: r.id, destroyed: false };
      },
    });
    for (const id of ["a", "b", "c"]) actor.send({ type: "requests", requests: [{ id, kind: "message" }] });
    await tick(5);
    expect(running).toEqual([]);
    info.resolve();
    // Wait for the outcome, not for a time: under load the runner's 2 ms timers can fire after any fixed wait.
    const settled = () => emitted.filter((e) => e.type === "request.settled");
    await vi.waitFor(() => expect(settled()).toHaveLength(3), { timeout: 5000 });
    expect(running).toEqual(["a:1", "b:1", "c:1"]);
    expect(settled().map((e) => (e as { id: string }).id)).toEqual(["a", "b", "c"]);
  });

  it("refuses a request beyond the mailbox size with resource-constraint and keeps working", async () => {
    const { actor, emitted } = start({ mailboxSize: 2, updateInfo: () => new Promise(() => {}), callbackTimeoutMs: 10_000 });
    for (const id of ["a", "b", "c"]) actor.send({ type: "requests", requests: [{ id, kind: "message" }] });
    expect(emitted).toEqual([{ type: "request.settled", id: "c", ok: false, error: expect.objectContaining({ condition: "resource-constraint", type: "wait" }) }]);
    expect(actor.getSnapshot().context.mailbox.map((r) => r.id)).toEqual(["a", "b"]);
  });

  it("queues a batch of requests in arrival order and refuses those beyond the mailbox size, hooks getting twice the places", () => {
    const { actor, emitted } = start({ mailboxSize: 2, updateInfo: () => new Promise(() => {}), callbackTimeoutMs: 10_000 });
    actor.send({ type: "requests", requests: ["a", "b", "c"].map((id) => ({ id, kind: "message" as const })) });
    actor.send({ type: "requests", requests: [{ id: "hook", kind: "userJoined" }, { id: "d", kind: "message" }] });
    expect(emitted.map((e) => e.type === "request.settled" && `${e.id}:${e.ok ? "ok" : e.error.condition}`)).toEqual(["c:resource-constraint", "d:resource-constraint"]);
    expect(actor.getSnapshot().context.mailbox.map((r) => r.id)).toEqual(["a", "b", "hook"]);
  });

  it("settles a request whose runner fails (the actor's timeout) and goes on with the next request", async () => {
    const { actor, emitted } = start({
      runRequest: (r) =>
        r.id === "slow"
          ? Promise.reject({ condition: "remote-server-timeout", type: "wait", text: "late" })
          : Promise.resolve({ id: r.id, destroyed: false }),
    });
    await tick();
    actor.send({ type: "requests", requests: [{ id: "slow", kind: "setSubject" }] });
    actor.send({ type: "requests", requests: [{ id: "next", kind: "message" }] });
    await tick(50);
    const settled = emitted.filter((e) => e.type === "request.settled");
    expect(settled).toEqual([
      { type: "request.settled", id: "slow", ok: false, error: expect.objectContaining({ condition: "remote-server-timeout" }) },
      { type: "request.settled", id: "next", ok: true, resources: [], streaming: [] },
    ]);
  });

  it("ends in destroyed after a successful destroy and rejects what was queued behind it", async () => {
    const { actor, emitted } = start({ runRequest: async (r) => ({ id: r.id, destroyed: r.id === "d" }) });
    await tick();
    actor.send({ type: "requests", requests: [{ id: "d", kind: "destroy" }] });
    actor.send({ type: "requests", requests: [{ id: "after", kind: "message" }] });
    await tick();
    expect(actor.getSnapshot().value).toBe("destroyed");
    expect(actor.getSnapshot().status).toBe("done");
    expect(emitted.filter((e) => e.type !== "request.started")).toEqual([
      { type: "request.settled", id: "d", ok: true, resources: [], streaming: [] },
      { type: "request.settled", id: "after", ok: false, error: expect.objectContaining({ condition: "item-not-found" }) },
      { type: "destroyed", resources: [] },
    ]);
  });
});

describe("room machine shutdown", () => {
  it("refuses what waits, lets the request in flight finish in mailbox.busy.draining, then ends in stopped", async () => {
    const slow = gate<RequestOutcome>();
    const { actor, emitted } = start({ runRequest: (r) => (r.id === "slow" ? slow.promise : Promise.resolve({ id: r.id, destroyed: false })) });
    await tick();
    actor.send({ type: "join", id: "j1", resource: "phone", history: false });
    await tick();
    actor.send({ type: "join.streamed", resource: "phone" });
    actor.send({ type: "requests", requests: [{ id: "slow", kind: "setConfig" }] });
    actor.send({ type: "requests", requests: [{ id: "queued", kind: "message" }] });
    actor.send({ type: "shutdown", graceMs: 1000 });
    expect(actor.getSnapshot().matches({ active: { mailbox: { busy: "draining" } } })).toBe(true);
    expect(emitted.filter((e) => e.type === "request.settled")).toEqual([
      { type: "request.settled", id: "queued", ok: false, error: expect.objectContaining({ condition: "service-unavailable", type: "wait" }) },
    ]);
    slow.resolve({ id: "slow", destroyed: false });
    await tick();
    expect(actor.getSnapshot().value).toBe("stopped");
    expect(actor.getSnapshot().status).toBe("done");
    expect(emitted.slice(-2)).toEqual([
      { type: "request.settled", id: "slow", ok: true, resources: ["phone"], streaming: [] },
      { type: "stopped", resources: ["phone"] },
    ]);
  });

  it("abandons the request in flight after the grace period (remote-server-timeout)", async () => {
    const { actor, emitted } = start({ runRequest: () => new Promise(() => {}) });
    await tick();
    actor.send({ type: "requests", requests: [{ id: "hangs", kind: "setConfig" }] });
    actor.send({ type: "shutdown", graceMs: 20 });
    await tick(60);
    expect(actor.getSnapshot().value).toBe("stopped");
    expect(emitted.filter((e) => e.type === "request.settled")).toEqual([
      { type: "request.settled", id: "hangs", ok: false, error: expect.objectContaining({ condition: "remote-server-timeout" }) },
    ]);
  });

  it("stops at once when nothing is in flight", async () => {
    const { actor, emitted } = start({});
    await tick();
    actor.send({ type: "shutdown", graceMs: 1000 });
    expect(actor.getSnapshot().value).toBe("stopped");
    expect(emitted).toEqual([{ type: "stopped", resources: [] }]);
  });
});
