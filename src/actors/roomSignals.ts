/**
 * Signals from the user's clients in a room: chat states (XEP-0085 §5.5) and displayed markers
 * (XEP-0333 §3) in a groupchat message without a body. They are not requests: they never enter
 * the mailbox and never wait behind it, but go the way of reads (handled as soon as the room's
 * info is known). They are not archived, and a failure gets no error reply: clients send them
 * all the time. Their callbacks are bounded by `signalLanes.ts`. A displayed marker the plugin
 * took is echoed to the user's other resources.
 */
import type { Element } from "@xmpp/component";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import { parseChatState } from "../protocol/xep0085.js";
import { displayedElement, parseDisplayed } from "../protocol/xep0333.js";
import type { RoomActor } from "./RoomActor.js";
import { participantSignal, userJid } from "./roomStanzas.js";
import { SignalLanes } from "./signalLanes.js";

/** What a bodiless groupchat message signals. */
export interface Signal {
  /** The chat state that has a callback: `composing` or `paused`. */
  state?: "composing" | "paused";
  /** The stanza-id of the message a displayed marker names. */
  displayed?: string;
}

/** The signal a message carries, if any (other chat states have no callback). */
export function parseSignal(message: Element): Signal | undefined {
  const state = parseChatState(message);
  const displayed = parseDisplayed(message);
  const signal: Signal = {
    ...((state === "composing" || state === "paused") && { state }),
    ...(displayed !== undefined && { displayed }),
  };
  return signal.state || signal.displayed !== undefined ? signal : undefined;
}

/** Each running room's signal lanes (a room that passivates comes back with new ones). */
const lanesOf = new WeakMap<RoomActor, SignalLanes>();

function lanes(room: RoomActor): SignalLanes {
  let found = lanesOf.get(room);
  if (!found) {
    const warn = (what: string, error: unknown) => room.warn(`The legacy network did not take the user's ${what} signal in ${room.room.jid}`, error);
    found = new SignalLanes({ timeoutMs: room.snapshot.context.callbackTimeoutMs, warn });
    lanesOf.set(room, found);
  }
  return found;
}

/**
 * Runs `onComposing`/`onPaused` and `onDisplayed(legacy id)` for a signal from `resource` once the
 * room's info is known, bounded by the room's {@link SignalLanes} (one chat state in flight and
 * the latest waiting; markers in order, a bounded queue; the callback timeout). A marker that
 * names no known message is dropped; a failed or timed-out callback goes to the gateway's
 * `onWarning`. A marker the plugin took goes to the user's other resources whose join sequence
 * is done.
 */
export function handleSignal(room: RoomActor, message: Element, resource: string, signal: Signal): void {
  const r = room.room;
  room.read(undefined, "info", async () => {
    if (signal.state) lanes(room).chatState(signal.state, (state) => (state === "composing" ? r.onComposing() : r.onPaused()));
    const id = signal.displayed;
    if (id === undefined) return [];
    const target = await room.archive.known(id);
    if (!target || !(await lanes(room).displayed(() => r.onDisplayed(target.legacyId ?? id)))) return [];
    const { resources, streaming } = room.snapshot.context;
    return resources.filter((o) => o !== resource && !streaming.includes(o)).map((o) => displayedEcho(r, message, id, userJid(r, o)));
  });
}

/** The user's displayed marker for another resource: from the user's occupant JID, with occupant-id, no stanza-id. */
function displayedEcho(room: LegacyRoom, message: Element, id: string, to: string): Element {
  const echo = participantSignal(room._userParticipant(), to, displayedElement(id));
  if (message.attrs.id !== undefined) echo.attrs.id = message.attrs.id;
  return echo;
}
