/**
 * SVG for a machine: {@link toDot} laid out by Graphviz's `dot`, which `@viz-js/viz` runs as
 * WebAssembly in this process. Offline: no browser, no network, no `dot` binary.
 */
import type { Viz } from "@viz-js/viz";
import type { AnyStateMachine } from "xstate";
import { toDot } from "./dot.js";

/** The Graphviz instance, loaded and compiled once per process, on first use. */
let viz: Promise<Viz> | undefined;

/**
 * Renders a machine as an SVG document (the `<svg>` element, without an XML declaration).
 *
 * @remarks
 * `@viz-js/viz` is loaded on the first call, which compiles Graphviz's WebAssembly module
 * (about a tenth of a second) and keeps it for later calls; importing mucstate does not load
 * it. The drawing is {@link toDot}'s; text uses the Helvetica font family, falling back to the
 * viewer's sans-serif.
 *
 * @throws Error when Graphviz refuses the DOT text, with its messages.
 *
 * @example
 * ```ts
 * import { writeFile } from "node:fs/promises";
 * import { roomMachine, toSvg } from "mucstate";
 * await writeFile("room-machine.svg", await toSvg(roomMachine));
 * ```
 */
export async function toSvg(machine: AnyStateMachine): Promise<string> {
  viz ??= import("@viz-js/viz").then((module) => module.instance());
  const svg = (await viz).renderString(toDot(machine), { format: "svg", engine: "dot" });
  return svg.slice(svg.indexOf("<svg"));
}
