/**
 * RFC 5122: Internationalized Resource Identifiers (IRIs) and Uniform Resource Identifiers (URIs)
 * for the Extensible Messaging and Presence Protocol (XMPP), §2
 * https://www.rfc-editor.org/rfc/rfc5122#section-2
 *
 * Only what references need: a JID as an `xmpp:` URI without authority or query, and back.
 */

/** Characters that `encodeURI` leaves alone but that cannot appear literally in a JID's URI (§2.2). */
const RESERVED_IN_JID = /[?#;=&]/g;

/**
 * The `xmpp:` URI of a JID, percent-encoding what a URI cannot hold (spaces, non-ASCII
 * characters, `?`, `#`…) as UTF-8.
 *
 * @example
 * xmppUri("room@muc.example.org/weird guy") // "xmpp:room@muc.example.org/weird%20guy"
 */
export function xmppUri(jid: string): string {
  return `xmpp:${encodeURI(jid).replace(RESERVED_IN_JID, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/**
 * The JID an `xmpp:` URI names (its query dropped, percent-decoded), or undefined when `uri` is
 * no such URI, names an authority (`xmpp://…`), or is badly encoded.
 */
export function jidOfXmppUri(uri: string): string | undefined {
  if (!uri.startsWith("xmpp:") || uri.startsWith("xmpp://")) return undefined;
  const path = uri.slice("xmpp:".length).split("?")[0] as string;
  try {
    const jid = decodeURIComponent(path);
    return jid === "" ? undefined : jid;
  } catch {
    return undefined;
  }
}
