/**
 * Stanza errors as JavaScript errors: RFC 6120 §8.3 (Stanza Errors),
 * https://www.rfc-editor.org/rfc/rfc6120#section-8.3. Plugins throw them, the transport rejects
 * with them, and mucstate turns any of them into the `<error/>` the user receives. They live in
 * the protocol layer so that transport, actors and the plugin API share them without importing
 * each other (plugins import them from `mucstate`, through `src/legacy/errors.ts`).
 */
import type { Element } from "@xmpp/component";
import type { StanzaErrorCondition } from "./conditions.js";
import { defaultErrorType } from "./conditions.js";
import { type StanzaErrorData, type StanzaErrorType, parseStanzaError } from "./rfc6120.js";

/**
 * An error that carries an XMPP stanza error condition (RFC 6120 §8.3.3).
 *
 * @remarks
 * Throw it from any legacy callback: the user's request is answered with exactly this
 * condition, type and text. Any other error becomes `internal-server-error` with a generic text.
 *
 * @example
 * ```ts
 * override async onSetSubject(subject: string) {
 *   if (!this.canEdit) throw new XMPPError("forbidden", "Only admins can change the topic");
 * }
 * ```
 */
export class XMPPError extends Error {
  /** The RFC 6120 condition, e.g. `item-not-found`. */
  readonly condition: StanzaErrorCondition;
  /** The error type; defaults to the RFC's usual type for the condition. */
  readonly type: StanzaErrorType;
  /** Human-readable text sent to the user, if any. */
  readonly text: string | undefined;

  constructor(condition: StanzaErrorCondition, text?: string, type?: StanzaErrorType) {
    super(text ? `${condition}: ${text}` : condition);
    this.name = "XMPPError";
    this.condition = condition;
    this.type = type ?? defaultErrorType(condition);
    this.text = text;
  }

  /**
   * The error an `<error/>` stanza carries; `undefined-condition` when it names none.
   *
   * @example
   * ```ts
   * if (iq.attrs.type === "error") throw XMPPError.fromElement(iq);
   * ```
   */
  static fromElement(stanza: Element): XMPPError {
    const error = parseStanzaError(stanza);
    return new XMPPError(error?.condition ?? "undefined-condition", error?.text, error?.type);
  }

  /** The error as plain data, as stanza builders and machine events carry it. */
  toData(): StanzaErrorData {
    return { condition: this.condition, type: this.type, text: this.text };
  }
}

/**
 * Thrown by default by every optional legacy callback; answered with `feature-not-implemented`.
 */
export class NotImplementedError extends Error {
  constructor(what = "This") {
    super(`${what} is not implemented by the legacy network`);
    this.name = "NotImplementedError";
  }
}

/**
 * Maps anything a legacy callback threw to the stanza error the user receives.
 *
 * - {@link XMPPError}: passed through;
 * - {@link NotImplementedError}: `feature-not-implemented`;
 * - anything else: `internal-server-error` with a text that says the gateway hit an unexpected error
 *   and reveals no internals (`UNEXPECTED`).
 */
export function toStanzaError(error: unknown): StanzaErrorData {
  if (error instanceof XMPPError) return error.toData();
  if (error instanceof NotImplementedError) {
    return { condition: "feature-not-implemented", type: "cancel", text: "Not implemented by the legacy network" };
  }
  return UNEXPECTED;
}

/**
 * The answer to a failure nobody meant for the user: a bug in the plugin or in mucstate, a store
 * that failed, a network error the plugin did not turn into an {@link XMPPError}. Its text says
 * that much and no more (whose fault it was is not known here, and the error's own message may
 * hold internals); a plugin that wants the user to read why throws an {@link XMPPError}.
 */
export const UNEXPECTED: StanzaErrorData = {
  condition: "internal-server-error",
  type: "cancel",
  text: "The gateway hit an unexpected error while handling this request",
};
