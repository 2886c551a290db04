/**
 * A gateway whose `onError` throws: the error it was told about came from a write nobody waits for
 * (the participant rows written at the end of the join's turn, from a timer), so a throw there
 * would crash the process. The gateway turns it into a process warning and goes on.
 */
import { fileURLToPath } from "node:url";
import { xml } from "@xmpp/component";
import { afterEach, expect, it } from "vitest";
import { type Gateway, createGateway } from "../../src/createGateway.js";
import { createCallLog } from "../../src/demo/callLog.js";
import { loadFixture } from "../../src/demo/fixture.js";
import { createFixtureNetwork } from "../../src/demo/fixtureNetwork.js";
import { createMemoryStore } from "../../src/store/memoryStore.js";

const DOMAIN = "muc.example.org";
let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.registry.shutdown();
  gateway = undefined;
});

it("reports what a throwing onError throws as a MucstateWarning, and the room goes on", async () => {
  const inner = createMemoryStore({ retentionDays: Number.POSITIVE_INFINITY });
  const store = new Proxy(inner, {
    get(target, name) {
      if (name === "putParticipants") {
        return () => {
          throw new Error("disk full");
        };
      }
      const value = Reflect.get(target, name);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const told: unknown[] = [];
  const onError = (error: unknown) => {
    told.push(error);
    throw new Error("the reporter is broken");
  };
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on("warning", onWarning);
  try {
    const fixture = await loadFixture(fileURLToPath(new URL("../../fixtures/demo.json", import.meta.url)));
    const g = createGateway({ domain: DOMAIN, secret: "s", service: "xmpp://127.0.0.1:1", plugin: createFixtureNetwork(fixture, createCallLog(undefined)), store, uploadService: false, onError });
    gateway = g;
    g.connection.entity.emit("stanza", xml("presence", { from: "alice@localhost/r", to: `lobby@${DOMAIN}/alice` }, xml("x", { xmlns: "http://jabber.org/protocol/muc" })));
    for (const deadline = Date.now() + 5_000; warnings.length === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 5));
    expect(told.map((e) => (e as Error).message)).toContain("disk full");
    expect(warnings.map((w) => [w.name, w.message])).toContainEqual(["MucstateWarning", "the gateway's onError threw: the reporter is broken"]);
    // The room is joined all the same: the user's resource is in it.
    const [room] = g.registry.roomsOf("alice@localhost");
    for (const deadline = Date.now() + 5_000; (room?.snapshot.context.resources.length ?? 0) === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 5));
    expect(room?.snapshot.context.resources.length).toBe(1);
  } finally {
    process.off("warning", onWarning);
  }
});
