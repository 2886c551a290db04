/**
 * XEP-0106: JID Escaping, version 1.1 (the examples as corrected in 1.1.1, 2016-07-08)
 * https://xmpp.org/extensions/xep-0106.html
 *
 * Pure helpers to turn a legacy-network id into an XMPP localpart and back.
 * §3.2 escaping, §3.3 unescaping, §4.1 rules 3, 6 and 7, §4.3 exceptions, §5.1 examples.
 * Localpart limits from RFC 7622 §3.3 (https://www.rfc-editor.org/rfc/rfc7622#section-3.3).
 */

/** The escape code (hex digits after the backslash) of each character XEP-0106 escapes. */
const CODE_OF: ReadonlyMap<string, string> = new Map([
  [" ", "20"],
  ['"', "22"],
  ["&", "26"],
  ["'", "27"],
  ["/", "2f"],
  [":", "3a"],
  ["<", "3c"],
  [">", "3e"],
  ["@", "40"],
  ["\\", "5c"],
]);

/** Reverse table: escape code → character. Codes are lower-case only (§3.1: case is significant). */
const CHAR_OF: ReadonlyMap<string, string> = new Map([...CODE_OF].map(([ch, code]) => [code, ch]));

/** One escape sequence; alternation is built from the table so the two can never drift apart. */
const ESCAPE_SEQUENCE = new RegExp(`\\\\(${[...CHAR_OF.keys()].join("|")})`, "g");

/** Characters RFC 7622 §3.3.1 forbids in a localpart. */
const FORBIDDEN_IN_LOCALPART = /["&'/:<>@]/;

/** Whitespace, control characters and lone surrogates (not well-formed UTF-16). */
const WHITESPACE_OR_CONTROL = /[\p{White_Space}\p{Cc}\p{Cs}]/u;

/** RFC 7622 §3.3: a localpart is at most 1023 octets in UTF-8. */
const MAX_LOCALPART_BYTES = 1023;

/**
 * Cheap structural check of an XMPP localpart (RFC 7622 §3.3).
 *
 * True when `s` is non-empty, at most 1023 bytes in UTF-8, contains none of
 * `" & ' / : < > @`, no whitespace (any Unicode White_Space), no control
 * character and no lone surrogate. This is a necessary condition only: the
 * server's own preparation (PRECIS UsernameCaseMapped or legacy nodeprep) may
 * still reject, map or case-fold some strings that pass here.
 *
 * @param s - candidate localpart, already escaped.
 * @returns whether `s` can be sent as a localpart.
 */
export function isValidLocalpart(s: string): boolean {
  return (
    s.length > 0 &&
    Buffer.byteLength(s, "utf8") <= MAX_LOCALPART_BYTES &&
    !FORBIDDEN_IN_LOCALPART.test(s) &&
    !WHITESPACE_OR_CONTROL.test(s)
  );
}

/**
 * Escapes a legacy id into an XMPP localpart as specified by XEP-0106.
 *
 * - Each of the ten characters space `" & ' / : < > @` and backslash is written
 *   as `\20 \22 \26 \27 \2f \3a \3c \3e \40 \5c` (lower-case hex, §3.1).
 * - A backslash is escaped (`\5c`) only when it and the two characters after it
 *   would otherwise read as one of those ten escape sequences (§4.1 rule 7);
 *   every other backslash is copied as is, so `c:\net` becomes `c\3a\net`
 *   and `\2plus\2is\4` is left alone (§4.3).
 * - Case is significant: `\3A` is not an escape sequence and is left alone.
 *
 * Letter case: upper-case letters are left as they are. XMPP localparts are
 * compared case-insensitively (nodeprep / PRECIS UsernameCaseMapped), so two
 * legacy ids that differ only in case escape to localparts that a server treats
 * as the same address, and a JID typed by a user or case-folded by a server may
 * come back in a different case than the legacy id. This helper does not try to
 * make case reversible; code for a case-sensitive legacy network must keep its
 * own mapping (for example a lookup table, or a separate reversible encoding).
 *
 * @param s - the legacy id (already decoded, e.g. not a URI).
 * @returns the escaped localpart; `unescapeLocalpart(result) === s`.
 * @throws TypeError if `s` cannot be escaped: it is empty, starts or ends with a
 *   space (§4.1 rule 6), or the escaped result is not a valid localpart (it
 *   holds other whitespace or control characters, a lone surrogate, or is
 *   longer than 1023 bytes).
 */
export function escapeLocalpart(s: string): string {
  if (s.length === 0) {
    throw new TypeError("XEP-0106: an empty id cannot be escaped into a localpart");
  }
  if (s.startsWith(" ") || s.endsWith(" ")) {
    throw new TypeError("XEP-0106: an id starting or ending with a space cannot be escaped");
  }
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const ch = s.charAt(i);
    if (ch === "\\") {
      out += CHAR_OF.has(s.slice(i + 1, i + 3)) ? "\\5c" : "\\";
    } else {
      const code = CODE_OF.get(ch);
      out += code === undefined ? ch : `\\${code}`;
    }
  }
  if (!isValidLocalpart(out)) {
    throw new TypeError(
      "XEP-0106: id cannot be escaped into a valid localpart (whitespace, control characters, lone surrogates, or longer than 1023 bytes)",
    );
  }
  return out;
}

/**
 * Reverses {@link escapeLocalpart}: replaces each of the ten escape sequences
 * `\20 \22 \26 \27 \2f \3a \3c \3e \40 \5c` (lower-case only) with its
 * character, scanning left to right without re-reading replaced text, and
 * leaves every other backslash sequence untouched (§4.1 rule 3, §4.3).
 *
 * Lenient by design: it does not validate its input, so it never throws.
 *
 * @param s - an escaped localpart, e.g. from the `to` of an incoming stanza.
 * @returns the legacy id.
 */
export function unescapeLocalpart(s: string): string {
  return s.replace(ESCAPE_SEQUENCE, (whole, code: string) => CHAR_OF.get(code) ?? whole);
}
