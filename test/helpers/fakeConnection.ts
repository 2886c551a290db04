/**
 * A fake component connection for outbox tests: it records the ids of the messages of every
 * write, as the server would parse them, and can answer the outbox's delivery probes as the
 * server does (by routing them back).
 */
import { EventEmitter } from "node:events";
import { xml } from "@xmpp/component";

/** Ids of the outbox's delivery probes in `data`, in order. */
const probeIds = (data: string) => [...data.matchAll(/<iq[^>]* id="(mucstate-probe-[^"]*)"/g)].map((m) => m[1] as string);

export class FakeConnection extends EventEmitter {
  status = "offline";
  written: string[] = [];
  /** Probes written and not yet answered. */
  probes: string[] = [];
  socket = Object.assign(new EventEmitter(), { writableLength: 0 });
  writes = 0;
  /** When set, every write fails (a socket that died). */
  failWrites = false;
  /** Records the ids of the stanzas of one write, as the server would parse them. */
  async write(data: string) {
    this.writes++;
    if (this.failWrites) throw new Error("socket destroyed");
    for (const [, id] of data.matchAll(/<message[^>]* id="([^"]*)"/g)) this.written.push(id as string);
    this.probes.push(...probeIds(data));
    this.socket.writableLength += data.length;
  }
  goOnline() {
    this.status = "online";
    this.emit("online");
  }
  /** The connection dies; the next stream has a fresh socket. */
  die() {
    this.status = "disconnect";
    this.probes = [];
    this.socket = Object.assign(new EventEmitter(), { writableLength: 0 });
  }
  /** Routes the probes written so far back, as the server does; returns how many. */
  answerProbes(outbox: { confirm(stanza: ReturnType<typeof xml>): boolean }): number {
    const ids = this.probes.splice(0);
    for (const id of ids) outbox.confirm(xml("iq", { type: "get", id, from: "muc.example.org", to: "muc.example.org" }));
    return ids.length;
  }
}
