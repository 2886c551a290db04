/**
 * The room machine's chart, drawn from the machine itself: golden Mermaid and DOT files, every
 * state and event on the chart, an SVG that renders, docs that show the current machine, and
 * `mucstate chart`. Run with UPDATE_GOLDEN=1 to rewrite the golden files, every marked chart
 * block in README.md and docs/*.md, and docs/room-machine.svg; then review the diff.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { type AnyStateNode, createMachine } from "xstate";
import { runChart } from "../../src/cli/chart.js";
import { toChartJson, toDot, toMermaid, toSvg } from "../../src/inspect/index.js";
import { roomMachine } from "../../src/machines/roomMachine.js";

const ROOT = new URL("../../", import.meta.url);
const BEGIN = "<!-- chart:begin -->";
const END = "<!-- chart:end -->";
const UPDATE = Boolean(process.env.UPDATE_GOLDEN);

/** Compares `text` with a file, or (re)writes the file under UPDATE_GOLDEN=1. */
function expectFile(url: URL, text: string): void {
  if (UPDATE) writeFileSync(url, text);
  if (!existsSync(url)) throw new Error(`missing ${url.pathname}; run with UPDATE_GOLDEN=1`);
  expect(text, `${url.pathname} is stale; run with UPDATE_GOLDEN=1`).toBe(readFileSync(url, "utf8"));
}

/** Every state node of the room machine below its root. */
function stateNodes(node: AnyStateNode = roomMachine.root): AnyStateNode[] {
  return Object.values(node.states).flatMap((child) => [child, ...stateNodes(child)]);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The marked chart block of a Markdown file: a ```mermaid fence between the markers. */
const chartBlock = (mermaid: string) => `${BEGIN}\n\`\`\`mermaid\n${mermaid}\`\`\`\n${END}`;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the room machine's chart", () => {
  it("is the golden Mermaid file", () => {
    expectFile(new URL("test/golden/chart-room-machine.mmd", ROOT), toMermaid(roomMachine));
  });

  it("is the golden DOT file", () => {
    expectFile(new URL("test/golden/chart-room-machine.dot", ROOT), toDot(roomMachine));
  });

  it("is the golden JSON file", () => {
    expectFile(new URL("test/golden/chart-room-machine.json", ROOT), `${JSON.stringify(toChartJson(roomMachine), null, 2)}\n`);
  });

  it("shows every state of the machine, by its key, in Mermaid", () => {
    const mermaid = toMermaid(roomMachine);
    const nodes = stateNodes();
    expect(nodes.length).toBeGreaterThan(10);
    for (const node of nodes) {
      const key = escapeRegExp(node.key);
      const declared = new RegExp(`^ *(state )?(${key}|"${key}" as \\w+)( \\{| : .*)?$`, "m");
      expect(mermaid, `state ${node.id}`).toMatch(declared);
    }
  });

  it("shows every event the machine handles, with invoke outcomes and delays made readable", () => {
    const mermaid = toMermaid(roomMachine);
    const srcOf = new Map(stateNodes().flatMap((n) => n.invoke.map((i) => [i.id, String(i.src)] as const)));
    const expected = new Set<string>();
    for (const node of [roomMachine.root, ...stateNodes()]) {
      if (node.always?.length) expected.add("always");
      for (const type of node.transitions.keys()) {
        const actor = /^xstate\.(done|error)\.actor\.(.+)$/.exec(type);
        if (actor) expected.add(`${actor[1]}: ${srcOf.get(actor[2] as string)}`);
        else if (type.startsWith("xstate.after.")) expected.add(`after ${node.after.find((t) => t.eventType === type)?.delay}`);
        else expected.add(type);
      }
    }
    for (const external of ["join", "leave", "read", "requests", "resource.gone"]) expect(expected).toContain(external);
    expect(expected).toContain("requests.settled");
    expect(expected).toContain("error: runRequest");
    for (const label of expected) expect(mermaid, label).toMatch(new RegExp(`[:>\\n] *${escapeRegExp(label)}\\b`));
    expect(mermaid).not.toMatch(/xstate\./);
  });

  it("spells out guards and marks parallel regions, initial and final states", () => {
    const mermaid = toMermaid(roomMachine);
    expect(mermaid.startsWith("stateDiagram-v2\n")).toBe(true);
    expect(mermaid).toMatch(/^ *--$/m);
    expect(mermaid).toContain("[*] --> active");
    expect(mermaid).toContain("destroyed --> [*]");
    expect(mermaid).toContain("running --> destroyed : requests.settled [requestDestroyedRoom]");
    expect(mermaid).toContain("active --> removed : remove");
    expect(mermaid).toContain("requests / enqueueRequests");
    // Named guards read as sentences; none spells out a cross-region expression.
    expect(mermaid).toContain("waiting --> busy : always [requestDue]");
    expect(mermaid).not.toMatch(/\[(and|or|not|in)\(/);
    expect(mermaid).toContain("timed --> expiring : after requestTimeout");
    expect(mermaid).toContain("expiring --> timedOut : requests.settled");
  });

  it("describes the same transitions as JSON", () => {
    const chart = toChartJson(roomMachine);
    expect(chart.machine).toBe("room");
    expect(chart.root.initial).toBe("room.active");
    const done = chart.edges.filter((e) => e.source === "room.active.mailbox.busy.running" && e.label === "requests.settled");
    expect(done.map((e) => [e.target, e.guard, e.actions])).toEqual([
      ["room.destroyed", "requestDestroyedRoom", ["settleRun"]],
      ["room.removed", "requestRemovedUser", ["settleRun"]],
      ["room.active.mailbox.busy.running.timed", "requestInFlight", ["settleRun"]],
      ["room.active.mailbox.busy.standby", undefined, ["settleRun"]],
    ]);
    const join = chart.edges.find((e) => e.source === "room.active" && e.event === "join" && e.guard === undefined);
    expect(join).toMatchObject({ target: "room.active", targetless: true, actions: ["queueJoin"] });
    expect(JSON.parse(JSON.stringify(chart))).toEqual(chart);
  });

  it("renders to an SVG naming every state, offline", async () => {
    const svg = await toSvg(roomMachine);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    for (const node of stateNodes()) expect(svg, node.id).toContain(`>${node.key}</text>`);
  });
});

describe("the chart in the docs", () => {
  const files = ["README.md", ...readdirSync(new URL("docs/", ROOT)).map((f) => `docs/${f}`)]
    .filter((f) => f.endsWith(".md") && existsSync(new URL(f, ROOT)))
    .filter((f) => readFileSync(new URL(f, ROOT), "utf8").includes(BEGIN));

  it("is shown by at least docs/chart.md", () => {
    expect(files).toContain("docs/chart.md");
  });

  it.each(files)("%s shows the current machine between the chart markers", (file) => {
    const url = new URL(file, ROOT);
    const text = readFileSync(url, "utf8");
    const block = new RegExp(`${escapeRegExp(BEGIN)}[\\s\\S]*?${escapeRegExp(END)}`, "g");
    const expected = chartBlock(toMermaid(roomMachine));
    if (UPDATE) writeFileSync(url, text.replace(block, () => expected));
    const blocks = readFileSync(url, "utf8").match(block) ?? [];
    expect(blocks.length).toBeGreaterThan(0);
    for (const found of blocks) {
      expect(found, `${file} shows an old chart; regenerate it (see docs/chart.md)`).toBe(expected);
    }
  });

  it("docs/room-machine.svg is the current machine", async () => {
    expectFile(new URL("docs/room-machine.svg", ROOT), `${await toSvg(roomMachine)}\n`);
  });
});

describe("mucstate chart", () => {
  const dir = mkdtempSync(join(tmpdir(), "mucstate-chart-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the format asked for to --out", async () => {
    const file = join(dir, "room.dot");
    expect(await runChart(["--format", "dot", "--out", file])).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(toDot(roomMachine));
    expect(await runChart(["--format=json", `--out=${file}`])).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(toChartJson(roomMachine));
  });

  it("prints Mermaid by default", async () => {
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    expect(await runChart([])).toBe(0);
    expect(write).toHaveBeenCalledWith(toMermaid(roomMachine));
  });

  it("refuses an unknown format or flag with exit code 2 and the usage", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(await runChart(["--format", "png"])).toBe(2);
    expect(String(error.mock.calls[0]?.[0])).toMatch(/unknown format "png"[\s\S]*usage: mucstate chart/);
    expect(await runChart(["--colour", "red"])).toBe(2);
    expect(await runChart(["svg"])).toBe(2);
    expect(existsSync(join(dir, "png"))).toBe(false);
  });
});

describe("chart text escaping", () => {
  const odd = createMachine({
    id: "odd",
    initial: "note",
    states: {
      note: { on: { "a;b::c <d> & *e*": { target: "end", guard: 'say "hi"\\' } } },
      end: { type: "final" },
    },
  });

  it("keeps Mermaid's separators and keywords out of labels and ids", () => {
    const mermaid = toMermaid(odd);
    expect(mermaid).toContain('state "note" as odd_note');
    expect(mermaid).toContain('state "end" as odd_end_'); // X_start and X_end are Mermaid's own ids
    expect(mermaid).toContain("odd_note --> odd_end_ : a&#59b&#58&#58c &#60d&#62 &#38 \\*e\\* [say \"hi\"\\\\]");
    for (const line of mermaid.split("\n")) expect(line.split(" : ")[1] ?? "").not.toMatch(/;|::|<(?!br>)/);
  });

  it("quotes DOT labels, and Graphviz draws them as written", async () => {
    const dot = toDot(odd);
    expect(dot).toContain('label="a;b::c <d> &amp; *e*\\n[say \\"hi\\"\\\\]"');
    const svg = await toSvg(odd);
    expect(svg).toContain(">a;b::c &lt;d&gt; &amp; *e*</text>");
    expect(svg).toContain(">[say &quot;hi&quot;\\]</text>");
  });
});
