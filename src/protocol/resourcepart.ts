/**
 * RFC 7622: XMPP Address Format, §3.4 Resourcepart (September 2015)
 * https://www.rfc-editor.org/rfc/rfc7622#section-3.4
 * XEP-0045: Multi-User Chat, version 1.35, §7.2 (the room nickname is the resourcepart
 * of the occupant JID) — https://xmpp.org/extensions/xep-0045.html
 * XML 1.0 (Fifth Edition) §2.2 Characters — https://www.w3.org/TR/xml/#charsets
 *
 * Pure helpers turning legacy display names into room nicknames. The original
 * name travels separately in an XEP-0172 <nick/> element (see xep0172.ts).
 *
 * Validity follows the OpaqueString profile (RFC 8265 §4.2) of the PRECIS
 * FreeformClass (RFC 8264) that RFC 7622 uses for resourceparts: a string is
 * accepted only if preparation would leave it unchanged, so the occupant JID we
 * send is the one the server routes back to us.
 *
 * Determinism note: "unassigned" (\p{Cn}) and NFC come from the Unicode data of
 * the running Node.js (ICU). A name using a code point that a newer Unicode
 * version assigns may map differently after a Node.js upgrade.
 */
import { createHash } from "node:crypto";

/** RFC 7622 §3.4: a resourcepart is at most 1023 octets in UTF-8. */
const MAX_RESOURCE_BYTES = 1023;

/**
 * Code points the FreeformClass disallows (RFC 8264 §9): controls (C0, DEL, C1),
 * unassigned (incl. U+FFFE/U+FFFF), surrogates, line/paragraph separators,
 * default-ignorable code points (zero-width chars, variation selectors, bidi
 * controls, tags), noncharacters, and conjoining (old) Hangul jamo.
 * Together these also cover every character that is not an XML 1.0 Char.
 */
const DISALLOWED_SOURCE =
  "[\\p{Cc}\\p{Cn}\\p{Cs}\\p{Zl}\\p{Zp}\\p{Default_Ignorable_Code_Point}\\p{Noncharacter_Code_Point}" +
  "\\u1100-\\u11FF\\uA960-\\uA97F\\uD7B0-\\uD7FF]";
const DISALLOWED = new RegExp(DISALLOWED_SOURCE, "u");
const DISALLOWED_ALL = new RegExp(DISALLOWED_SOURCE, "gu");

/** Space separators other than U+0020; OpaqueString maps them to U+0020. */
const NON_ASCII_SPACE = /[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/u;

/** Any run of Unicode whitespace (incl. tab, newlines, NBSP); collapsed to one U+0020. */
const WHITESPACE_RUN = /\p{White_Space}+/gu;

/** Everything outside the XML 1.0 `Char` production. */
const NON_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** RFC 4648 base32 alphabet, lower-cased to read well inside a nickname. */
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** Upper bound for the numeric fallback of {@link disambiguateNick}. */
const MAX_NUMBERED_CANDIDATES = 1_000_000;

function utf8Length(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

/** Longest prefix of `s` that fits in `maxBytes` of UTF-8, cut between code points. */
function truncateToBytes(s: string, maxBytes: number): string {
  if (utf8Length(s) <= maxBytes) return s;
  let out = "";
  let bytes = 0;
  for (const ch of s) {
    const size = utf8Length(ch);
    if (bytes + size > maxBytes) break;
    out += ch;
    bytes += size;
  }
  return out;
}

/**
 * Six base32 characters (30 bits) of SHA-256 over the UTF-16 code units of `s`.
 * UTF-16 rather than UTF-8 so that different lone surrogates (which UTF-8
 * encoding would all turn into U+FFFD) still hash differently.
 */
function shortHash(s: string): string {
  const n = createHash("sha256").update(s, "utf16le").digest().readUInt32BE(0);
  let out = "";
  for (let shift = 27; shift >= 2; shift -= 5) out += BASE32.charAt((n >>> shift) & 31);
  return out;
}

/**
 * Whether `s` can be used unchanged as a resourcepart (room nickname).
 *
 * True when `s`:
 * - is non-empty and at most 1023 bytes in UTF-8;
 * - contains no control character (C0, DEL, C1), unassigned code point
 *   (`\p{Cn}`, which includes U+FFFE/U+FFFF), surrogate, line/paragraph
 *   separator, default-ignorable code point (e.g. U+200B, U+200D ZWJ, U+FE0F
 *   variation selector, U+FEFF), noncharacter or conjoining Hangul jamo —
 *   these are disallowed by the PRECIS FreeformClass, and legacy stringprep
 *   servers silently delete several of them, which would change the JID;
 * - contains no space character other than U+0020 (OpaqueString maps them);
 * - does not start or end with a space (nickname comparison rules trim them);
 * - is in Unicode Normalization Form C.
 *
 * Private-use characters are allowed (OpaqueString permits them). Every string
 * accepted here consists of XML 1.0 characters only.
 *
 * @param s - candidate nickname.
 * @returns whether `s` is a valid, stable resourcepart.
 */
export function isValidResourcepart(s: string): boolean {
  return (
    s.length > 0 &&
    utf8Length(s) <= MAX_RESOURCE_BYTES &&
    !DISALLOWED.test(s) &&
    !NON_ASCII_SPACE.test(s) &&
    !s.startsWith(" ") &&
    !s.endsWith(" ") &&
    s === s.normalize("NFC")
  );
}

/** Result of {@link toResourcepart}. */
export interface ResourcepartResult {
  /** A valid resourcepart (see {@link isValidResourcepart}). */
  resource: string;
  /** True when `resource` differs from the input name. */
  mangled: boolean;
}

/**
 * Turns a legacy display name into a room nickname (resourcepart).
 *
 * Deterministic (same name → same result, for a given Unicode version) and
 * idempotent on its output. If `name` is already valid it is returned as is
 * with `mangled: false`. Otherwise, with `mangled: true`:
 * 1. NFC-normalise; turn every whitespace run (tab, newline, NBSP, …) into one
 *    space; delete the disallowed code points listed on
 *    {@link isValidResourcepart}; NFC-normalise again; trim.
 * 2. If something remains, the result is `"<rest>-<hash>"`, where `<hash>` is 6
 *    base32 characters of SHA-256 over the original name, so two different
 *    invalid names that clean up to the same text still get different
 *    nicknames (barring a 1-in-2^30 hash collision; the room makes any clash
 *    left unique when it creates the participant). `<rest>` is cut, between code points,
 *    so the whole fits in 1023 bytes.
 * 3. If nothing remains, the result is `"nick-<hash>"`.
 *
 * @param name - display name from the legacy network (any string).
 * @returns the nickname and whether it had to be altered.
 */
export function toResourcepart(name: string): ResourcepartResult {
  if (isValidResourcepart(name)) return { resource: name, mangled: false };
  const suffix = `-${shortHash(name)}`;
  const cleaned = name
    .normalize("NFC")
    .replace(WHITESPACE_RUN, " ")
    .replace(DISALLOWED_ALL, "")
    .replace(/ {2,}/g, " ")
    .normalize("NFC")
    .trim();
  const rest = truncateToBytes(cleaned, MAX_RESOURCE_BYTES - utf8Length(suffix)).trimEnd();
  const candidate = rest + suffix;
  if (rest.length > 0 && isValidResourcepart(candidate)) {
    return { resource: candidate, mangled: true };
  }
  return { resource: `nick${suffix}`, mangled: true };
}

/** `"<root> (<suffix>)"`, with `root` shortened to stay within 1023 bytes; undefined if invalid. */
function withSuffix(root: string, suffix: string): string | undefined {
  const tail = ` (${suffix})`;
  const room = MAX_RESOURCE_BYTES - utf8Length(tail);
  if (room <= 0) return undefined;
  const candidate = truncateToBytes(root, room).trimEnd() + tail;
  return isValidResourcepart(candidate) ? candidate : undefined;
}

/**
 * Picks a nickname that is not yet taken in a room, deterministically.
 *
 * `base` is first passed through {@link toResourcepart} (a no-op for a valid
 * nickname). Candidates are tried in this order and the first one for which
 * `taken` returns false is returned:
 * 1. the base itself;
 * 2. `"base (s)"` for each `s` of `suffixes`, in order (e.g. the contact's
 *    legacy id); a suffix that would make the nickname invalid is skipped;
 * 3. `"base (2)"`, `"base (3)"`, …
 *
 * The base is shortened (between code points) when needed so that every
 * candidate fits in 1023 bytes; every returned value is a valid resourcepart.
 *
 * @param base - preferred nickname, normally `toResourcepart(name).resource`.
 * @param taken - returns true when a candidate is already used in the room.
 *   Compare the way the MUC service does if it folds case or width.
 * @param suffixes - preferred disambiguators, tried before the numbers.
 * @returns a free nickname.
 * @throws RangeError if `taken` rejects one million numbered candidates.
 */
export function disambiguateNick(
  base: string,
  taken: (candidate: string) => boolean,
  suffixes: readonly string[] = [],
): string {
  const root = toResourcepart(base).resource;
  if (!taken(root)) return root;
  for (const suffix of suffixes) {
    const candidate = withSuffix(root, suffix);
    if (candidate !== undefined && !taken(candidate)) return candidate;
  }
  for (let n = 2; n <= MAX_NUMBERED_CANDIDATES; n++) {
    const candidate = withSuffix(root, String(n));
    if (candidate !== undefined && !taken(candidate)) return candidate;
  }
  throw new RangeError(`disambiguateNick: no free nickname for "${root}"`);
}

/**
 * Removes every character that XML 1.0 does not allow: C0 controls other than
 * tab, line feed and carriage return; lone surrogates; U+FFFE and U+FFFF.
 * Everything else (including emoji and other astral characters written as
 * proper surrogate pairs) is kept.
 *
 * Apply it to every string that comes from the legacy network before it goes
 * into a stanza: a single illegal character makes the XMPP server treat the
 * stream as not well-formed and close it.
 *
 * @param s - any string.
 * @returns `s` without the characters XML 1.0 forbids.
 */
export function xmlSafeText(s: string): string {
  return s.replace(NON_XML_CHAR, "");
}
