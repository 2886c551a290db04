/**
 * Questions about a room machine snapshot that the runtime asks (may the room passivate? is it
 * muted?), and the passivated form of a room: its persisted snapshot, which a re-activation
 * resumes from.
 */
import type { Snapshot, SnapshotFrom } from "xstate";
import type { RoomContext, RoomInput } from "./roomEvents.js";
import type { roomMachine } from "./roomMachine.js";

/** A room machine snapshot. */
export type RoomSnapshot = SnapshotFrom<typeof roomMachine>;

/**
 * True when nothing would be lost by stopping the room: no joined or joining resource, nothing
 * in the mailbox or in flight, no read waiting, and no legacy callback running (a room whose
 * `updateInfo` failed may stop: the next stanza re-activates it and tries again).
 */
export function isIdle(snapshot: RoomSnapshot): boolean {
  const c = snapshot.context;
  if (snapshot.status !== "active") return false;
  if (c.resources.length || c.joins.length || c.reads.length || c.mailbox.length || c.current || c.streaming.length) return false;
  return !(snapshot.hasTag("muted") || snapshot.hasTag("backfilling"));
}

/** True when this resource of the user is in the room. */
export function isJoined(snapshot: RoomSnapshot, resource: string): boolean {
  return snapshot.context.resources.includes(resource);
}

/** True once `fillParticipants` has run in this process run. */
export function participantsKnown(snapshot: RoomSnapshot): boolean {
  return snapshot.hasTag("participantsKnown");
}

/** True once the machine reached a final state: the room was destroyed, or the user removed. */
export function hasEnded(snapshot: RoomSnapshot): boolean {
  return snapshot.status === "done";
}

/** True once the actor stopped (passivated or shut down): stanzas must go to a new activation. */
export function isStopped(snapshot: RoomSnapshot): boolean {
  return snapshot.status === "stopped";
}

/** The context of a room that starts (or resumes) with nothing waiting. */
export function initialContext(input: RoomInput): RoomContext {
  return {
    resources: [],
    joins: [],
    streaming: [],
    reads: [],
    mailbox: [],
    current: null,
    mailboxSize: input.mailboxSize,
    callbackTimeoutMs: input.callbackTimeoutMs,
    key: input.key ?? { user: "", room: "" },
    handle: input.handle ?? 0,
    graceMs: 0,
  };
}

/**
 * What a passivated room keeps of its machine: its persisted snapshot (`getPersistedSnapshot()`)
 * without the context, which an idle room rebuilds from its input (nothing waits in it). Rooms
 * in the same state share one object: a passivated room costs a pointer, not a snapshot.
 */
export type PassivatedState = Readonly<Omit<Snapshot<unknown>, "output" | "error"> & { value: unknown; historyValue?: unknown; children: object }>;

const interned = new Map<string, PassivatedState>();

/**
 * The passivated form of an idle room's persisted snapshot (see {@link isIdle}); throws for a
 * room that is not idle, whose context could not be rebuilt.
 */
export function passivatedState(persisted: Snapshot<unknown>, context: RoomContext): PassivatedState {
  const { resources, joins, streaming, reads, mailbox, current } = context;
  if (resources.length + joins.length + streaming.length + reads.length + mailbox.length > 0 || current) {
    throw new Error("passivatedState: only an idle room passivates");
  }
  const { context: _context, ...state } = withoutStandby(persisted as Snapshot<unknown> & { context: unknown; value: unknown; children: object });
  const key = JSON.stringify(state);
  let shared = interned.get(key);
  if (!shared) {
    shared = Object.freeze(state);
    interned.set(key, shared);
  }
  return shared;
}

/**
 * A room whose request runner waits for more (`mailbox.busy.standby`) has nothing in flight: it
 * passivates as if its mailbox were `waiting`, without the runner (a callback actor has no state
 * to keep, and the resumed room starts one for its next request).
 */
function withoutStandby<S extends { value: unknown; children: object }>(persisted: S): S {
  const active = (persisted.value as { active?: { mailbox?: unknown } }).active;
  if ((active?.mailbox as { busy?: unknown } | undefined)?.busy !== "standby") return persisted;
  const { requests: _runner, ...children } = persisted.children as Record<string, unknown>;
  return { ...persisted, value: { ...(persisted.value as object), active: { ...active, mailbox: "waiting" } }, children };
}

/** The persisted snapshot a passivated room resumes from: `createActor(machine, { snapshot, input })`. */
export function resumedSnapshot(state: PassivatedState, input: RoomInput): Snapshot<unknown> {
  return { ...state, context: initialContext(input) } as unknown as Snapshot<unknown>;
}

/** True when `fillParticipants` ran in the run this passivated room comes from. */
export function participantsKnownIn(state: PassivatedState): boolean {
  const lifecycle = (state.value as { active?: { lifecycle?: unknown } }).active?.lifecycle;
  return lifecycle === "participantsFilled" || (typeof lifecycle === "object" && lifecycle !== null && "joined" in lifecycle);
}

/** The machine states a room restored with its participants resumes from, per machine: without, with history. */
const filledStates = new WeakMap<object, [PassivatedState | undefined, PassivatedState | undefined]>();

/**
 * The passivated form of an idle room whose `fillParticipants` ran in this run (maybe in another
 * process, see `RoomFlags.filledInRun`): its participants known, its mailbox waiting, its archive
 * `filled` when `backfilled` (`RoomFlags.backfilledInRun`), else not yet backfilled. A resumed room
 * runs no `updateInfo` and no `fillParticipants`, and no `backfill` when `backfilled`.
 */
export function participantsFilledState(machine: typeof roomMachine, backfilled = false): PassivatedState {
  const states = filledStates.get(machine) ?? [undefined, undefined];
  filledStates.set(machine, states);
  const at = backfilled ? 1 : 0;
  let state = states[at];
  if (!state) {
    const context = initialContext({ mailboxSize: 1, callbackTimeoutMs: 1 });
    const value = { active: { lifecycle: "participantsFilled", archive: backfilled ? "filled" : "empty", mailbox: "waiting" } };
    const snapshot = machine.resolveState({ value, context });
    state = passivatedState(machine.getPersistedSnapshot(snapshot), context);
    states[at] = state;
  }
  return state;
}
