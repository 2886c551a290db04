/**
 * The stanza errors the room machine decides on by itself: timeouts, a full mailbox, a
 * destroyed room, and whatever an invoked callback rejected with.
 */
import type { StanzaErrorData } from "../protocol/rfc6120.js";

/** A legacy callback did not settle in time. */
export const TIMEOUT: StanzaErrorData = {
  condition: "remote-server-timeout",
  type: "wait",
  text: "The legacy network did not answer in time",
};

/** The room was destroyed. */
export const GONE: StanzaErrorData = { condition: "item-not-found", type: "cancel", text: "This room has been destroyed" };

/** The user was taken out of the room (by the legacy network, or with XEP-0077 `<remove/>`). */
export const REMOVED: StanzaErrorData = { condition: "item-not-found", type: "cancel", text: "You are no longer in this room" };

/** The mailbox is full. */
export const FULL: StanzaErrorData = {
  condition: "resource-constraint",
  type: "wait",
  text: "Too many requests are waiting for this room; retry later",
};

/**
 * The answer to a stanza that waited when the gateway stopped. `service-unavailable` is what
 * clients show as "service unavailable", and type `wait` says it is temporary: nothing was
 * done, so sending it again later is safe.
 */
export const SHUTTING_DOWN: StanzaErrorData = {
  condition: "service-unavailable",
  type: "wait",
  text: "The gateway is shutting down; this was not sent to the legacy network. Try again when it is back.",
};

/**
 * The answer to a request whose callback outlived the shutdown's grace period: the same
 * condition as a callback timeout, since its outcome on the legacy network is unknown.
 */
export const ABANDONED: StanzaErrorData = {
  condition: "remote-server-timeout",
  type: "wait",
  text: "The gateway shut down before the legacy network answered; the request may or may not have been carried out.",
};

/** Turns whatever an invoked actor rejected with into stanza error data. */
export function errorOf(error: unknown): StanzaErrorData {
  if (error && typeof error === "object" && "condition" in error) return error as StanzaErrorData;
  // The words of `toStanzaError` for the same case (the machines import only types from the protocol layer).
  return { condition: "internal-server-error", type: "cancel", text: "The gateway hit an unexpected error while handling this request" };
}
