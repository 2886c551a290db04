/**
 * Stanza size bounds. RFC 6120 §13.12 (Denial of Service) lets a server limit the size of the
 * stanzas it accepts, and servers do: Prosody 0.12 closes a component's stream
 * (`component_stanza_size_limit`, 512 KiB by default) on the first stanza over it, which loses
 * every stanza in flight for every user. ejabberd's `max_stanza_size` listener option does the
 * same where it is set (its example configuration: 256 KiB for clients, 512 KiB between
 * servers). A gateway therefore measures what it sends, in serialized UTF-8 bytes, against one
 * bound, `maxStanzaBytes`.
 * https://www.rfc-editor.org/rfc/rfc6120#section-13.12
 */
import { type Element, xml } from "@xmpp/component";
import { type StanzaErrorData, stanzaError } from "./rfc6120.js";

/**
 * Default of `maxStanzaBytes`: 480 KiB, under the 512 KiB that Prosody 0.12 accepts from a
 * component and that Prosody and ejabberd accept between servers, with 32 KiB to spare for what a
 * server adds when it re-serializes a stanza for a client or another server.
 */
export const DEFAULT_MAX_STANZA_BYTES = 480 * 1024;

/** The smallest `maxStanzaBytes` accepted: the stanzas the gateway builds itself must fit. */
export const MIN_MAX_STANZA_BYTES = 16 * 1024;

/** The largest `maxStanzaBytes` accepted (64 MiB): no XMPP server takes more. */
export const MAX_MAX_STANZA_BYTES = 64 * 1024 * 1024;

/**
 * What the gateway may add to a user's stanza when it echoes it, fans it out or serves it from the
 * archive: a stanza-id and an occupant-id, `from` and `to` rewritten (a nick up to 1023 bytes),
 * and the MAM result wrapping (result, forwarded, delay). Counted generously: a stanza within
 * `maxStanzaBytes - ECHO_ALLOWANCE_BYTES` always yields an echo within `maxStanzaBytes`.
 */
export const ECHO_ALLOWANCE_BYTES = 4 * 1024;

/** A UTF-16 code unit is at most 3 bytes of UTF-8. */
const MAX_BYTES_PER_UNIT = 3;
/** Escaped, a code unit is at most 6 bytes (`'` becomes `&apos;`). */
const MAX_ESCAPED_BYTES_PER_UNIT = 6;

/** True when `serialized` (a stanza's XML) is over `limit` bytes of UTF-8. */
export function isOverLimit(serialized: string, limit: number): boolean {
  // A UTF-16 code unit is 1 to 3 bytes: most stanzas are decided by their length alone.
  if (serialized.length > limit) return true;
  if (serialized.length * MAX_BYTES_PER_UNIT <= limit) return false;
  return Buffer.byteLength(serialized, "utf8") > limit;
}

/** Serialized UTF-8 bytes of a stanza. */
export function stanzaBytes(stanza: Element): number {
  return Buffer.byteLength(stanza.toString(), "utf8");
}

/**
 * True when a stanza from a user is too big to be taken: its echo (or fan-out, or archived copy)
 * could exceed `limit` once the gateway added what it adds ({@link ECHO_ALLOWANCE_BYTES}).
 */
export function isTooBigToEcho(stanza: Element, limit: number): boolean {
  const bound = limit - ECHO_ALLOWANCE_BYTES;
  // Nearly every stanza is far under the bound: a bound of its bytes decides without serializing it.
  if (maxSerializedBytes(stanza, bound) <= bound) return false;
  return isOverLimit(stanza.toString(), bound);
}

/**
 * At least the serialized UTF-8 bytes of `element`, as `toString()` writes it (each code unit of a
 * name, attribute or text at most {@link MAX_ESCAPED_BYTES_PER_UNIT} bytes, the markup around
 * them counted in full), without writing it; it stops adding once over `cap`. Serializing a
 * user's message only to measure it was 1 % of the gateway's time in the roundtrip benchmark.
 * Recursive: call it on stanzas whose nesting was checked (`nesting.ts`).
 */
export function maxSerializedBytes(element: Element, cap: number): number {
  const nameBytes = MAX_ESCAPED_BYTES_PER_UNIT * element.name.length;
  // `<name` and `>`, `</name>`.
  let bytes = 2 * nameBytes + 5;
  for (const key in element.attrs) {
    const value = element.attrs[key];
    if (value === undefined || value === null) continue;
    // ` key="value"`
    bytes += 4 + MAX_ESCAPED_BYTES_PER_UNIT * (key.length + String(value).length);
  }
  for (const child of element.children) {
    if (bytes > cap) return bytes;
    bytes += typeof child === "string" ? MAX_ESCAPED_BYTES_PER_UNIT * child.length : maxSerializedBytes(child, cap - bytes);
  }
  return bytes;
}

/** The error for a user's stanza over the bound: `policy-violation` (modify) naming the limit. */
export function tooBigError(limit: number): StanzaErrorData {
  return {
    condition: "policy-violation",
    type: "modify",
    text: `Too large: this gateway sends stanzas of at most ${limit} bytes, and what it adds to a message (${ECHO_ALLOWANCE_BYTES} bytes) must fit too`,
  };
}

/**
 * What to send instead of an iq result of `bytes` over `limit` (a long member list, a big vCard),
 * so that the request is still answered: an iq error with the same addresses and id,
 * `resource-constraint` (cancel) with a text giving both sizes. Undefined for other stanzas.
 */
export function tooLargeAnswer(stanza: Element, bytes: number, limit: number): Element | undefined {
  if (stanza.name !== "iq" || stanza.attrs.type !== "result") return undefined;
  const { from, to, id } = stanza.attrs;
  const text = `The answer is ${bytes} bytes, over this gateway's limit of ${limit} bytes; ask for less (a smaller page) if you can`;
  return xml("iq", { from, to, id, type: "error" }, stanzaError({ condition: "resource-constraint", type: "cancel", text }));
}

/**
 * Throws a `RangeError` naming the limit when a text the plugin gives (a message body) would
 * make a stanza over `limit` bytes: its escaped bytes plus {@link ECHO_ALLOWANCE_BYTES}.
 *
 * @param what - how the call is named in the message, e.g. `"sendText"`
 */
export function checkPluginText(what: string, text: string, limit: number): void {
  const room = limit - ECHO_ALLOWANCE_BYTES;
  if (text.length * MAX_ESCAPED_BYTES_PER_UNIT <= room) return;
  const bytes = stanzaBytes(xml("body", {}, text));
  if (bytes > room) {
    throw new RangeError(
      `${what}: the text is ${bytes} bytes once escaped; with what a message adds (${ECHO_ALLOWANCE_BYTES} bytes) it would exceed maxStanzaBytes (${limit} bytes). Split it, or raise maxStanzaBytes (and the server's stanza size limit)`,
    );
  }
}
