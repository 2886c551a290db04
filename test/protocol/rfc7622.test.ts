import { describe, expect, it } from "vitest";
import { domainOf, isFromDomain, splitJid } from "../../src/protocol/rfc7622.js";

describe("domainOf (RFC 7622)", () => {
  it("is the domain of a room JID, a full JID and a domain JID, lower-cased", () => {
    expect(domainOf("room@Gateway.Example")).toBe("gateway.example");
    expect(domainOf("user@example.org/phone@home")).toBe("example.org");
    expect(domainOf("gateway.example")).toBe("gateway.example");
  });
});

describe("isFromDomain (XEP-0114 §3 sender rule)", () => {
  const cases = [
    "muc.example.org",
    "room@muc.example.org",
    "room@muc.example.org/nick",
    "room@MUC.Example.org/a/b@c",
    "muc.example.org/res",
    "room@muc.example.org/",
    "@muc.example.org",
    "room@",
    "/res",
    "",
    "room@other.example.org/nick",
    "muc.example.org@evil.example/x",
    "evil/x@muc.example.org",
    "room@muc.example.org.evil",
    "room@sub.muc.example.org",
  ];
  it("accepts the domain and addresses inside it, case-insensitively, and nothing else", () => {
    expect(cases.filter((from) => isFromDomain(from, "muc.example.org"))).toEqual([
      "muc.example.org",
      "room@muc.example.org",
      "room@muc.example.org/nick",
      "room@MUC.Example.org/a/b@c",
      "muc.example.org/res",
    ]);
    expect(isFromDomain(undefined, "muc.example.org")).toBe(false);
    expect(isFromDomain("room@muc.example.org", "MUC.example.ORG")).toBe(true);
  });

  it("says what the parsed JID's domain says", () => {
    for (const from of cases) for (const domain of ["muc.example.org", "Muc.Example.Org", "evil"]) {
      expect(isFromDomain(from, domain), `${from} in ${domain}`).toBe(splitJid(from)?.domain === domain.toLowerCase());
    }
  });
});
