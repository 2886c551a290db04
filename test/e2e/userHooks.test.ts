/**
 * The plugin's lifecycle hooks and a gateway's extended machine through Prosody, with two real
 * clients of one user: `onUserJoined` runs after the join sequence (what it adds reaches the
 * client as live presences after the subject), `onUserLeft` says `last` when the second resource
 * leaves, and the gateway's `onEnterJoined` entry hook runs when the first resource enters.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Gateway, createGateway } from "../../src/createGateway.js";
import { roomMachine } from "../../src/index.js";
import { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import { type ProsodyHandle, startProsody } from "../../src/testbed/prosody.js";
import { type TestUser, connectUser, xml } from "../helpers/xmppClient.js";

const MUC = "http://jabber.org/protocol/muc";
const DOMAIN = "hooks.localhost";
const ROOM = `chan@${DOMAIN}`;
const log: string[] = [];

/** Like an IRC channel: the user's first join makes the gateway JOIN, and dave is there. */
class ChannelRoom extends LegacyRoom {
  override async updateInfo() {
    this.name = "chan";
    this.subject = "IRC topic";
  }
  override async onUserJoined(resource: string, { first }: { first: boolean }) {
    log.push(`onUserJoined ${resource}${first ? " first" : ""}`);
    if (first) await this.getParticipant("dave");
  }
  override async onUserLeft(resource: string, { last }: { last: boolean }) {
    log.push(`onUserLeft ${resource}${last ? " last" : ""}`);
  }
}

describe("onUserJoined / onUserLeft and an extended machine through Prosody", () => {
  let prosody: ProsodyHandle;
  let gateway: Gateway;
  let dir: string;
  let phone: TestUser;
  let laptop: TestUser;

  beforeAll(async () => {
    prosody = await startProsody({ components: [DOMAIN] });
    await prosody.registerUser("alice", "pw");
    dir = mkdtempSync(join(tmpdir(), "mucstate-hooks-"));
    class Session extends LegacySession {
      override async createRoom(id: string) {
        return new ChannelRoom(this, id);
      }
    }
    gateway = createGateway({
      domain: DOMAIN,
      secret: prosody.secret,
      service: prosody.service,
      store: join(dir, "gateway.sqlite"),
      plugin: { createSession: (user) => new Session(user) },
      machine: roomMachine.provide({ actions: { onEnterJoined: ({ context }) => void log.push(`onEnterJoined ${context.resources.join(",")}`) } }),
    });
    await gateway.start();
    phone = await connectUser(prosody.c2sPort, "alice", "pw", "phone");
    laptop = await connectUser(prosody.c2sPort, "alice", "pw", "laptop");
  });
  afterAll(async () => {
    await phone?.stop();
    await laptop?.stop();
    await gateway?.stop();
    await prosody?.stop({ removeDir: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const until = async (done: () => boolean) => {
    const deadline = Date.now() + 10_000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`not done: ${JSON.stringify(log)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it("joins, then calls onUserJoined (first), whose participant arrives after the subject; onUserLeft says last for the second resource", async () => {
    await phone.send(xml("presence", { to: `${ROOM}/alice` }, xml("x", { xmlns: MUC })));
    await phone.waitFor((s) => s.is("presence", "jabber:client") && s.attrs.from === `${ROOM}/dave`);
    const fromRoom = phone.received.filter((s) => String(s.attrs.from).startsWith(ROOM));
    const order = fromRoom.map((s) => (s.getChild("subject", "jabber:client") ? "subject" : `${s.name} ${String(s.attrs.from).slice(ROOM.length + 1)}`));
    expect(order).toEqual(["presence alice", "subject", "presence dave"]);
    expect(fromRoom[0]!.getChild("x", `${MUC}#user`)?.getChildren("status", `${MUC}#user`).map((c) => c.attrs.code)).toEqual(["100", "110"]);

    await laptop.send(xml("presence", { to: `${ROOM}/alice` }, xml("x", { xmlns: MUC })));
    await laptop.waitFor((s) => s.getChild("subject", "jabber:client") !== undefined);
    await until(() => log.includes("onUserJoined laptop"));
    await phone.send(xml("presence", { to: `${ROOM}/alice`, type: "unavailable" }));
    await until(() => log.includes("onUserLeft phone"));
    await laptop.send(xml("presence", { to: `${ROOM}/alice`, type: "unavailable" }));
    await until(() => log.includes("onUserLeft laptop last"));
    expect(log).toEqual(["onEnterJoined phone", "onUserJoined phone first", "onUserJoined laptop", "onUserLeft phone", "onUserLeft laptop last"]);
  });
});
