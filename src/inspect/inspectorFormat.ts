/**
 * How the inspector's model shows what it keeps: the chart nodes a state value makes active, a
 * state value as a path, a room's status, hashed JIDs, and JSON-safe copies of context and events.
 */
import { createHmac } from "node:crypto";
import type { StateValue } from "xstate";
import type { ChartState } from "./chart.js";
import type { RoomStatus } from "./inspectorViews.js";

/** The ids of the chart's nodes that a state value makes active: the root, regions, substates. */
export function activeStateIds(root: ChartState, value: StateValue): string[] {
  const ids: string[] = [];
  const visit = (state: ChartState, v: StateValue): void => {
    ids.push(state.id);
    const entries: Array<[string, StateValue | undefined]> = typeof v === "string" ? [[v, {}]] : Object.entries(v);
    for (const [key, sub] of entries) {
      const child = state.states.find((s) => s.key === key);
      if (child) visit(child, sub ?? {});
    }
  };
  visit(root, value);
  return ids;
}

/** Labels any text by 8 hex digits of an HMAC-SHA-256 under `salt`: `#1f2e3d4c`. */
export function hashLabel(salt: string): (text: string) => string {
  return (text) => `#${createHmac("sha256", salt).update(text).digest("hex").slice(0, 8)}`;
}

/** Labels JIDs by 8 hex digits of an HMAC-SHA-256 under `salt`, keeping the domain: `#1f2e3d4c@localhost`. */
export function hashJid(salt: string): (jid: string) => string {
  const hash = hashLabel(salt);
  return (jid) => `${hash(jid)}@${jid.slice(jid.lastIndexOf("@") + 1)}`;
}

/** A state value as a dotted path of keys (`uninitialized.fetching`); regions joined by commas. */
export function pathOf(value: StateValue | undefined): string {
  if (value === undefined || typeof value === "string") return value ?? "";
  return Object.entries(value).map(([key, sub]) => [key, pathOf(sub)].filter(Boolean).join(".")).join(",");
}

/** A JSON-safe copy of a value, `depth` levels deep; errors become `{ name, message }`. */
export function toPlain(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== "object") return typeof value === "function" ? "[function]" : value;
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (depth === 0) return "[…]";
  if (Array.isArray(value)) return value.map((v) => toPlain(v, depth - 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v, depth - 1)]));
}

/**
 * A room's status as the inspector shows it, from its actor's snapshot: a stopped actor is
 * `passivated`, or `stopped` while the gateway shuts down; a final state names how the room ended.
 */
export function statusOf(snapshot: { status?: string; value?: StateValue }, shuttingDown: boolean): RoomStatus {
  const { status, value } = snapshot;
  if (status === "done") return value === "removed" ? "removed" : value === "stopped" ? "stopped" : "destroyed";
  return status === "stopped" ? (shuttingDown ? "stopped" : "passivated") : status === "error" ? "failed" : "active";
}
