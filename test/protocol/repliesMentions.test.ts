/**
 * The parsers and builders of replies (XEP-0461), fallbacks (XEP-0428), references (XEP-0372),
 * `xmpp:` URIs (RFC 5122) and code-point offsets (XEP-0426), on malformed input too.
 */
import { xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { jidOfXmppUri, xmppUri } from "../../src/protocol/rfc5122.js";
import { parseMentions } from "../../src/protocol/xep0372.js";
import { codePointLength, codePointOffset } from "../../src/protocol/xep0426.js";
import { fallbackRanges } from "../../src/protocol/xep0428.js";
import { parseReply, replyQuote } from "../../src/protocol/xep0461.js";

const REPLY = "urn:xmpp:reply:0";
const FALLBACK = "urn:xmpp:fallback:0";
const REFERENCE = "urn:xmpp:reference:0";
const msg = (...children: ReturnType<typeof xml>[]) => xml("message", { type: "groupchat" }, xml("body", {}, "x"), ...children);

describe("XEP-0461 replies", () => {
  it("needs an id; an empty to counts as none", () => {
    expect(parseReply(msg(xml("reply", { xmlns: REPLY, id: "s1", to: "r@m/bob" })))).toEqual({ id: "s1", to: "r@m/bob" });
    expect(parseReply(msg(xml("reply", { xmlns: REPLY, id: "s1", to: "" })))).toEqual({ id: "s1" });
    expect(parseReply(msg(xml("reply", { xmlns: REPLY, to: "r@m/bob" })))).toBeUndefined();
    expect(parseReply(msg(xml("reply", { xmlns: "urn:xmpp:other", id: "s1" })))).toBeUndefined();
  });

  it("quotes each line after an optional nick line", () => {
    expect(replyQuote("bob", "a\nb")).toBe("> bob:\n> a\n> b\n");
    expect(replyQuote(undefined, "a")).toBe("> a\n");
    expect(replyQuote("two\nlines", "a")).toBe("> two lines:\n> a\n");
  });
});

describe("XEP-0428 fallback ranges", () => {
  const fallback = (...bodies: Record<string, string>[]) => xml("fallback", { xmlns: FALLBACK, for: REPLY }, ...bodies.map((b) => xml("body", b)));
  it("reads the ranges for one namespace, clamps them to the body, and ignores malformed ones", () => {
    const m = msg(fallback({ start: "0", end: "4" }, { start: "3", end: "99" }, { start: "5", end: "2" }, { start: "x", end: "3" }));
    expect(fallbackRanges(m, REPLY, 10)).toEqual([
      { start: 0, end: 4 },
      { start: 3, end: 10 },
    ]);
    expect(fallbackRanges(m, "urn:xmpp:reactions:0", 10)).toBeUndefined();
  });

  it("covers the whole body without a body child or without a range", () => {
    expect(fallbackRanges(msg(fallback()), REPLY, 7)).toEqual([{ start: 0, end: 7 }]);
    expect(fallbackRanges(msg(fallback({})), REPLY, 7)).toEqual([{ start: 0, end: 7 }]);
  });
});

describe("XEP-0372 mentions", () => {
  it("keeps mentions with an xmpp: URI and a non-empty range", () => {
    const ref = (attrs: Record<string, string>) => xml("reference", { xmlns: REFERENCE, type: "mention", ...attrs });
    const m = msg(
      ref({ uri: "xmpp:r@m/bob", begin: "0", end: "3" }),
      ref({ uri: "https://example.org", begin: "0", end: "3" }),
      ref({ uri: "xmpp:r@m/bob", begin: "3", end: "3" }),
      ref({ uri: "xmpp:r@m/bob" }),
      xml("reference", { xmlns: REFERENCE, type: "data", uri: "xmpp:r@m/bob", begin: "0", end: "1" }),
    );
    expect(parseMentions(m)).toEqual([{ jid: "r@m/bob", begin: 0, end: 3 }]);
  });
});

describe("RFC 5122 xmpp: URIs", () => {
  it.each(["r@m/bob", "r@m/weird guy", "r@m/weirdguy🎉", "r@m/a?b#c;d=e&f", "r@m/100%"])("round-trips %j", (jid) => {
    const uri = xmppUri(jid);
    expect(uri).toMatch(/^xmpp:[\x21-\x7e]+$/);
    expect(jidOfXmppUri(uri)).toBe(jid);
  });

  it("drops the query and refuses other schemes, authorities and bad encodings", () => {
    expect(jidOfXmppUri("xmpp:r@m/bob?message")).toBe("r@m/bob");
    expect(jidOfXmppUri("mailto:a@b")).toBeUndefined();
    expect(jidOfXmppUri("xmpp://me@h/r@m")).toBeUndefined();
    expect(jidOfXmppUri("xmpp:r@m/%E0%A4%A")).toBeUndefined();
  });
});

describe("XEP-0426 offsets", () => {
  it("counts code points and turns UTF-16 offsets into code points, refusing the middle of a surrogate pair", () => {
    const s = "a🎉b";
    expect(codePointLength(s)).toBe(3);
    expect([0, 1, 2, 3, 4, 5].map((i) => codePointOffset(s, i))).toEqual([0, 1, undefined, 2, 3, undefined]);
  });
});
