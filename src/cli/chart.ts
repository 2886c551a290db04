/**
 * `mucstate chart`: the room machine's chart, drawn from the machine itself, as Mermaid (the
 * default), Graphviz DOT, SVG or JSON, on standard output or into `--out FILE`.
 */
import { writeFile } from "node:fs/promises";
import { toChartJson } from "../inspect/chart.js";
import { toDot } from "../inspect/dot.js";
import { toMermaid } from "../inspect/mermaid.js";
import { toSvg } from "../inspect/svg.js";
import { roomMachine } from "../machines/roomMachine.js";
import { parseFlags } from "./args.js";

/** The usage line of `mucstate chart`. */
export const CHART_USAGE = "mucstate chart [--format mermaid|dot|svg|json] [--out FILE]";

const RENDER: Record<string, () => string | Promise<string>> = {
  mermaid: () => toMermaid(roomMachine),
  dot: () => toDot(roomMachine),
  svg: async () => `${await toSvg(roomMachine)}\n`,
  json: () => `${JSON.stringify(toChartJson(roomMachine), null, 2)}\n`,
};

/**
 * Runs `mucstate chart`; resolves with the exit code: 0, or 2 (with a message on standard
 * error) for an unknown flag or format.
 *
 * @param argv - the arguments after `chart`, e.g. `["--format", "svg", "--out", "room.svg"]`.
 */
export async function runChart(argv: string[]): Promise<number> {
  let format: string;
  let out: string | undefined;
  try {
    const flags = parseFlags(argv);
    for (const name of flags.keys()) if (name !== "format" && name !== "out") throw new Error(`unknown flag --${name}`);
    format = String(flags.get("format") ?? "mermaid");
    if (!Object.hasOwn(RENDER, format)) throw new Error(`unknown format "${format}" (use mermaid, dot, svg or json)`);
    const file = flags.get("out");
    out = typeof file === "string" ? file : undefined;
  } catch (error) {
    console.error(`mucstate chart: ${error instanceof Error ? error.message : error}\nusage: ${CHART_USAGE}`);
    return 2;
  }
  const text = await (RENDER[format] as () => string | Promise<string>)();
  if (out === undefined) process.stdout.write(text);
  else await writeFile(out, text);
  return 0;
}
