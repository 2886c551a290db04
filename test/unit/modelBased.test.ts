
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { RoomInput } from "../../src/machines/roomEvents.js";
import {
  RUNNER_ERROR,
  MODEL_INPUT,
  type ModelSnapshot,
  type ModelStep,
  abstractOf,
  allStateIds,
  allTransitions,
  invokeSource,
  serializeState,
} from "../helpers/modelPaths.js";
import { type ModelPath, modelPaths } from "../helpers/modelGraph.js";
import { lineOf } from "../helpers/modelLegacy.js";
import { Replay } from "../helpers/modelReplay.js";

/**
 * The inputs the paths start from: a fresh room, and a room re-activated after passivation with
 * every callback already run (the only way to take the `restored*` transitions).
 */
const INPUTS: Array<{ name: string; input: RoomInput }> = [
  { name: "fresh room", input: MODEL_INPUT },
  { name: "re-activated room", input: { ...MODEL_INPUT, restored: { info: true, participants: true, archive: true } } },
];
const generated = INPUTS.map(({ name, input }) => ({ name, input, ...modelPaths(input) }));

/**
 * Transitions of the chart the replay cannot take, with the reason. (The backfill actor fails
 * only when something around the plugin's `backfill` fails, since `runBackfill` reports the
 * plugin's own errors to `onError`; the replay makes that reporter throw, so it is covered.)
 */
const NOT_COVERED: Record<string, string> = {
  [`room.active.mailbox.busy ${RUNNER_ERROR} #0`]:
    "the request runner answers every failure of a request with request.failed; it has no failure of its own to replay",
};


function describeEvent(e: ModelStep["event"]): string {
  switch (e.type) {
    case "join":
      return e.history ? "join+history" : "join";
    case "read":
      return `read ${e.needs}`;
    case "request":
      return e.kind;
    case "leave":
    case "resource.gone":
    case "remove":
      return e.type;
    case "request.done":
      return "runRequest done";
    case "request.failed":
      return "runRequest error";
    default: {
      const kind = e.type.startsWith("xstate.after.") ? "timeout" : e.type.startsWith("xstate.done.") ? "done" : "error";
      return `${invokeSource(e.type)} ${kind}`;
    }
  }
}

/** A path as a line of its events. */
function describePath(path: ModelPath): string {
  return path.steps.slice(1).map((s) => describeEvent(s.event)).join(" > ") || "(init)";
}

async function replay(path: ModelPath, input: RoomInput): Promise<void> {
  const r = new Replay();
  await r.start(input);
  const label = describePath(path);
  try {
    for (const [i, step] of path.steps.entries()) {
      await r.perform(step.event, `s${i}`);
      const where = `step ${i} (${step.event.type === "xstate.init" ? "init" : describeEvent(step.event)}) of ${label}`;
      const snapshot = r.actor.actor.getSnapshot();
      expect(snapshot.value, where).toEqual(step.snapshot.value);
      expect(abstractOf(snapshot as ModelSnapshot), where).toEqual(abstractOf(step.snapshot));
      expect(r.transitions.splice(0), where).toEqual(step.transitions);
      expect(r.emittedAsModel(), where).toEqual(step.emitted);
      expect(r.sent.splice(0).map(lineOf), where).toEqual(r.expectedStanzas(step));
    }
    expect(r.errors).toEqual([]);
  } finally {
    r.stop();
  }
}

// ---- tests ----------------------------------------------------------------------------------------

describe("room machine paths from xstate/graph", () => {
  const paths = generated.flatMap((g) => g.paths);
  const stateIds = allStateIds();
  const { edges, eventless } = allTransitions();

  it(`visit all ${stateIds.length} state nodes of the chart`, () => {
    const visited = new Set(paths.flatMap((p) => p.steps.flatMap((s) => s.visited)));
    expect(stateIds.filter((id) => !visited.has(id))).toEqual([]);
  });

  it(`take all ${edges.length} edges of toDirectedGraph and all ${eventless.length} eventless transitions`, () => {
    const taken = new Set(paths.flatMap((p) => p.steps.flatMap((s) => s.transitions)));
    expect(Object.keys(NOT_COVERED).filter((t) => !edges.includes(t) && !eventless.includes(t))).toEqual([]);
    expect([...edges, ...eventless].filter((t) => !taken.has(t) && !(t in NOT_COVERED))).toEqual([]);
  });

  it("stay small: the abstraction of the context keeps the state space bounded", () => {
    for (const g of generated) expect(g.states).toBeLessThan(1_000);
  });

  it("are sound: replaying a path's events reaches the abstract states the graph computed", () => {
    for (const p of paths) expect(p.steps.map((s) => serializeState(s.snapshot))).toEqual(p.states);
  });
});

for (const { name, input, paths } of generated) {
  describe(`replayed against a RoomActor (${name}, ${paths.length} paths)`, () => {
    beforeAll(() => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    });
    afterAll(() => {
      vi.useRealTimers();
    });

    it.for(paths.map((p) => [describePath(p), p] as const))(
      "%s",
      async ([, path]) => {
        await replay(path, input);
      },
    );
  });
}
