/**
 * What a gateway may change in the room machine (`createGateway({ machine })`): the extension
 * actions, no-ops by default, and the delays. Everything else (the actions that queue, run and
 * answer requests, the guards, the invoked callbacks) carries the runtime's work, and a machine
 * that replaces or removes it is refused before the gateway starts.
 */
import type { roomMachine } from "./roomMachine.js";
import type { SettledParams } from "./roomSetup.js";

/** The room machine, or one made from it with `roomMachine.provide({ actions, delays })`. */
export type RoomMachine = typeof roomMachine;

/**
 * The actions a gateway may replace; the library's are no-ops.
 *
 * - `onEnterJoined`: entry of `joined` (the first resource of the user entered the room).
 * - `onExitJoined`: exit of `joined` (the last resource left, or the room ended).
 * - `onRequestSettled`: a request in flight settled; `context.current` is the request, the params
 *   say how: `{ ok, condition? }` (`condition`: its error reply's, `remote-server-timeout` after
 *   its timeout).
 */
export const ROOM_EXTENSION_ACTIONS = ["onEnterJoined", "onExitJoined", "onRequestSettled"] as const;

/**
 * The delays a gateway may replace: `callbackTimeout` (`updateInfo`, `fillParticipants`,
 * `backfill`), `requestTimeout` (the request in flight, `context.current`), `shutdownGrace` and
 * `runnerLinger` (how long an idle request runner waits for more requests before it stops).
 */
export const ROOM_DELAYS = ["callbackTimeout", "requestTimeout", "shutdownGrace", "runnerLinger"] as const;

type Implementations = Record<string, unknown>;

/**
 * Checks that `machine` is the library's room machine, or made from it with `provide()` changing
 * only {@link ROOM_EXTENSION_ACTIONS} and {@link ROOM_DELAYS}.
 *
 * @throws TypeError naming what is wrong: not derived from `roomMachine`, or the action, guard,
 * actor or delay that was replaced or removed.
 */
export function checkRoomMachine(machine: unknown, library: RoomMachine): void {
  if (machine === library) return;
  const given = machine as Partial<RoomMachine> | null;
  if (typeof given !== "object" || given === null || given.config !== library.config || given.id !== library.id) {
    throw new TypeError("machine option must be roomMachine or roomMachine.provide({ actions, delays }) (a machine with the library's chart), got " + describe(machine));
  }
  const own = library.implementations as unknown as Record<string, Implementations>;
  const theirs = (given.implementations ?? {}) as unknown as Record<string, Implementations | undefined>;
  const replaceable = new Set<string>([...ROOM_EXTENSION_ACTIONS, ...ROOM_DELAYS]);
  for (const kind of ["actions", "guards", "actors", "delays"] as const) {
    for (const name of Object.keys(own[kind] ?? {})) {
      const theirsOne = theirs[kind]?.[name];
      if (theirsOne === undefined || theirsOne === null) {
        throw new TypeError(`machine option: the ${kind.slice(0, -1)} "${name}" is missing; the runtime needs it (provide a replacement only for ${[...replaceable].join(", ")})`);
      }
      if (!replaceable.has(name) && theirsOne !== own[kind]?.[name]) {
        throw new TypeError(
          `machine option: the ${kind.slice(0, -1)} "${name}" carries the runtime's work and cannot be replaced; a gateway may replace ${[...replaceable].join(", ")}`,
        );
      }
    }
  }
}

function describe(value: unknown): string {
  if (typeof value !== "object" || value === null) return String(value);
  const id = (value as { id?: unknown }).id;
  return typeof id === "string" ? `a machine with id "${id}" and another chart` : "an object that is not a machine";
}

/** The library's `onRequestSettled`, a no-op that {@link settledHook} does not enqueue (see {@link noteNoSettledHook}). */
let noSettledHook: unknown;

/** Notes the library machine's own `onRequestSettled` (roomMachine.ts calls it once). @internal */
export function noteNoSettledHook(action: unknown): void {
  noSettledHook = action;
}

/**
 * What enqueues the `onRequestSettled` extension action with its params; none when the machine
 * running as `self` has the library's no-op. Each request then costs the report no action of
 * its own, and no assign of `context.current` (an assign makes a snapshot, its state value and
 * tags: most of a report's time in the roundtrip benchmark). (Named loosely: setup's action names
 * are not known to its own actions' types yet.)
 * @internal
 */
export function settledHook(enqueue: unknown, self: unknown): ((params: SettledParams) => void) | undefined {
  const machine = (self as { logic?: { implementations?: { actions?: Record<string, unknown> } } }).logic;
  if (machine?.implementations?.actions?.onRequestSettled === noSettledHook) return undefined;
  return (params) => (enqueue as (action: { type: "onRequestSettled"; params: SettledParams }) => void)({ type: "onRequestSettled", params });
}
