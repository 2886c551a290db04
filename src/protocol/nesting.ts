/**
 * How deeply an incoming stanza's elements nest. XMPP (RFC 6120 §8) sets no bound, and a server
 * delivers a stanza thousands of elements deep as long as it fits its size limit (`<x>` costs 7
 * bytes: 512 KiB hold 70,000 levels). The gateway copies and serializes stanzas recursively (an
 * echo is a copy of the user's message), so such a stanza overflows the stack halfway through a
 * request, after the plugin got it. The router refuses stanzas deeper than {@link MAX_NESTING}.
 */
import type { Element } from "@xmpp/component";

/**
 * The deepest stanza the gateway takes, counting the stanza itself as 1. Real stanzas stay far
 * below: a reply with an XHTML-IM body nests about 10 levels, a forwarded MAM result about 8.
 */
export const MAX_NESTING = 128;

/** True when an element of `stanza` lies deeper than `max` levels. Iterative: any depth is safe. */
export function nestsDeeperThan(stanza: Element, max: number = MAX_NESTING): boolean {
  const stack: Array<[Element, number]> = [[stanza, 1]];
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [el, depth] = top;
    if (depth > max) return true;
    for (const child of el.children) if (typeof child !== "string") stack.push([child, depth + 1]);
  }
  return false;
}
