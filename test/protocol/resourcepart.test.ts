import { describe, expect, it } from "vitest";
import {
  disambiguateNick,
  isValidResourcepart,
  toResourcepart,
  xmlSafeText,
} from "../../src/protocol/resourcepart.js";

const utf8 = (s: string): number => Buffer.byteLength(s, "utf8");
const MANGLED_SUFFIX = /-[a-z2-7]{6}$/;

describe("isValidResourcepart", () => {
  it.each([
    "alice",
    "Zoë",
    "山田太郎",
    "محمد",
    "🎉",
    "🎉 Party",
    "👍🏽",
    "Ali (work)",
    "a  b", // internal runs of spaces are allowed by OpaqueString
    "\uE000private",
    "x".repeat(1023),
    "🎉".repeat(255), // 1020 bytes
  ])("accepts %j", (s) => {
    expect(isValidResourcepart(s)).toBe(true);
  });

  it.each([
    ["empty", ""],
    ["only spaces", "   "],
    ["leading space", " bob"],
    ["trailing space", "bob "],
    ["NUL", "a\u0000b"],
    ["tab", "a\tb"],
    ["DEL", "a\u007Fb"],
    ["C1 control", "a\u0085b"],
    ["unassigned U+0378", "a\u0378b"],
    ["U+FFFF", "a\uFFFFb"],
    ["U+FFFE", "a\uFFFEb"],
    ["noncharacter U+FDD0", "a\uFDD0b"],
    ["lone high surrogate", "a\uD800b"],
    ["lone low surrogate", "a\uDC00b"],
    ["zero-width space", "a\u200Bb"],
    ["variation selector", "\u2764\uFE0F"],
    ["byte order mark", "\uFEFFbob"],
    ["bidi override", "a\u202Eb"],
    ["line separator", "a\u2028b"],
    ["no-break space", "a\u00A0b"],
    ["ideographic space", "a\u3000b"],
    ["not NFC", "e\u0301"],
    ["1024 bytes", "x".repeat(1024)],
  ])("rejects %s", (_label, s) => {
    expect(isValidResourcepart(s)).toBe(false);
  });
});

describe("toResourcepart", () => {
  it.each(["alice", "🎉", "Zoë 🎉", "Ali (work)", "山田太郎", "O'Brien & Co <x@y/z>"])(
    "passes valid name %j unchanged",
    (name) => {
      expect(toResourcepart(name)).toEqual({ resource: name, mangled: false });
    },
  );

  const invalid: ReadonlyArray<readonly [string, string]> = [
    ["control char", "bob\u0000"],
    ["other control char", "bob\u0001"],
    ["tab inside", "bob\tsmith"],
    ["unassigned", "bob\u0378"],
    ["empty", ""],
    ["one space", " "],
    ["only whitespace", " \t\n "],
    ["2000-byte name", "é".repeat(1000)],
    ["2000-byte emoji name", "🎉".repeat(500)],
    ["non-NFC", "Zoe\u0308"],
    ["leading/trailing space", "  bob  "],
    ["lone surrogate", "bob\uD800"],
    ["other lone surrogate", "bob\uDC00"],
    ["U+FFFF", "bob\uFFFF"],
    ["only controls", "\u0000\u0001\u0002"],
    ["emoji with variation selector", "Anna \u2764\uFE0F"],
  ];

  it.each(invalid)("%s gives a valid, deterministic, mangled resource", (_label, name) => {
    const first = toResourcepart(name);
    expect(first.mangled).toBe(true);
    expect(isValidResourcepart(first.resource)).toBe(true);
    expect(utf8(first.resource)).toBeLessThanOrEqual(1023);
    expect(first.resource).toMatch(MANGLED_SUFFIX);
    expect(toResourcepart(name)).toEqual(first);
    // idempotent: the output is accepted as is
    expect(toResourcepart(first.resource)).toEqual({ resource: first.resource, mangled: false });
  });

  it("gives distinct resources for distinct invalid names", () => {
    const resources = invalid.map(([, name]) => toResourcepart(name).resource);
    expect(new Set(resources).size).toBe(invalid.length);
  });

  it("keeps the readable part and appends a hash", () => {
    expect(toResourcepart("bob\u0000").resource).toMatch(/^bob-[a-z2-7]{6}$/);
    expect(toResourcepart("bob\tsmith").resource).toMatch(/^bob smith-[a-z2-7]{6}$/);
    expect(toResourcepart("  bob  ").resource).toMatch(/^bob-[a-z2-7]{6}$/);
    expect(toResourcepart("Zoe\u0308").resource).toMatch(/^Zoë-[a-z2-7]{6}$/);
    expect(toResourcepart("Anna \u2764\uFE0F").resource).toMatch(/^Anna \u2764-[a-z2-7]{6}$/);
  });

  it("uses nick-<hash> when nothing usable remains", () => {
    expect(toResourcepart("").resource).toMatch(/^nick-[a-z2-7]{6}$/);
    expect(toResourcepart(" \t\n ").resource).toMatch(/^nick-[a-z2-7]{6}$/);
    expect(toResourcepart("\u0000\u0001\u0002").resource).toMatch(/^nick-[a-z2-7]{6}$/);
  });

  it("truncates long names between code points to fit 1023 bytes", () => {
    const emoji = toResourcepart("🎉".repeat(500)).resource;
    expect(utf8(emoji)).toBeLessThanOrEqual(1023);
    expect(emoji.startsWith("🎉".repeat(254))).toBe(true);
    expect(/\p{Cs}/u.test(emoji)).toBe(false);
    const accented = toResourcepart("é".repeat(1000)).resource;
    expect(utf8(accented)).toBeLessThanOrEqual(1023);
    expect(accented.startsWith("é".repeat(508))).toBe(true);
  });

  it("names that differ only in an invalid character do not collide", () => {
    expect(toResourcepart("bob\u0000").resource).not.toBe(toResourcepart("bob\u0001").resource);
    expect(toResourcepart("bob\uD800").resource).not.toBe(toResourcepart("bob\uDC00").resource);
  });
});

describe("disambiguateNick", () => {
  const takenBy =
    (...names: string[]) =>
    (candidate: string): boolean =>
      names.includes(candidate);

  it("returns the base when it is free", () => {
    expect(disambiguateNick("bob", takenBy("alice"), ["123"])).toBe("bob");
  });

  it("tries the given suffixes in order", () => {
    expect(disambiguateNick("bob", takenBy("bob"), ["legacy-42", "x"])).toBe("bob (legacy-42)");
    expect(disambiguateNick("bob", takenBy("bob", "bob (legacy-42)"), ["legacy-42", "x"])).toBe("bob (x)");
  });

  it("falls back to numbers", () => {
    expect(disambiguateNick("bob", takenBy("bob"), [])).toBe("bob (2)");
    expect(disambiguateNick("bob", takenBy("bob", "bob (id)", "bob (2)", "bob (3)"), ["id"])).toBe("bob (4)");
    expect(disambiguateNick("bob", takenBy("bob"))).toBe("bob (2)");
  });

  it("skips suffixes that would make the nickname invalid", () => {
    expect(disambiguateNick("bob", takenBy("bob"), ["a\u0000", "\uFFFF", "ok"])).toBe("bob (ok)");
  });

  it("is deterministic", () => {
    const taken = takenBy("bob", "bob (7)", "bob (2)");
    const first = disambiguateNick("bob", taken, ["7"]);
    expect(first).toBe("bob (3)");
    expect(disambiguateNick("bob", taken, ["7"])).toBe(first);
  });

  it("keeps long candidates within 1023 bytes", () => {
    const base = "x".repeat(1023);
    const result = disambiguateNick(base, takenBy(base), ["legacy"]);
    expect(result.endsWith(" (legacy)")).toBe(true);
    expect(utf8(result)).toBeLessThanOrEqual(1023);
    expect(isValidResourcepart(result)).toBe(true);
  });

  it("makes an invalid base valid first", () => {
    const result = disambiguateNick("bob\u0000", () => false, []);
    expect(result).toBe(toResourcepart("bob\u0000").resource);
  });

  it("throws RangeError when everything is taken", () => {
    expect(() => disambiguateNick("bob", () => true, [])).toThrow(RangeError);
  });
});

describe("xmlSafeText", () => {
  it("strips characters XML 1.0 forbids", () => {
    expect(xmlSafeText("a\u0000b\u0001c\uFFFFd\uFFFEe\uD800f\uDC00g\u000Bh\u001Fi")).toBe("abcdefghi");
  });

  it("keeps tab, newline, carriage return and emoji", () => {
    const s = "line 1\n\tline 2\r\n🎉 👍🏽 Zoë \u2764\uFE0F";
    expect(xmlSafeText(s)).toBe(s);
  });

  it("removes a reversed surrogate pair but keeps real pairs", () => {
    expect(xmlSafeText("\uDF89\uD83C")).toBe("");
    expect(xmlSafeText("\uD83C\uDF89")).toBe("🎉");
  });

  it("keeps characters XML only discourages", () => {
    expect(xmlSafeText("a\u0085b\u007Fc\uFDD0d")).toBe("a\u0085b\u007Fc\uFDD0d");
  });
});
