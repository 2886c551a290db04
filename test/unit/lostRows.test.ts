/**
 * What the outbox sends for a stanza that names a message the store lost, whenever the stanza is
 * sent: queued before the store said so, or sent later (held for a join under way, a join
 * history streamed over several turns).
 */
import { EventEmitter } from "node:events";
import { xml } from "@xmpp/component";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LOST_ROWS_KEPT_MS } from "../../src/transport/lostRows.js";
import { Outbox } from "../../src/transport/outbox.js";

const ROOM = "room@muc.example.org";
const SID = "urn:xmpp:sid:0";
const LOST = { user: "alice@example.org", room: ROOM, stanzaId: "lost-1", error: Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" }) };

/** A connection online from the start, keeping what was written. */
class Connection extends EventEmitter {
  status = "online";
  socket = null;
  written: string[] = [];
  async write(data: string) {
    this.written.push(data);
  }
}

const groupchat = (id: string, sid: string) =>
  xml("message", { id, type: "groupchat", from: `${ROOM}/bob`, to: "alice@example.org/a" }, xml("body", {}, id), xml("stanza-id", { xmlns: SID, by: ROOM, id: sid }));
const mamResult = (id: string, sid: string) =>
  xml(
    "message",
    { id, from: ROOM, to: "alice@example.org/a" },
    xml("result", { xmlns: "urn:xmpp:mam:2", id: sid }, xml("forwarded", { xmlns: "urn:xmpp:forward:0" }, groupchat("inner", sid))),
  );

function outbox() {
  const connection = new Connection();
  const dropped: string[] = [];
  const box = new Outbox(connection, { domain: "muc.example.org", onDrop: (s, reason) => dropped.push(`${s.attrs.id} ${reason}`) });
  const flushed = async () => {
    await box.flushed();
    return connection.written.join("");
  };
  return { box, dropped, flushed };
}

afterEach(() => vi.useRealTimers());

describe("the outbox, for a message the store lost", () => {
  it("sends a live groupchat message sent after the loss without its stanza-id, keeping the rest of it", async () => {
    const { box, dropped, flushed } = outbox();
    box.markLost([LOST]);
    box.send(groupchat("held-for-join", "lost-1"));
    box.send(groupchat("kept", "kept-1"));
    const out = await flushed();
    expect(out).toContain('id="held-for-join"');
    expect(out).toContain("<body>held-for-join</body>");
    expect(out.match(/<stanza-id [^>]*\/>/g)).toEqual([`<stanza-id xmlns="${SID}" by="${ROOM}" id="kept-1"/>`]);
    expect(dropped).toEqual([]);
  });

  it("drops a MAM result of it, and sends the substitute of an echo registered before the loss", async () => {
    const { box, dropped, flushed } = outbox();
    const echo = groupchat("echo", "lost-1");
    const errors: unknown[] = [];
    box.markLost([{ ...LOST, stanzaId: "other" }]); // a loss is known, so substitutes are kept
    box.replaceIfLost(echo, (lost) => {
      errors.push(lost.error);
      return xml("message", { id: "error-reply", type: "error", from: ROOM, to: "alice@example.org/a" });
    });
    box.markLost([LOST]);
    box.send(mamResult("mam", "lost-1"));
    box.send(echo);
    const out = await flushed();
    expect(out).not.toContain('id="mam"');
    expect(out).not.toContain('id="echo"');
    expect(out).toContain('id="error-reply"');
    expect(errors).toEqual([LOST.error]);
    expect(dropped).toEqual(["mam not-durable"]);
  });

  it("forgets lost messages ten minutes after the last loss", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { box, flushed } = outbox();
    box.markLost([LOST]);
    vi.setSystemTime(Date.now() + LOST_ROWS_KEPT_MS - 1);
    box.send(groupchat("still-lost", "lost-1"));
    vi.setSystemTime(Date.now() + 1);
    box.send(groupchat("forgotten", "lost-1"));
    const stanzaIds = (await flushed()).match(/<stanza-id [^>]*\/>/g) ?? [];
    expect(stanzaIds).toHaveLength(1); // only "forgotten" keeps it
  });
});
