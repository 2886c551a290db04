/**
 * The README's minimal plugin is examples/minimal.ts, verbatim; this runs it against Prosody.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startProsody } from "../../src/testbed/prosody.js";
import { connectUser, xml } from "../helpers/xmppClient.js";

describe("the README's minimal plugin", () => {
  const stops: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  });

  it("is in the README verbatim", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const example = readFileSync(new URL("../../examples/minimal.ts", import.meta.url), "utf8");
    expect(readme).toContain(example.trim());
  });

  it("bridges a room that answers what the user says", async () => {
    const prosody = await startProsody({ components: ["echo.localhost"] });
    stops.push(() => prosody.stop());
    await prosody.registerUser("alice", "pw");
    // The example's store is mucstate.sqlite in the working directory: a folder of this test's own.
    const cwd = process.cwd();
    process.chdir(mkdtempSync(join(tmpdir(), "mucstate-readme-")));
    stops.push(async () => process.chdir(cwd));
    process.env.SERVICE = prosody.service;
    process.env.SECRET = prosody.secret;
    const { gateway } = await import("../../examples/minimal.js");
    stops.push(() => gateway.stop());
    await gateway.start();
    const alice = await connectUser(prosody.c2sPort, "alice", "pw", "r");
    stops.push(() => alice.stop());
    await alice.send(xml("presence", { to: "echo@echo.localhost/alice" }, xml("x", { xmlns: "http://jabber.org/protocol/muc" })));
    await alice.waitFor((s) => s.getChildText("subject") === "Say something");
    await alice.send(xml("message", { to: "echo@echo.localhost", type: "groupchat" }, xml("body", {}, "hi")));
    const [reply] = await alice.waitFor((s) => s.getChildText("body") === "you said: hi");
    expect(reply!.attrs.from).toBe("echo@echo.localhost/echo-bot");
  });
});
