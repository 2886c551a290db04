/**
 * The fuzzer's oracle can fail: each property of `properties.ts` flags the stanza that breaks it,
 * so that 0 failures of `npm run fuzz` means something.
 */
import { type Element, xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { ALICE, DOMAIN } from "../helpers/harness.js";
import { MAX_STANZA_BYTES, violations } from "./properties.js";

const ROOM = `lobby@${DOMAIN}`;
const STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";
const ping = xml("iq", { from: `${ALICE}/phone`, to: ROOM, type: "get", id: "p1" }, xml("ping", { xmlns: "urn:xmpp:ping" }));
const result = (attrs: Record<string, string> = {}) => xml("iq", { from: ROOM, to: `${ALICE}/phone`, type: "result", id: "p1", ...attrs });
const errorOf = (condition: string, type = "cancel") => xml("iq", { from: ROOM, to: `${ALICE}/phone`, type: "error", id: "p1" }, xml("error", { type }, xml(condition, { xmlns: STANZAS })));

const check = (sent: Element[], routed: Element[] = [ping], deliverable = true) =>
  violations({ routed: routed.map((stanza) => ({ stanza, deliverable })), sent, failures: [], recipients: [ALICE] });

describe("the fuzzer's properties", () => {
  it("hold for one result to one ping", () => {
    expect(check([result()])).toEqual([]);
  });

  it("flag an unanswered request iq and a second answer", () => {
    expect(check([])).toEqual([expect.stringContaining('iq id="p1" got 0 answers, expected 1')]);
    expect(check([result(), errorOf("conflict")])).toEqual([expect.stringContaining('iq id="p1" got 2 answers, expected 1')]);
  });

  it("do not expect answers to iqs a server would not deliver (from the domain itself, to another domain)", () => {
    const fromUs = xml("iq", { from: `x@${DOMAIN}/r`, to: ROOM, type: "get", id: "p1" });
    const elsewhere = xml("iq", { from: `${ALICE}/phone`, to: "other.example.net", type: "get", id: "p1" });
    expect(check([], [fromUs, elsewhere])).toEqual([]);
  });

  it("flag an answer to no request", () => {
    expect(check([result({ id: "other" })])).toEqual([expect.stringContaining("got 0 answers"), expect.stringContaining("an answer to no request")]);
  });

  it("flag an undefined condition name, a condition outside the stanzas namespace and a bad error type", () => {
    expect(check([errorOf("no-such-condition")])).toEqual([expect.stringContaining('invalid stanza error (conditions ["no-such-condition"])')]);
    expect(check([errorOf("conflict", "fatal")])).toEqual([expect.stringContaining('invalid stanza error (error type "fatal")')]);
    const wrongNs = xml("iq", { from: ROOM, to: `${ALICE}/phone`, type: "error", id: "p1" }, xml("error", { type: "cancel" }, xml("conflict", { xmlns: "urn:example" })));
    expect(check([wrongNs])).toEqual([expect.stringContaining("invalid stanza error (conditions [])")]);
  });

  it("flag a sender outside the component domain and a recipient who sent nothing", () => {
    expect(check([result({ from: "lobby@example.org" })])).toEqual([expect.stringContaining(`sent from outside ${DOMAIN}`)]);
    const leak = xml("message", { from: ROOM, to: "mallory@example.org/x", type: "groupchat" }, xml("body", {}, "secret"));
    expect(check([result(), leak])).toEqual([expect.stringContaining("sent to someone who sent nothing")]);
  });

  it("flag a stanza over the size bound and a character XML forbids, unless an input was not deliverable", () => {
    const big = xml("message", { from: ROOM, to: `${ALICE}/phone`, type: "groupchat" }, xml("body", {}, "x".repeat(MAX_STANZA_BYTES)));
    const control = xml("message", { from: ROOM, to: `${ALICE}/phone`, type: "groupchat" }, xml("body", {}, "\u0001"));
    expect(check([result(), big, control])).toEqual([expect.stringContaining(`over the bound of ${MAX_STANZA_BYTES}`), expect.stringContaining("a character XML forbids")]);
    expect(check([result(), big, control], [ping], false)).toEqual([]);
  });
});
