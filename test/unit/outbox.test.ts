import { EventEmitter } from "node:events";
import { xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { type DropReason, type LostRow, Outbox } from "../../src/transport/outbox.js";
import { FakeConnection } from "../helpers/fakeConnection.js";

/** A store's group commit, committed by the test. */
class FakeBarrier {
  uncommitted = false;
  readonly #waiting: Array<(lost: readonly LostRow[]) => void> = [];
  afterCommit(listener: (lost: readonly LostRow[]) => void) {
    if (this.uncommitted) this.#waiting.push(listener);
    else listener([]);
  }
  commit(lost: LostRow[] = []) {
    this.uncommitted = false;
    for (const listener of this.#waiting.splice(0)) listener(lost);
  }
}

const stanza = (id: string, from = "room@muc.example.org/bob", body = "") =>
  xml("message", { id, from, to: "alice@example.org/a" }, body ? xml("body", {}, body) : undefined);
/** Lets the outbox's pump (queued with process.nextTick) run. */
const tick = () => new Promise((resolve) => process.nextTick(resolve));

describe("outbox", () => {
  it("never sends a stanza whose from is outside the component domain", async () => {
    const c = new FakeConnection();
    const drops: Array<[string | undefined, DropReason]> = [];
    const outbox = new Outbox(c, { domain: "muc.example.org", onDrop: (s, r) => drops.push([s.attrs.id, r]) });
    c.goOnline();
    for (const from of ["alice@example.org/a", "example.org", "muc.example.org.evil.com", "", "@muc.example.org"]) outbox.send(stanza(from || "none", from));
    outbox.send(stanza("ok-room"));
    outbox.send(stanza("ok-domain", "muc.example.org"));
    await tick();
    expect(c.written).toEqual(["ok-room", "ok-domain"]);
    expect(drops.map(([, r]) => r)).toEqual(Array(5).fill("foreign-from"));
  });

  it("queues while offline, bounded, dropping the oldest, and sends in order once online", () => {
    const c = new FakeConnection();
    const drops: string[] = [];
    const outbox = new Outbox(c, { domain: "muc.example.org", maxQueue: 3, onDrop: (s) => drops.push(s.attrs.id as string) });
    for (const id of ["1", "2", "3", "4"]) outbox.send(stanza(id));
    expect(c.written).toEqual([]);
    expect(drops).toEqual(["1"]);
    c.goOnline();
    expect(c.written).toEqual(["2", "3", "4"]);
  });

  it("joins what one task sends into one socket write", async () => {
    const c = new FakeConnection();
    const outbox = new Outbox(c, { domain: "muc.example.org" });
    c.goOnline();
    for (let i = 0; i < 100; i++) outbox.send(stanza(String(i)));
    expect(c.written).toEqual([]);
    await tick();
    expect(c.written).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    expect(c.writes).toBe(1);
  });

  it("waits for drain when the socket buffer is above the high-water mark", async () => {
    const c = new FakeConnection();
    const outbox = new Outbox(c, { domain: "muc.example.org", highWaterMark: 150 });
    c.goOnline();
    // 40,000 characters each: a write takes two (it stops past 64 KiB), then the buffer is full.
    const big = "x".repeat(40_000);
    for (const id of ["1", "2", "3", "4"]) outbox.send(stanza(id, undefined, big));
    await tick();
    expect(c.written).toEqual(["1", "2"]);
    expect(outbox.size).toBe(2);
    c.socket.writableLength = 0;
    c.socket.emit("drain");
    expect(c.written).toEqual(["1", "2", "3", "4"]);
    await outbox.flushed();
  });

  it("holds stanzas while the store has uncommitted writes, and writes them in one go after the commit", async () => {
    const c = new FakeConnection();
    const barrier = new FakeBarrier();
    const outbox = new Outbox(c, { domain: "muc.example.org", barrier });
    c.goOnline();
    outbox.send(stanza("before"));
    await tick();
    expect(c.written).toEqual(["before"]);
    barrier.uncommitted = true;
    for (const id of ["1", "2", "3"]) outbox.send(stanza(id));
    await new Promise((resolve) => setImmediate(resolve));
    expect(c.written).toEqual(["before"]);
    expect(outbox.size).toBe(3);
    barrier.commit();
    expect(c.written).toEqual(["before", "1", "2", "3"]);
    expect(c.writes).toBe(2);
    await outbox.flushed();
  });

  it("after a failed commit, drops held stanzas that name a lost message and sends the substitute of a request's answer", async () => {
    const c = new FakeConnection();
    const barrier = new FakeBarrier();
    const dropped: string[] = [];
    const outbox = new Outbox(c, { domain: "muc.example.org", barrier, onDrop: (s, reason) => dropped.push(`${s.attrs.id} ${reason}`) });
    c.goOnline();
    barrier.uncommitted = true;
    const withSid = (id: string, sid: string, to = "alice@example.org/a") =>
      xml("message", { id, from: "room@muc.example.org/bob", to }, xml("stanza-id", { xmlns: "urn:xmpp:sid:0", by: "room@muc.example.org", id: sid }));
    const echo = withSid("echo", "lost-1");
    outbox.replaceIfLost(echo, () => stanza("error-reply"));
    outbox.send(withSid("saved", "kept-1"));
    outbox.send(echo);
    outbox.send(withSid("live-lost", "lost-2"));
    outbox.send(withSid("live-lost-cased", "lost-2", "alice@EXAMPLE.org/b")); // the store keys users by bare JID, domain lower-cased
    outbox.send(withSid("other-user", "lost-2", "bob@example.org/b")); // same id, another user's room
    outbox.send(stanza("presence-like"));
    await tick();
    barrier.commit([
      { user: "alice@example.org", room: "room@muc.example.org", stanzaId: "lost-1" },
      { user: "alice@example.org", room: "room@muc.example.org", stanzaId: "lost-2" },
    ]);
    expect(c.written).toEqual(["saved", "error-reply", "other-user", "presence-like"]);
    expect(dropped).toEqual(["live-lost not-durable", "live-lost-cased not-durable"]);
    await outbox.flushed();
  });

  it("keeps order when a commit lands between a held stanza and the next one", async () => {
    const c = new FakeConnection();
    const barrier = new FakeBarrier();
    barrier.uncommitted = true;
    const outbox = new Outbox(c, { domain: "muc.example.org", barrier });
    c.goOnline();
    outbox.send(stanza("held"));
    barrier.commit();
    outbox.send(stanza("next"));
    await tick();
    expect(c.written).toEqual(["held", "next"]);
    await outbox.flushed();
  });

  it("waits for the commit after a drain too", async () => {
    const c = new FakeConnection();
    const barrier = new FakeBarrier();
    const outbox = new Outbox(c, { domain: "muc.example.org", highWaterMark: 150, barrier });
    c.goOnline();
    const big = "x".repeat(40_000);
    for (const id of ["1", "2", "3"]) outbox.send(stanza(id, undefined, big));
    await tick();
    expect(c.written).toEqual(["1", "2"]);
    barrier.uncommitted = true;
    c.socket.writableLength = 0;
    c.socket.emit("drain");
    expect(c.written).toEqual(["1", "2"]);
    barrier.commit();
    expect(c.written).toEqual(["1", "2", "3"]);
  });

  it("resumes on a new stream after losing the old socket while waiting for its drain", async () => {
    const c = new FakeConnection();
    const outbox = new Outbox(c, { domain: "muc.example.org", highWaterMark: 150 });
    c.goOnline();
    const big = "x".repeat(40_000);
    for (const id of ["1", "2", "3"]) outbox.send(stanza(id, undefined, big));
    await tick();
    expect(c.written).toEqual(["1", "2"]);
    // The stream breaks: the old socket never drains; the reconnect brings an empty one.
    c.status = "offline";
    c.socket = Object.assign(new EventEmitter(), { writableLength: 0 });
    outbox.send(stanza("4"));
    c.goOnline();
    // 1 and 2 were never proven read: they go again first; 3 and 4 wait for the new socket's drain.
    expect(c.written).toEqual(["1", "2", "1", "2"]);
    c.socket.writableLength = 0;
    c.socket.emit("drain");
    expect(c.written).toEqual(["1", "2", "1", "2", "3", "4"]);
    await outbox.flushed();
  });

  it("refuses an unbounded queue", () => {
    expect(() => new Outbox(new FakeConnection(), { domain: "d", maxQueue: 0 })).toThrow(/maxQueue option must be a positive integer/);
  });
});
