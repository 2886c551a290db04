/**
 * Extending the room machine in a gateway: `createGateway({ machine: roomMachine.provide(...) })`
 * runs the gateway's extension actions and delays with the library's runtime, and refuses a
 * machine that replaces or removes what carries the runtime's work.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xml } from "@xmpp/component";
import { createMachine } from "xstate";
import { describe, expect, it } from "vitest";
import { createGateway } from "../../src/createGateway.js";
import type { GatewayOptions } from "../../src/gatewayOptions.js";
import { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import { roomMachine } from "../../src/index.js";
import { ALICE, DOMAIN, conditionOf, createHarness, endsJoin, groupchat, joinPresence } from "../helpers/harness.js";
import { qualifiedText } from "../helpers/stanzas.js";

const ROOM = `ext@${DOMAIN}`;
const leave = (resource: string) => xml("presence", { from: `${ALICE}/${resource}`, to: `${ROOM}/alice`, type: "unavailable" });
const subject = (text: string, id: string) => xml("message", { from: `${ALICE}/phone`, to: ROOM, type: "groupchat", id }, xml("subject", {}, text));
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A room whose text and subject callbacks take 150 ms. */
class SlowRoom extends LegacyRoom {
  override async onText() {
    await wait(150);
    return undefined;
  }
  override async onSetSubject(text: string) {
    await wait(150);
    this.subject = text;
  }
}
class Session extends LegacySession {
  override async createRoom(id: string) {
    return new SlowRoom(this, id);
  }
}

describe("createGateway({ machine })", () => {
  it("runs the gateway's entry hook on joined, its metrics action for each settled request, and its longer timeout for one request kind", async () => {
    const log: string[] = [];
    const machine = roomMachine.provide({
      actions: {
        onEnterJoined: ({ context }) => void log.push(`entered joined with ${context.resources.join(",")}`),
        onExitJoined: () => void log.push("left joined"),
        onRequestSettled: ({ context }, { ok, condition }) => void log.push(`settled ${context.current?.kind}: ${ok ? "ok" : condition}`),
      },
      delays: {
        // Subjects may take 1 s; every other request the gateway's callbackTimeoutMs (50 ms here).
        requestTimeout: ({ context }) => (context.current?.kind === "setSubject" ? 1000 : context.callbackTimeoutMs),
      },
    });
    const h = createHarness({ createSession: (user) => new Session(user) }, { machine, callbackTimeoutMs: 50 });
    h.route(joinPresence("ext", "alice", "phone"));
    await h.until(() => h.sent.some(endsJoin(ROOM, "phone")));
    expect(log).toEqual(["entered joined with phone"]);
    h.take();
    h.route(groupchat("ext", "slow", "phone", "m1"));
    h.route(subject("slow too", "s1"));
    await h.until(() => log.length === 3);
    await h.settle();
    expect(log.slice(1)).toEqual(["settled message: remote-server-timeout", "settled setSubject: ok"]);
    // The message timed out (the library's 50 ms), the subject did not (the gateway's 1 s).
    expect(h.take().map((s) => `${s.name} ${s.attrs.id ?? ""} ${conditionOf(s) ?? qualifiedText(s, "{jabber:client}subject") ?? ""}`)).toEqual([
      "message m1 remote-server-timeout",
      "message  slow too",
    ]);
    h.route(leave("phone"));
    await h.settle();
    expect(log.at(-1)).toBe("left joined");
  });

  it("refuses, before opening anything, a machine that is not derived from roomMachine or replaces what the runtime needs", () => {
    const dir = mkdtempSync(join(tmpdir(), "mucstate-machine-"));
    const path = join(dir, "gateway.sqlite");
    const options = (machine: unknown): GatewayOptions => ({
      domain: "muc.example.org",
      secret: "s3cret",
      service: "xmpp://127.0.0.1:5347",
      plugin: { createSession: (user) => new Session(user) },
      store: path,
      machine: machine as GatewayOptions["machine"],
    });
    try {
      expect(() => createGateway(options(createMachine({ id: "room", initial: "a", states: { a: {} } })))).toThrow(
        new TypeError('machine option must be roomMachine or roomMachine.provide({ actions, delays }) (a machine with the library\'s chart), got a machine with id "room" and another chart'),
      );
      const replaceable = "onEnterJoined, onExitJoined, onRequestSettled, callbackTimeout, requestTimeout, shutdownGrace, runnerLinger";
      expect(() => createGateway(options(roomMachine.provide({ actions: { settle: () => {} } })))).toThrow(
        new TypeError(`machine option: the action "settle" carries the runtime's work and cannot be replaced; a gateway may replace ${replaceable}`),
      );
      expect(() => createGateway(options(roomMachine.provide({ guards: { requestInFlight: () => false } })))).toThrow(
        new TypeError(`machine option: the guard "requestInFlight" carries the runtime's work and cannot be replaced; a gateway may replace ${replaceable}`),
      );
      expect(() => createGateway(options(roomMachine.provide({ actions: { queueJoin: undefined as never } })))).toThrow(
        new TypeError(`machine option: the action "queueJoin" is missing; the runtime needs it (provide a replacement only for ${replaceable})`),
      );
      expect(existsSync(path)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
