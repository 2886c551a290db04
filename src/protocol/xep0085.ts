/**
 * XEP-0085: Chat State Notifications, version 2.1
 * https://xmpp.org/extensions/xep-0085.html
 *
 * In a groupchat (§5.5) a state goes to every occupant; mucstate sends the legacy network's
 * typing notifications this way and never archives them.
 */
import { type Element, xml } from "@xmpp/component";
import { NS } from "./namespaces.js";

/** The five chat states. */
export type ChatState = "active" | "composing" | "paused" | "inactive" | "gone";

const STATES: ReadonlySet<string> = new Set<ChatState>(["active", "composing", "paused", "inactive", "gone"]);

/** Builds `<composing xmlns="http://jabber.org/protocol/chatstates"/>` (or another state). */
export function chatStateElement(state: ChatState): Element {
  return xml(state, { xmlns: NS.CHAT_STATES });
}

/** The chat state a message carries, if any (the first one, as a client sends one). */
export function parseChatState(message: Element): ChatState | undefined {
  for (const child of message.getChildElements()) {
    if (child.attrs.xmlns === NS.CHAT_STATES && STATES.has(child.name)) return child.name as ChatState;
  }
  return undefined;
}
