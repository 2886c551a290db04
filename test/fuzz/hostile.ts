/**
 * Hostile values for the stanza fuzzer: strings that break parsers (empty, huge, unicode, control
 * characters, XML specials, numbers out of range, dates that are not dates, JIDs that are not
 * JIDs, names of `Object.prototype`), and the pools of addresses and ids the stanza shapes draw
 * from. Values only; the shapes are in `messageShapes.ts`, `iqShapes.ts` and `presenceShapes.ts`.
 */
import fc from "fast-check";
import { DOMAIN } from "../helpers/harness.js";

/** The fuzzed room, its occupants (see `fuzzGateway.ts`), and a legacy contact of it. */
export const ROOM = `lobby@${DOMAIN}`;
export const NICKS = ["alice", "bob", "carol"] as const;
export const CONTACT = `bob-legacy-id@${DOMAIN}`;

/**
 * The largest input string the fuzzer generates. Inputs stay well under the stanza size bound
 * (`MAX_STANZA_BYTES` in `properties.ts`; a stanza over `MAX_INPUT_BYTES` counts as undeliverable)
 * so that a sent stanza over the bound is the gateway's own
 * amplification, not an echo of an input that the server would not have delivered.
 */
export const HUGE = 64 * 1024;

/** True when `s` has a character XML 1.0 forbids (C0 controls, lone surrogates, U+FFFE/U+FFFF). */
export function hasNonXmlChar(s: string): boolean {
  return /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(s);
}

const specials = fc.constantFrom(
  "",
  " ",
  "\t\n\r",
  "<body>x</body>",
  "&amp;&lt;&#0;",
  "\"'><",
  "]]>",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "-1",
  "0",
  "1e309",
  "NaN",
  "0x10",
  "99999999999999999999999",
  "  7  ",
  "2026-13-45T99:99:99Z",
  "0000-00-00T00:00:00Z",
  "275760-09-13T00:00:00.001Z",
  "1970-01-01T00:00:00Z",
  "@",
  "/",
  "a@b@c/d/e",
  "@muc.example.org",
  "lobby@",
  `${ROOM}/`,
  "xmpp:lobby@muc.example.org/bob",
  "xmpp:%00@%ZZ",
  "https://example.org/a.png",
  "javascript:alert(1)",
  "\u202Egnp.exe",
  "e\u0301\u0301\u0301",
  "\u200B\u200D\uFEFF",
  "👍🏽",
  "👨‍👩‍👧‍👦",
  "𝕏𝕄ℙℙ",
  "中文字符",
  "ﷺ",
);

const controls = fc
  .array(fc.constantFrom("\u0000", "\u0001", "\u0008", "\u000B", "\u001F", "\uFFFE", "\uFFFF", "\uD800", "\uDFFF", "\u007F", "\u0085"), { minLength: 1, maxLength: 4 })
  .map((cs) => cs.join(""));

/** A long run of one piece, up to {@link HUGE} characters. */
const huge = fc.tuple(fc.constantFrom("a", "é", "😀", "<&>", " ", "\n", "x".repeat(100)), fc.integer({ min: 1000, max: HUGE })).map(([piece, n]) => piece.repeat(Math.ceil(n / piece.length)).slice(0, n));

/**
 * Any hostile string. Control characters are rarer than the rest: a real server's parser
 * never delivers them, so most cases must stay deliverable to check what is sent back.
 */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: specials },
  { weight: 4, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 3, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 10 }) },
  { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 5 }), controls).map(([a, b]) => a + b) },
  { weight: 1, arbitrary: huge },
);

/** A string that is usually ordinary and sometimes hostile. */
export const text: fc.Arbitrary<string> = fc.oneof({ weight: 3, arbitrary: fc.constantFrom("hello", "hi there", "a", "🎉 party", "line 1\nline 2") }, { weight: 2, arbitrary: hostileString });

/** Ids of messages the user sends in a case, so that corrections, reactions and retractions can find them. */
export const MESSAGE_IDS = ["m-0", "m-1", "m-2", "origin-m-0", "origin-m-1"] as const;

/** A message id: one the case sent, one nobody sent, or hostile. */
export const messageId: fc.Arbitrary<string> = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...MESSAGE_IDS) }, { weight: 1, arbitrary: fc.constantFrom("unknown", "h1") }, { weight: 1, arbitrary: hostileString });

/** A nickname in the room: an occupant, the user, a stranger, or hostile. */
export const nick: fc.Arbitrary<string> = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...NICKS) }, { weight: 1, arbitrary: fc.constantFrom("nobody", "Bob", "ALICE") }, { weight: 1, arbitrary: hostileString });

/** Where a fuzzed stanza goes: the room, an occupant, the component, a contact, elsewhere, or nowhere. */
export const recipient: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 12, arbitrary: fc.constant(ROOM) },
  { weight: 4, arbitrary: nick.map((n) => `${ROOM}/${n}`) },
  { weight: 3, arbitrary: fc.constant(DOMAIN) },
  { weight: 2, arbitrary: fc.constant(CONTACT) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      `nowhere@${DOMAIN}`,
      `LOBBY@${DOMAIN.toUpperCase()}`,
      `carol-legacy-id@${DOMAIN}`,
      `${DOMAIN}/resource`,
      "other.example.net",
      `lobby@other.${DOMAIN}`,
      `lobby\\20x@${DOMAIN}`,
    ),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.tuple(fc.boolean(), hostileString).map(([local, s]) => (local ? `${s}@${DOMAIN}` : `${ROOM}/${s}`)) },
);

/** Stands for the case's user (a fresh user per case, see `fuzzGateway.ts`) in a generated `from`. */
export const USER = "$USER";

/**
 * Who sends a fuzzed stanza: mostly the user's joined resource, else another resource of theirs,
 * their bare JID, a stranger, a server, the component itself, or a string that is not a JID.
 */
export const sender: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 16, arbitrary: fc.constant(`${USER}/phone`) },
  { weight: 2, arbitrary: fc.constant(`${USER}/tablet`) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(USER, "mallory@example.org/x", "example.org", DOMAIN, `bob@${DOMAIN}/x`, `${ROOM}/bob`, "@/", `${USER}/`),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: hostileString.map((s) => `${USER}/${s}`) },
);
