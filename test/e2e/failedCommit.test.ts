/**
 * A group commit that fails, end to end. A deferred foreign key (added to the store's file by a
 * trigger on the archive) makes COMMIT fail whenever the batch holds a message with "POISON" in
 * it: the batch rolls back, each message is replayed alone, and the poisoned ones stay lost.
 * What the client sees: nothing that claims a lost message is archived (a legacy one comes
 * without its stanza-id), an error instead of the echo of its own lost message, and everything
 * else, in order.
 */
import Database from "better-sqlite3";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Gateway, createGateway } from "../../src/createGateway.js";
import { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import { openSqliteStore } from "../../src/store/sqliteStore.js";
import type { Store } from "../../src/store/types.js";
import { type ProsodyHandle, startProsody } from "../../src/testbed/prosody.js";
import { conditionOf, qualifiedText } from "../helpers/stanzas.js";
import { type TestUser, archivedBodies, connectUser, xml } from "../helpers/xmppClient.js";

const MUC = "http://jabber.org/protocol/muc";
const SID = "urn:xmpp:sid:0";
const DOMAIN = "fc.localhost";
const ROOM = `poison@${DOMAIN}`;

class PoisonRoom extends LegacyRoom {
  override async updateInfo() {
    this.name = "Poison";
    this.subject = "careful";
  }
  override async fillParticipants() {
    await this.getParticipant("bob");
    await this.getParticipant("carol");
  }
  /** The network answers with traffic of its own, in the same event-loop turn: one batch. */
  override async onText(text: string) {
    if (text.includes("POISON")) {
      const bob = await this.getParticipant("bob");
      bob.sendText("good one", { legacyId: "L-good" });
      bob.sendText("POISON from bob", { legacyId: "L-bad" });
      (await this.getParticipant("carol")).role = "visitor";
    }
    return `L-${text.replace(/\W/g, "")}`;
  }
}

class Session extends LegacySession {
  createRoom(id: string) {
    return new PoisonRoom(this, id);
  }
}

describe("a failed group commit", () => {
  let prosody: ProsodyHandle;
  let gateway: Gateway;
  let store: Store;
  let alice: TestUser;
  const errors: string[] = [];
  const dropped: string[] = [];

  beforeAll(async () => {
    prosody = await startProsody({ components: [DOMAIN] });
    await prosody.registerUser("alice", "pw");
    const path = join(prosody.dir, "poison.sqlite");
    store = openSqliteStore(path, { onError: (e) => errors.push((e as Error).message) });
    const poison = new Database(path);
    poison.exec(`CREATE TABLE poison_parent (id INTEGER PRIMARY KEY);
      CREATE TABLE poison_child (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES poison_parent (id) DEFERRABLE INITIALLY DEFERRED);
      CREATE TRIGGER poison AFTER INSERT ON archive WHEN instr(NEW.xml, 'POISON') > 0
        BEGIN INSERT INTO poison_child (parent) VALUES (42); END;`);
    poison.close();
    gateway = createGateway({
      domain: DOMAIN,
      secret: prosody.secret,
      service: prosody.service,
      store,
      plugin: { createSession: (user) => new Session(user) },
      onDrop: (s, reason) => dropped.push(`${reason}: ${qualifiedText(s, "{jabber:client}body")}`),
    });
    await gateway.start();
    alice = await connectUser(prosody.c2sPort, "alice", "pw", "r");
    await alice.send(xml("presence", { to: `${ROOM}/alice` }, xml("x", { xmlns: MUC })));
    await alice.waitFor((s) => s.attrs.from === ROOM && s.getChild("subject", "jabber:client") !== undefined);
  });
  afterAll(async () => {
    await alice?.stop();
    await gateway?.stop();
    store?.close();
    await prosody?.stop({ removeDir: true });
  });

  it("sends no stanza-id of a lost message, an error to the sender of one, and the rest in order", async () => {
    alice.clear();
    await alice.send(xml("message", { to: ROOM, type: "groupchat", id: "mine" }, xml("body", {}, "POISON mine")));
    await alice.send(xml("message", { to: ROOM, type: "groupchat", id: "after" }, xml("body", {}, "after")));
    await alice.waitFor((s) => s.attrs.id === "after");

    const seen = alice.received.map((s) => {
      if (s.is("presence", "jabber:client")) return `presence ${s.attrs.from} ${s.getChild("x", `${MUC}#user`)?.getChild("item", `${MUC}#user`)?.attrs.role}`;
      if (s.attrs.type === "error") return `error ${s.attrs.id} ${conditionOf(s)} ${s.getChild("error", "jabber:client")?.attrs.type}`;
      return `message ${s.getChildText("body", "jabber:client")} ${s.getChild("stanza-id", SID)?.attrs.id}`;
    });
    expect(seen).toEqual([
      "message good one L-good",
      "message POISON from bob undefined", // delivered, but not claimed to be archived
      `presence ${ROOM}/carol visitor`,
      "error mine internal-server-error cancel",
      "message after L-after",
    ]);
    expect(alice.received.find((s) => s.attrs.type === "error")?.getChild("error", "jabber:client")?.getChildText("text", "urn:ietf:params:xml:ns:xmpp-stanzas")).toMatch(
      /reached the legacy network, but the gateway could not archive it/,
    );
    expect(dropped).toEqual([]);
    expect(errors).toEqual([
      expect.stringMatching(/FOREIGN KEY/), // the batch
      expect.stringMatching(/FOREIGN KEY/), // alice's message, replayed alone
      expect.stringMatching(/FOREIGN KEY/), // bob's poisoned one, replayed alone
    ]);

    // The archive has what the client received, and nothing else.
    expect(await archivedBodies(alice, ROOM)).toEqual(["good one", "after"]);
  });
});
