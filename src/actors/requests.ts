/**
 * Request handlers: each awaits one legacy callback and returns the {@link Plan} of stanzas to
 * send when it succeeds. They run inside the room's mailbox, one at a time.
 */
import type { Element } from "@xmpp/component";
import { nanoid } from "nanoid";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import { cloneElement } from "../protocol/rfc6120.js";
import { stanzaIdElement, stripStanzaIds } from "../protocol/xep0359.js";
import { occupantIdElement, stripOccupantIds } from "../protocol/xep0421.js";
import type { RequestHandler } from "./RoomActor.js";

/** The echo of a user's groupchat message to one resource, from the user's occupant JID. */
export function echoOf(room: LegacyRoom, message: Element, to: string, stanzaId: string): Element {
  const echo = cloneElement(message);
  stripStanzaIds(echo, room.jid);
  stripOccupantIds(echo);
  echo.attrs = { ...echo.attrs, from: room._userParticipant().jid, to, type: "groupchat" };
  delete echo.attrs.xmlns;
  echo.append(stanzaIdElement(stanzaId, room.jid));
  echo.append(occupantIdElement(room._userParticipant().occupantId));
  return echo;
}

/** A groupchat body from the user: `onText`, then the echo to every joined resource. */
export function textMessage(message: Element): RequestHandler {
  const body = message.getChildText("body") ?? "";
  return async (room) => {
    const legacyId = await room.onText(body, { xmppId: message.attrs.id });
    const stanzaId = typeof legacyId === "string" && legacyId !== "" ? legacyId : nanoid();
    return (resources) => resources.map((r) => echoOf(room, message, `${room.session.user}/${r}`, stanzaId));
  };
}
