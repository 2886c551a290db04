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

/** What {@link qualifiedTree} reads of an element (ltx elements of either library). */
interface Node {
  name: string;
  attrs: Record<string, unknown>;
  children: ReadonlyArray<Node | string>;
}

/**
 * Every element of a stanza as `{namespace}name`, indented two spaces per depth, in document
 * order: namespaces resolved as a namespace-aware parser (expat, lxml, slixmpp) resolves them,
 * from `xmlns` and `xmlns:prefix` declarations in scope; the stanza itself inherits `streamNs`
 * (`jabber:client`, what a client's stream declares) unless it declares its own.
 *
 * @example
 * expect(qualifiedTree(result)).toContain("      {jabber:client}message");
 */
export function qualifiedTree(el: Node, streamNs = "jabber:client"): string[] {
  const lines: string[] = [];
  const walk = (node: Node, scope: ReadonlyMap<string, string>, depth: number) => {
    const inner = new Map(scope);
    for (const [key, value] of Object.entries(node.attrs)) {
      if (key === "xmlns") inner.set("", String(value));
      else if (key.startsWith("xmlns:")) inner.set(key.slice(6), String(value));
    }
    const colon = node.name.indexOf(":");
    const prefix = colon === -1 ? "" : node.name.slice(0, colon);
    const local = colon === -1 ? node.name : node.name.slice(colon + 1);
    lines.push(`${"  ".repeat(depth)}{${inner.get(prefix) ?? ""}}${local}`);
    for (const child of node.children) if (typeof child !== "string") walk(child, inner, depth + 1);
  };
  walk(el, new Map([["", streamNs]]), 0);
  return lines;
}

/**
 * How a MAM result message begins, by {@link qualifiedTree}: the archived message forwarded in
 * `jabber:client` (XEP-0313 §4.2, XEP-0297 §3), with a body.
 */
export const MAM_RESULT_HEAD: readonly string[] = [
  "{jabber:client}message",
  "  {urn:xmpp:mam:2}result",
  "    {urn:xmpp:forward:0}forwarded",
  "      {urn:xmpp:delay}delay",
  "      {jabber:client}message",
  "        {jabber:client}body",
];

/**
 * The text of a stanza's direct child named `{namespace}name`, with the namespace resolved as
 * {@link qualifiedTree} resolves it (a child without `xmlns` is in its stanza's namespace, which
 * is `streamNs` unless declared); undefined when there is no such child. Use it instead of
 * `getChildText("body")`, which matches a `<body/>` in any namespace.
 *
 * @example
 * expect(qualifiedText(message, "{jabber:client}body")).toBe("hello");
 */
export function qualifiedText(el: Node, qualifiedName: string, streamNs = "jabber:client"): string | undefined {
  return qualifiedChild(el, qualifiedName, streamNs)?.children.filter((c): c is string => typeof c === "string").join("");
}

/**
 * The stanza's first direct child named `{namespace}name`, the namespace resolved as
 * {@link qualifiedText} resolves it; undefined when there is none. Use it instead of
 * `getChild("error")`, which matches an `<error/>` in any namespace.
 */
export function qualifiedChild<T extends Node>(el: T, qualifiedName: string, streamNs = "jabber:client"): T | undefined {
  const stanzaNs = typeof el.attrs.xmlns === "string" ? el.attrs.xmlns : streamNs;
  for (const child of el.children) {
    if (typeof child === "string" || child.name.includes(":")) continue;
    const ns = typeof child.attrs.xmlns === "string" ? child.attrs.xmlns : stanzaNs;
    if (`{${ns}}${child.name}` === qualifiedName) return child as T;
  }
  return undefined;
}

/** Whether the stanza itself is `{namespace}name`, in `streamNs` unless it declares its own: `s.name === "message"` with the namespace checked too. */
export function isQualified(el: Node, qualifiedName: string, streamNs = "jabber:client"): boolean {
  return qualifiedTree({ ...el, children: [] }, streamNs)[0] === qualifiedName;
}
