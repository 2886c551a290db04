/**
 * XEP-0426: Character counting in message bodies, version 0.3
 * https://xmpp.org/extensions/xep-0426.html
 *
 * Offsets on the wire (XEP-0428 fallback ranges, XEP-0372 reference ranges) count Unicode code
 * points; JavaScript strings index UTF-16 code units. These count the one and convert from the
 * other: an emoji such as "🎉" is one code point and two code units.
 */

/** The number of code points in `text` (a lone surrogate counts as one). */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * The code-point offset of UTF-16 offset `offset` of `text`, or undefined when it lies outside
 * `text` or between the two halves of a surrogate pair.
 */
export function codePointOffset(text: string, offset: number): number | undefined {
  let units = 0;
  let points = 0;
  for (const c of text) {
    if (units === offset) return points;
    if (units > offset) return undefined;
    units += c.length;
    points++;
  }
  return units === offset ? points : undefined;
}
