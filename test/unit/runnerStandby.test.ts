/**
 * `mailbox.busy.standby`: once every request settled, the request runner stays for
 * `runnerLinger` (25 ms by default; 1 s in the first test below, so that it sees the standby under load) and the next requests go to it instead of a new runner; then
 * it stops and the mailbox is `waiting`. A room in standby is idle: it passivates as `waiting`.
 */
import { describe, expect, it, vi } from "vitest";
import { createActor, fromPromise } from "xstate";
import type { RoomEmitted } from "../../src/machines/roomEvents.js";
import { requestRunner } from "../../src/machines/requestRunner.js";
import { roomMachine } from "../../src/machines/roomMachine.js";
import { RUNNER_LINGER_MS } from "../../src/machines/roomSetup.js";
import { isIdle, passivatedState } from "../../src/machines/roomStatus.js";

function start(linger?: number) {
  let runners = 0;
  const ran: string[] = [];
  const machine = roomMachine.provide({
    actors: {
      updateInfo: fromPromise(async () => {}),
      fillParticipants: fromPromise(async () => {}),
      backfill: fromPromise(async () => {}),
      runRequest: requestRunner(() => {
        runners++;
        return {
          run: async (request) => {
            ran.push(`${request.id}@${runners}`);
            return { id: request.id, destroyed: false };
          },
        };
      }),
    },
    ...(linger !== undefined && { delays: { runnerLinger: linger } }),
  });
  const actor = createActor(machine, { input: { mailboxSize: 10, callbackTimeoutMs: 1000 } });
  const emitted: RoomEmitted[] = [];
  actor.on("*", (e) => emitted.push(e as RoomEmitted));
  actor.start();
  const mailbox = () => (actor.getSnapshot().value as { active: { mailbox: unknown } }).active.mailbox;
  const send = (...ids: string[]) => actor.send({ type: "requests", requests: ids.map((id) => ({ id, kind: "message" as const })) });
  const settled = () => emitted.filter((e) => e.type === "request.settled").map((e) => `${e.id}:${e.ok}`);
  return { actor, emitted, ran, mailbox, send, settled, runners: () => runners };
}

describe("the request runner's standby", () => {
  it("lingers 25 ms by default", () => {
    expect(RUNNER_LINGER_MS).toBe(25);
    expect(roomMachine.implementations.delays.runnerLinger).toBe(RUNNER_LINGER_MS);
  });

  it("hands a burst that comes within runnerLinger to the same runner, then stops it and waits", async () => {
    const r = start(1000);
    r.send("a", "b");
    await vi.waitFor(() => expect(r.settled()).toEqual(["a:true", "b:true"]));
    expect(r.mailbox()).toEqual({ busy: "standby" });
    expect(r.actor.getSnapshot().children.requests).toBeDefined();

    r.send("c");
    await vi.waitFor(() => expect(r.settled()).toEqual(["a:true", "b:true", "c:true"]));
    expect(r.ran).toEqual(["a@1", "b@1", "c@1"]);
    expect(r.emitted.filter((e) => e.type === "request.started").map((e) => e.id)).toEqual(["a", "b", "c"]);

    await vi.waitFor(() => expect(r.mailbox()).toBe("waiting"), { timeout: 5000 });
    expect(r.actor.getSnapshot().children.requests).toBeUndefined();
    r.send("d");
    await vi.waitFor(() => expect(r.settled()).toHaveLength(4));
    expect(r.ran.at(-1)).toBe("d@2");
    r.actor.stop();
  });

  it("is idle: a room in standby passivates as waiting, without its runner", async () => {
    const r = start(60_000);
    r.send("a");
    await vi.waitFor(() => expect(r.mailbox()).toEqual({ busy: "standby" }));
    const snapshot = r.actor.getSnapshot();
    expect(isIdle(snapshot)).toBe(true);
    const state = passivatedState(r.actor.getPersistedSnapshot(), snapshot.context) as { value: { active: { mailbox: unknown } }; children: object };
    expect(state.value.active.mailbox).toBe("waiting");
    expect(Object.keys(state.children)).not.toContain("requests");
    r.actor.stop();
  });

  it("ends in stopped at a shutdown, with nothing to refuse", async () => {
    const r = start(60_000);
    r.send("a");
    await vi.waitFor(() => expect(r.mailbox()).toEqual({ busy: "standby" }));
    r.actor.send({ type: "shutdown", graceMs: 1000 });
    expect(r.actor.getSnapshot().value).toBe("stopped");
    expect(r.settled()).toEqual(["a:true"]);
  });

  it("stops the runner at once with a runnerLinger of 0 (a gateway's own delay)", async () => {
    const r = start(0);
    r.send("a");
    await vi.waitFor(() => expect(r.settled()).toEqual(["a:true"]));
    await vi.waitFor(() => expect(r.mailbox()).toBe("waiting"));
    r.send("b");
    await vi.waitFor(() => expect(r.settled()).toEqual(["a:true", "b:true"]));
    expect(r.ran).toEqual(["a@1", "b@2"]);
    r.actor.stop();
  });
});
