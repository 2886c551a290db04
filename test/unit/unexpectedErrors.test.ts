/**
 * A failure nobody meant for the user (a plugin bug, a failing store) is answered
 * `internal-server-error` with a text that says the gateway failed: it neither blames the legacy
 * network, which may have done nothing wrong, nor shows the exception's message. Only an
 * `XMPPError` the plugin threw reaches the user with its own text.
 */
import { describe, expect, it } from "vitest";
import { XMPPError, toStanzaError } from "../../src/protocol/xmppError.js";
import { errorOf } from "../../src/machines/roomErrors.js";
import { createFixtureNetwork } from "../../src/demo/fixtureNetwork.js";
import { parseFixture } from "../../src/demo/fixture.js";
import { createCallLog } from "../../src/demo/callLog.js";
import type { LegacySession } from "../../src/legacy/LegacySession.js";
import { ALICE, DOMAIN, conditionOf, createHarness, fixtureHarness, groupchat, joinPresence, joined, lobbyFixture } from "../helpers/harness.js";
import { qualifiedChild, qualifiedText } from "../helpers/stanzas.js";

const STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";
const UNEXPECTED_TEXT = "The gateway hit an unexpected error while handling this request";

/** The error text of an error reply, read with its namespace. */
function errorText(s: Parameters<typeof qualifiedChild>[0]): string | undefined {
  const error = qualifiedChild(s, "{jabber:component:accept}error", "jabber:component:accept");
  return error && qualifiedText(error, `{${STANZAS}}text`, "jabber:component:accept");
}

describe("errors nobody meant for the user", () => {
  it("a TypeError thrown by onText is answered internal-server-error that names neither the legacy network nor the exception", async () => {
    const h = fixtureHarness(lobbyFixture());
    const actor = await joined(h, "lobby");
    actor.room.onText = async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'token')");
    };
    h.route(groupchat("lobby", "hello"));
    await h.until(() => h.sent.some((s) => s.attrs.type === "error"));
    const reply = h.sent.find((s) => s.attrs.type === "error")!;
    expect([reply.name, reply.attrs.to, reply.attrs.id, conditionOf(reply)]).toEqual(["message", `${ALICE}/phone`, "m-1", "internal-server-error"]);
    expect(errorText(reply)).toBe(UNEXPECTED_TEXT);
  });

  it("an XMPPError thrown by onText keeps its condition and text", async () => {
    const h = fixtureHarness(lobbyFixture());
    const actor = await joined(h, "lobby");
    actor.room.onText = async () => {
      throw new XMPPError("not-allowed", "You are muted on the legacy network");
    };
    h.route(groupchat("lobby", "hello"));
    await h.until(() => h.sent.some((s) => s.attrs.type === "error"));
    const reply = h.sent.find((s) => s.attrs.type === "error")!;
    expect([conditionOf(reply), errorText(reply)]).toEqual(["not-allowed", "You are muted on the legacy network"]);
  });

  it("a createRoom that throws a plain Error answers the join internal-server-error with the gateway's text", async () => {
    const network = createFixtureNetwork(parseFixture(lobbyFixture()), createCallLog(undefined));
    const h = createHarness({
      createSession: async (user) => {
        const session = (await network.createSession(user)) as LegacySession;
        session.createRoom = () => {
          throw new Error("SQLITE_BUSY: database is locked at /var/lib/gateway/legacy.db");
        };
        return session;
      },
    });
    h.route(joinPresence("lobby", "alice"));
    await h.until(() => h.sent.some((s) => s.attrs.type === "error"));
    const reply = h.sent.find((s) => s.attrs.type === "error")!;
    expect([reply.name, reply.attrs.from, conditionOf(reply)]).toEqual(["presence", `lobby@${DOMAIN}/alice`, "internal-server-error"]);
    expect(errorText(reply)).toBe(UNEXPECTED_TEXT);
  });

  it("the room machine's own fallback (an extension's actor that rejects with a plain Error) says the same", () => {
    const error = new Error("ECONNRESET 10.0.0.7:5432");
    expect(errorOf(error)).toEqual(toStanzaError(error));
    expect(errorOf(error).text).toBe(UNEXPECTED_TEXT);
  });
});
