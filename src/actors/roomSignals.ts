/**
 * Signals from the user's clients in a room: chat states (XEP-0085 §5.5) and displayed markers
 * (XEP-0333 §3) in a groupchat message without a body. They are not requests: they never enter
 * the mailbox and never wait behind it, but go the way of reads (handled as soon as the room's
 * info is known). They are not archived, and a failure gets no error reply: clients send them
 * all the time. A displayed marker the plugin took is echoed to the user's other resources.
 */
import type { Element } from "@xmpp/component";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import { parseChatState } from "../protocol/xep0085.js";
import { displayedElement, parseDisplayed } from "../protocol/xep0333.js";
import type { RoomActor } from "./RoomActor.js";
import { participantSignal, userJid } from "./roomStanzas.js";

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

/**
 * Runs `onComposing`/`onPaused` and `onDisplayed(legacy id)` for a signal from `resource` once the
 * room's info is known. A marker that names no known message is dropped; a failed callback goes
 * to the gateway's `onWarning`. A marker the plugin took goes to the user's other resources
 * whose join sequence is done.
 */
export function handleSignal(room: RoomActor, message: Element, resource: string, signal: Signal): void {
  const r = room.room;
  room.read(undefined, "info", async () => {
    if (signal.state && !(await attempt(room, signal.state, () => (signal.state === "composing" ? r.onComposing() : r.onPaused())))) return [];
    const id = signal.displayed;
    if (id === undefined) return [];
    const target = await room.archive.known(id);
    if (!target || !(await attempt(room, "displayed", () => r.onDisplayed(target.legacyId ?? id)))) return [];
    const { resources, streaming } = room.snapshot.context;
    return resources.filter((o) => o !== resource && !streaming.includes(o)).map((o) => displayedEcho(r, message, id, userJid(r, o)));
  });
}

/** Runs a signal's callback: true when it succeeded, else its error goes to the gateway's `onWarning`. */
async function attempt(room: RoomActor, what: string, callback: () => Promise<void>): Promise<boolean> {
  try {
    await callback();
    return true;
  } catch (error) {
    room.warn(`The legacy network did not take the user's ${what} signal in ${room.room.jid}`, error);
    return false;
  }
}

/** The user's displayed marker for another resource: from the user's occupant JID, with occupant-id, no stanza-id. */
function displayedEcho(room: LegacyRoom, message: Element, id: string, to: string): Element {
  const echo = participantSignal(room._userParticipant(), to, displayedElement(id));
  if (message.attrs.id !== undefined) echo.attrs.id = message.attrs.id;
  return echo;
}
