import { describe, expect, it } from "vitest";
import { domainOf } from "../../src/protocol/rfc7622.js";

describe("domainOf (RFC 7622)", () => {
  it("is the domain of a room JID, a full JID and a domain JID, lower-cased", () => {
    expect(domainOf("room@Gateway.Example")).toBe("gateway.example");
    expect(domainOf("user@example.org/phone@home")).toBe("example.org");
    expect(domainOf("gateway.example")).toBe("gateway.example");
  });
});
