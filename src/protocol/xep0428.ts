/**
 * XEP-0428: Fallback Indication, version 0.2.0
 * https://xmpp.org/extensions/xep-0428.html
 *
 * Marks the parts of a body that only stand in for an extension (such as the quote of an
 * XEP-0461 reply) for clients that do not support it. Ranges count code points (XEP-0426).
 */
import { type Element, xml } from "@xmpp/component";

/** The fallback indication namespace. */
export const NS_FALLBACK = "urn:xmpp:fallback:0";

/** The namespace of the Compatibility Fallbacks proposal that XEP-0461's own example still uses; read, never sent. */
export const NS_FEATURE_FALLBACK = "urn:xmpp:feature-fallback:0";

/** A half-open range `[start, end)` of a body, in code points. */
export interface CodePointRange {
  start: number;
  end: number;
}

/**
 * The ranges of the body that the message's `<fallback for=…/>` elements (in either namespace)
 * mark as a fallback for `forNs`, each within `[0, bodyLength]` (`bodyLength` in code points), or
 * undefined when none is for `forNs`. A fallback without a `<body/>` child, or a `<body/>` without
 * `start` and `end`, covers the whole body (§2.2); a range that is not two integers with
 * start ≤ end is ignored. Ranges may overlap.
 */
export function fallbackRanges(message: Element, forNs: string, bodyLength: number): CodePointRange[] | undefined {
  const all = [...message.getChildren("fallback", NS_FALLBACK), ...message.getChildren("fallback", NS_FEATURE_FALLBACK)];
  const fallbacks = all.filter((f) => f.attrs.for === forNs);
  if (fallbacks.length === 0) return undefined;
  const ranges: CodePointRange[] = [];
  for (const fallback of fallbacks) {
    const bodies = fallback.getChildren("body");
    if (fallback.getChildElements().length === 0) ranges.push({ start: 0, end: bodyLength });
    for (const body of bodies) {
      const { start, end } = body.attrs;
      if (start === undefined && end === undefined) {
        ranges.push({ start: 0, end: bodyLength });
        continue;
      }
      const s = Number(start);
      const e = Number(end);
      if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e < s) continue;
      ranges.push({ start: Math.min(s, bodyLength), end: Math.min(e, bodyLength) });
    }
  }
  return ranges;
}

/** Builds `<fallback for><body start end/></fallback>` marking `range` of the body as a fallback for `forNs`. */
export function fallbackElement(forNs: string, range: CodePointRange): Element {
  return xml("fallback", { xmlns: NS_FALLBACK, for: forNs }, xml("body", { start: String(range.start), end: String(range.end) }));
}
