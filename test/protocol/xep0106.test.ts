import { describe, expect, it } from "vitest";
import { escapeLocalpart, isValidLocalpart, unescapeLocalpart } from "../../src/protocol/xep0106.js";

/**
 * XEP-0106 §5.1 "JID Examples", localpart only (user input → escaped form).
 * Rows 9–11 are given as corrected in version 1.1.1: a backslash that does not
 * start an escape sequence is not escaped (§4.1 rule 7, §4.3).
 */
const SPEC_TABLE: ReadonlyArray<readonly [string, string]> = [
  ["space cadet", "space\\20cadet"],
  ['call me "ishmael"', "call\\20me\\20\\22ishmael\\22"],
  ["at&t guy", "at\\26t\\20guy"],
  ["d'artagnan", "d\\27artagnan"],
  ["/.fanboy", "\\2f.fanboy"],
  ["::foo::", "\\3a\\3afoo\\3a\\3a"],
  ["<foo>", "\\3cfoo\\3e"],
  ["user@host", "user\\40host"],
  ["c:\\net", "c\\3a\\net"],
  ["c:\\\\net", "c\\3a\\\\net"],
  ["c:\\cool stuff", "c\\3a\\cool\\20stuff"],
  ["c:\\5commas", "c\\3a\\5c5commas"],
];

describe("XEP-0106 spec examples", () => {
  it.each(SPEC_TABLE)("%s ⇄ %s", (raw, escaped) => {
    expect(escapeLocalpart(raw)).toBe(escaped);
    expect(unescapeLocalpart(escaped)).toBe(raw);
    expect(isValidLocalpart(escaped)).toBe(true);
  });

  it("escapes every one of the ten characters", () => {
    expect(escapeLocalpart("a \"&'/:<>@b")).toBe("a\\20\\22\\26\\27\\2f\\3a\\3c\\3e\\40b");
    expect(unescapeLocalpart("\\20\\22\\26\\27\\2f\\3a\\3c\\3e\\40\\5c")).toBe(" \"&'/:<>@\\");
  });

  it("handles the email-address example of §5.2", () => {
    const raw = "here's_a_wild_&_/cr%zy/_address";
    const escaped = "here\\27s_a_wild_\\26_\\2fcr%zy\\2f_address";
    expect(escapeLocalpart(raw)).toBe(escaped);
    expect(unescapeLocalpart(escaped)).toBe(raw);
  });
});

describe("XEP-0106 backslash handling", () => {
  it.each([
    ["\\2plus\\2is\\4"], // partial sequences (§4.3)
    ["foo\\bar"], // not a listed code (§4.3)
    ["foob\\41r"], // \41 is "A", not a listed character (§4.3)
    ["\\"],
    ["trailing\\"],
    ["a\\\\b"],
    ["C\\3A"], // upper-case hex is not an escape sequence (case is significant)
    ["C\\2F"],
  ])("leaves %s unchanged both ways", (s) => {
    expect(escapeLocalpart(s)).toBe(s);
    expect(unescapeLocalpart(s)).toBe(s);
  });

  it("escapes a backslash that would start an escape sequence (§4.2 IMPS example)", () => {
    expect(escapeLocalpart("\\3and\\2is\\5cool")).toBe("\\5c3and\\2is\\5c5cool");
    expect(unescapeLocalpart("\\5c3and\\2is\\5c5cool")).toBe("\\3and\\2is\\5cool");
  });

  it("escapes literal escape sequences so they survive", () => {
    expect(escapeLocalpart("\\5c")).toBe("\\5c5c");
    expect(escapeLocalpart("\\27")).toBe("\\5c27");
    expect(escapeLocalpart("call me\\20")).toBe("call\\20me\\5c20");
    expect(unescapeLocalpart("call\\20me\\5c20")).toBe("call me\\20");
    expect(unescapeLocalpart("\\5c5c")).toBe("\\5c");
  });

  it("unescapes left to right without re-reading its output", () => {
    expect(unescapeLocalpart("\\5c20")).toBe("\\20");
    expect(unescapeLocalpart("\\\\20")).toBe("\\ ");
  });

  it("round-trips random strings built from escape-prone characters", () => {
    const alphabet = ["\\", "2", "0", "5", "c", "f", "3", "a", "A", "F", " ", "@", "'", "/", "x"];
    let seed = 0x1234_5678;
    const next = (): number => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return seed >>> 8;
    };
    for (let i = 0; i < 3000; i++) {
      const length = 1 + (next() % 12);
      let s = "";
      for (let j = 0; j < length; j++) s += alphabet[next() % alphabet.length];
      if (s.startsWith(" ") || s.endsWith(" ")) continue;
      const escaped = escapeLocalpart(s);
      expect(isValidLocalpart(escaped)).toBe(true);
      expect(unescapeLocalpart(escaped)).toBe(s);
    }
  });
});

describe("XEP-0106 ids that cannot be escaped", () => {
  it.each([
    ["empty", ""],
    ["only a space", " "],
    ["leading space", " alice"],
    ["trailing space", "alice "],
    ["tab", "a\tb"],
    ["newline", "a\nb"],
    ["NUL", "a\u0000b"],
    ["no-break space", "a\u00A0b"],
    ["lone surrogate", "a\uD800b"],
    ["too long", "é".repeat(512)],
    ["too long after escaping", "@".repeat(342)],
  ])("%s throws TypeError", (_label, s) => {
    expect(() => escapeLocalpart(s)).toThrow(TypeError);
  });

  it("accepts an id exactly at the 1023-byte limit", () => {
    expect(escapeLocalpart("a".repeat(1023))).toHaveLength(1023);
    expect(escapeLocalpart("@".repeat(341))).toHaveLength(1023);
  });
});

describe("XEP-0106 letter case", () => {
  it("leaves upper-case letters as they are", () => {
    expect(escapeLocalpart("Alice O'Hara")).toBe("Alice\\20O\\27Hara");
    expect(unescapeLocalpart("Alice\\20O\\27Hara")).toBe("Alice O'Hara");
  });
});

describe("isValidLocalpart", () => {
  it.each(["alice", "d\\27artagnan", "Ünïcode", "山田", "🎉", "a\\b", "x".repeat(1023)])("accepts %s", (s) => {
    expect(isValidLocalpart(s)).toBe(true);
  });

  it.each([
    "",
    "a b",
    "a@b",
    "a/b",
    "a:b",
    "a<b",
    "a>b",
    "a&b",
    "a'b",
    'a"b',
    "a\tb",
    "a\u0085b",
    "a\u00A0b",
    "a\u3000b",
    "a\u007Fb",
    "a\uD800",
    "x".repeat(1024),
  ])("rejects %j", (s) => {
    expect(isValidLocalpart(s)).toBe(false);
  });
});
