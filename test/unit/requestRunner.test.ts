import { afterEach, describe, expect, it, vi } from "vitest";
import { createActor, fromPromise } from "xstate";
import type { QueuedRequest, RequestOutcome, RoomEmitted, RoomEvent } from "../../src/machines/roomEvents.js";
import { fromRequestRunner } from "../../src/machines/requestRunner.js";
import { roomMachine } from "../../src/machines/roomMachine.js";

/**
 * A room machine whose info is known at once, with `run` as its requests' callback; records what
 * it emits, the events the runner sends it, and how many callbacks ran at once.
 */
function start(run: (r: QueuedRequest) => Promise<RequestOutcome>, input: { mailboxSize?: number; callbackTimeoutMs?: number } = {}) {
  const calls: string[] = [];
  let running = 0;
  let overlapped = false;
  const machine = roomMachine.provide({
    actors: {
      updateInfo: fromPromise(async () => {}),
      fillParticipants: fromPromise(async () => {}),
      backfill: fromPromise(async () => {}),
      runRequest: fromRequestRunner(async (request) => {
        calls.push(request.id);
        overlapped ||= running > 0;
        running++;
        try {
          return await run(request);
        } finally {
          running--;
        }
      }),
    },
  });
  const reports: RoomEvent[] = [];
  const actor = createActor(machine, {
    input: { mailboxSize: input.mailboxSize ?? 10, callbackTimeoutMs: input.callbackTimeoutMs ?? 10_000 },
    inspect: (e) => e.type === "@xstate.event" && e.event.type === "requests.settled" && void reports.push(e.event as RoomEvent),
  });
  const emitted: RoomEmitted[] = [];
  actor.on("*", (e) => emitted.push(e as RoomEmitted));
  actor.start();
  const settled = () =>
    emitted.flatMap((e) => (e.type === "request.settled" ? [`${e.id}:${e.ok ? "ok" : e.error.condition}`] : []));
  return { actor, calls, reports, settled, overlapped: () => overlapped };
}

const ok = (r: QueuedRequest): Promise<RequestOutcome> => Promise.resolve({ id: r.id, destroyed: false });
const batch = (...ids: string[]): RoomEvent => ({ type: "requests", requests: ids.map((id) => ({ id, kind: "message" as const })) });
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

afterEach(() => {
  vi.useRealTimers();
});

describe("the request runner", () => {
  it("runs a batch one callback at a time, in order, and reports it to the machine in one event", async () => {
    const room = start(ok);
    await tick();
    room.actor.send(batch("a", "b", "c"));
    await vi.waitFor(() => expect(room.settled()).toHaveLength(3));
    expect(room.calls).toEqual(["a", "b", "c"]);
    expect(room.overlapped()).toBe(false);
    expect(room.settled()).toEqual(["a:ok", "b:ok", "c:ok"]);
    // One macrostep for the batch, not one per request.
    expect(room.reports).toHaveLength(1);
    expect(room.actor.getSnapshot().matches({ active: { mailbox: "waiting" } })).toBe(true);
  });

  it("fails only the request whose callback fails in the middle of a batch; the rest still run, in order", async () => {
    const room = start((r) => (r.id === "bad" ? Promise.reject({ condition: "not-allowed", type: "cancel", text: "no" }) : ok(r)));
    await tick();
    room.actor.send(batch("a", "bad", "c"));
    await vi.waitFor(() => expect(room.settled()).toHaveLength(3));
    expect(room.calls).toEqual(["a", "bad", "c"]);
    expect(room.settled()).toEqual(["a:ok", "bad:not-allowed", "c:ok"]);
  });

  it("hands requests that arrive while a batch runs to the same runner, and refuses those beyond the bound", async () => {
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const room = start(async (r) => {
      if (r.id === "slow") await slow;
      return { id: r.id, destroyed: false };
    }, { mailboxSize: 2 });
    await tick();
    room.actor.send(batch("slow"));
    room.actor.send(batch("b", "c", "d"));
    // Two places: `slow` is in flight, b and c wait, d is refused at once.
    expect(room.settled()).toEqual(["d:resource-constraint"]);
    release();
    await vi.waitFor(() => expect(room.settled()).toHaveLength(4));
    expect(room.settled()).toEqual(["d:resource-constraint", "slow:ok", "b:ok", "c:ok"]);
    expect(room.calls).toEqual(["slow", "b", "c"]);
  });

  it("times out only the request in flight: what settled before it is reported first, what follows runs after it", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    // `a` ends in the same timer phase as the request timeout fires: its outcome is still held by the runner then.
    const room = start(async (r) => {
      if (r.id === "a") await new Promise((res) => setTimeout(res, 999));
      if (r.id === "hangs") await new Promise(() => {});
      return { id: r.id, destroyed: false };
    }, { callbackTimeoutMs: 1000 });
    await vi.advanceTimersByTimeAsync(1);
    room.actor.send(batch("a", "hangs", "c"));
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(1000);
    await vi.waitFor(() => expect(room.settled()).toHaveLength(3));
    expect(room.settled()).toEqual(["a:ok", "hangs:remote-server-timeout", "c:ok"]);
    expect(room.calls).toEqual(["a", "hangs", "c"]);
    expect(room.actor.getSnapshot().status).toBe("active");
  });

  it("runs nothing after a request that destroyed the room", async () => {
    const room = start(async (r) => ({ id: r.id, destroyed: r.id === "d" }));
    await tick();
    room.actor.send({ type: "requests", requests: [{ id: "d", kind: "destroy" }, { id: "after", kind: "message" }] });
    await vi.waitFor(() => expect(room.actor.getSnapshot().value).toBe("destroyed"));
    expect(room.calls).toEqual(["d"]);
    expect(room.settled()).toEqual(["d:ok", "after:item-not-found"]);
  });
});

describe("the request timeout in a batch", () => {
  it("times each request from the report before it, not the whole batch from its start", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const room = start(async (r) => {
      await new Promise((res) => setTimeout(res, 600));
      return { id: r.id, destroyed: false };
    }, { callbackTimeoutMs: 1000 });
    await vi.advanceTimersByTimeAsync(1);
    room.actor.send(batch("a", "b", "c"));
    for (let i = 0; i < 4; i++) await vi.advanceTimersByTimeAsync(600);
    await vi.waitFor(() => expect(room.settled()).toHaveLength(3));
    expect(room.settled()).toEqual(["a:ok", "b:ok", "c:ok"]);
  });
});
