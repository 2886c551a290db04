/**
 * Chart export: a machine drawn from its own definition, as JSON data, Mermaid, Graphviz DOT
 * or SVG. `mucstate chart` is the command-line face of these functions. And the live
 * inspector, which shows the room actors of a running gateway.
 */
export type { ChartEdge, ChartJson, ChartState, ChartStateType } from "./chart.js";
export { toChartJson } from "./chart.js";
export { toDot } from "./dot.js";
export { toMermaid } from "./mermaid.js";
export { toSvg } from "./svg.js";
export { createInspector } from "./inspector.js";
export type { CallInFlight, EventCategory, InspectedEvent, Inspector, InspectorOptions, RoomStatus, RoomView, TimelineBar, UserGroup } from "./inspector.js";
