/**
 * Readers of stanzas that unit and end-to-end tests share, for component (@xmpp/component) and
 * client (@xmpp/client) elements alike.
 */

/** What {@link conditionOf} reads of an element. */
interface WithChildren {
  getChild(name: string): { getChildElements(): Array<{ name: string; attrs: Record<string, unknown> }> } | undefined;
}

/** The RFC 6120 stanza error condition of an error reply, if any. */
export function conditionOf(s: WithChildren | undefined): string | undefined {
  return s?.getChild("error")?.getChildElements().find((c) => c.attrs.xmlns === "urn:ietf:params:xml:ns:xmpp-stanzas")?.name;
}
