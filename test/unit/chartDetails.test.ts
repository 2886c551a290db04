/**
 * What the inspector's state panel shows (`toStateDetails`, served as `GET /api/states`), the
 * drawn chart's short guards, and the page that comes whole: the chart, its states and the rooms
 * in its HTML, as data blocks no text can break out of.
 */
import { afterEach, describe, expect, it } from "vitest";
import { and, createMachine, not, stateIn } from "xstate";
import { toChartJson } from "../../src/inspect/chart.js";
import { toStateDetails } from "../../src/inspect/chartDetails.js";
import { toDot } from "../../src/inspect/dot.js";
import { type Inspector, createInspector } from "../../src/inspect/inspector.js";
import { inspectorPage } from "../../src/inspect/inspectorPage.js";
import { roomMachine } from "../../src/machines/roomMachine.js";

const RUNNING = "room.active.mailbox.busy.running";

/** A machine whose one guard is a long higher-order expression. */
const locked = createMachine({
  id: "door",
  type: "parallel",
  states: {
    lock: { initial: "open", states: { open: {}, shut: {} } },
    door: {
      initial: "closed",
      states: {
        closed: {
          on: {
            push: { target: "ajar", guard: and(["isOwner", not("doorJammed"), stateIn("#door.lock.open")]), actions: ["creak", "logPush"] },
          },
        },
        ajar: {},
      },
    },
  },
});

describe("the state panel's data", () => {
  it("gives a state's full id, its transitions with whole guards and actions, and its enclosing states", () => {
    const states = toStateDetails(toChartJson(roomMachine));
    const running = states[RUNNING]!;
    expect(running).toMatchObject({ id: RUNNING, key: "running", type: "compound", entry: ["handOver"], initial: `${RUNNING}.timed` });
    expect(running.ancestors).toEqual(["room.active.mailbox.busy", "room.active.mailbox", "room.active", "room"]);
    expect(running.transitions.filter((t) => t.event === "requests.settled")).toEqual([
      { event: "requests.settled", target: "room.destroyed", guard: "requestDestroyedRoom", actions: ["settleRun"], reenter: false },
      { event: "requests.settled", target: "room.removed", guard: "requestRemovedUser", actions: ["settleRun"], reenter: false },
      { event: "requests.settled", target: `${RUNNING}.timed`, guard: "requestInFlight", actions: ["settleRun"], reenter: false },
      { event: "requests.settled", target: "room.active.mailbox.busy.standby", actions: ["settleRun"], reenter: false },
    ]);
    expect(states[`${RUNNING}.timed`]).toMatchObject({ entry: ["xstate.raise"], exit: ["xstate.cancel"] });
    expect(states["room.active.mailbox.busy"]).toMatchObject({
      invokes: ["runRequest"],
      initial: RUNNING,
      children: [RUNNING, "room.active.mailbox.busy.standby", "mailboxExpiring", "room.active.mailbox.busy.draining"],
    });
    expect(states.joined).toMatchObject({ entry: ["completeJoins", "onEnterJoined"], exit: ["onExitJoined"], tags: ["infoKnown", "participantsKnown"] });
    // Targetless handlers of an enclosing state have no target: they leave no state.
    const join = states["room.active"]!.transitions.find((t) => t.event === "join" && t.guard === undefined);
    expect(join).toEqual({ event: "join", actions: ["queueJoin"], reenter: false });
    expect(Object.keys(states)).toHaveLength(countStates(toChartJson(roomMachine).root));
  });

  it("draws a long guard expression as its outer name, and spells it out in the state panel", () => {
    const dot = toDot(locked);
    expect(dot).toContain('label="push\\n[and(…)]"');
    expect(dot).not.toContain("isOwner");
    const closed = toStateDetails(toChartJson(locked))["door.door.closed"]!;
    expect(closed.transitions).toEqual([
      { event: "push", target: "door.door.ajar", guard: "and(isOwner, not(doorJammed), in(#door.lock.open))", actions: ["creak", "logPush"], reenter: false },
    ]);
  });

  it("leaves the room machine's named guards whole on the chart", () => {
    expect(toDot(roomMachine)).toContain('label="requests.settled\\n[requestDestroyedRoom]"');
  });
});

describe("the inspector page as served", () => {
  const open: Inspector[] = [];
  afterEach(async () => {
    for (const i of open.splice(0)) await i.close();
  });

  it("carries the chart, its states' details and the rooms in its HTML, and serves the states' details", async () => {
    const inspector = await createInspector();
    open.push(inspector);
    const html = await (await fetch(inspector.url)).text();
    expect(html).toMatch(/<div id="chart"[^>]*><svg [^>]*viewBox=/);
    expect(html).toContain("<title>participantsFilled</title>");
    const block = /<script type="application\/json" id="initial-state">(.*?)<\/script>/s.exec(html);
    expect(JSON.parse(block![1]!)).toMatchObject({ detail: false, users: [] });
    expect(html.indexOf('id="initial-state"')).toBeLessThan(html.indexOf("<script nonce="));
    const states = /<script type="application\/json" id="chart-states">(.*?)<\/script>/s.exec(html);
    expect(JSON.parse(states![1]!)).toEqual(toStateDetails(toChartJson(roomMachine)));
    const served = (await (await fetch(`${inspector.url}api/states`)).json()) as ReturnType<typeof toStateDetails>;
    expect(served[`${RUNNING}.timed`]!.transitions[0]).toMatchObject({ event: "after requestTimeout", target: "mailboxExpiring" });
  });

  it("writes the rooms as a data block that no text in them can close", () => {
    const hostile = "</script><script>alert(1)</script><!--";
    const html = inspectorPage("n0nce", { chart: "<svg></svg>", states: {}, initial: { users: [{ user: hostile, rooms: [] }] } });
    expect(html).not.toContain(hostile);
    expect(html.match(/<script/g)).toHaveLength(6);
    const block = /<script type="application\/json" id="initial-state">(.*?)<\/script>/s.exec(html);
    expect(JSON.parse(block![1]!).users[0].user).toBe(hostile);
  });
});

function countStates(state: { states: Array<{ states: unknown[] }> }): number {
  return 1 + state.states.reduce((n, child) => n + countStates(child as never), 0);
}
