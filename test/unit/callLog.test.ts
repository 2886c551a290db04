import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCallLog, readCallLog, toJsonSafe } from "../../src/demo/callLog.js";

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe("call log", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mucstate-calllog-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("appends one JSON line per entry, in call order, with ISO times", async () => {
    const file = join(dir, "order.jsonl");
    const log = createCallLog(file);
    const t0 = new Date("2026-11-20T10:00:00.123Z");
    for (let i = 0; i < 50; i++) {
      log.record({
        room: "lobby",
        callback: i % 2 === 0 ? "message" : "setSubject",
        args: [i],
        start: new Date(t0.getTime() + i),
        end: new Date(t0.getTime() + i + 5),
        ok: i % 3 !== 0,
      });
    }
    await log.close();
    const entries = await readCallLog(file);
    expect(entries).toHaveLength(50);
    entries.forEach((entry, i) => {
      expect(entry.args).toEqual([i]);
      expect(entry.start).toMatch(ISO_MS);
      expect(entry.end).toMatch(ISO_MS);
      expect(entry.start).toBe(new Date(t0.getTime() + i).toISOString());
      expect(entry.ok).toBe(i % 3 !== 0);
    });
    expect(entries[0]).toEqual({
      room: "lobby",
      callback: "message",
      args: [0],
      start: "2026-11-20T10:00:00.123Z",
      end: "2026-11-20T10:00:00.128Z",
      ok: false,
    });
    const lines = (await readFile(file, "utf8")).split("\n");
    expect(lines).toHaveLength(51);
    expect(lines[50]).toBe("");
    expect(Object.keys(JSON.parse(lines[0]!) as object)).toEqual(["room", "callback", "args", "start", "end", "ok"]);
  });

  it("appends to an existing file instead of truncating it", async () => {
    const file = join(dir, "append.jsonl");
    await writeFile(file, '{"room":"old","callback":"x","args":[],"start":"a","end":"b","ok":true}\n');
    const log = createCallLog(file);
    const now = new Date();
    log.record({ room: "new", callback: "kick", args: [], start: now, end: now, ok: true });
    await log.close();
    expect((await readCallLog(file)).map((e) => e.room)).toEqual(["old", "new"]);
  });

  it("makes args JSON-safe: bytes, dates, undefined", async () => {
    const file = join(dir, "args.jsonl");
    const log = createCallLog(file);
    const when = new Date("2026-11-20T10:01:00Z");
    log.record({
      room: "lobby",
      callback: "avatar",
      args: [
        new Uint8Array([1, 2, 3]),
        Buffer.from("hello"),
        when,
        undefined,
        { nested: { data: Buffer.alloc(7), at: when, missing: undefined }, list: [undefined, 1n] },
      ],
      start: when,
      end: when,
      ok: true,
    });
    await log.close();
    const [entry] = await readCallLog(file);
    expect(entry!.args).toEqual([
      { bytes: 3 },
      { bytes: 5 },
      "2026-11-20T10:01:00.000Z",
      null,
      { nested: { data: { bytes: 7 }, at: "2026-11-20T10:01:00.000Z", missing: null }, list: [null, "1"] },
    ]);
  });

  it("survives cycles and odd values", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(toJsonSafe([cyclic, () => 1, Number.NaN, new Map([["k", 1]]), new Error("boom")])).toEqual([
      { a: 1, self: "[Circular]" },
      null,
      null,
      [["k", 1]],
      { name: "Error", message: "boom" },
    ]);
  });

  it("ignores records after close and close is idempotent", async () => {
    const file = join(dir, "closed.jsonl");
    const log = createCallLog(file);
    const now = new Date();
    log.record({ room: "r", callback: "a", args: [], start: now, end: now, ok: true });
    const first = log.close();
    log.record({ room: "r", callback: "b", args: [], start: now, end: now, ok: true });
    await first;
    await log.close();
    expect((await readCallLog(file)).map((e) => e.callback)).toEqual(["a"]);
  });

  it("reads a log while it is written: a partial last line is left out, every flushed line is there", async () => {
    const file = join(dir, "live.jsonl");
    const log = createCallLog(file);
    const now = new Date();
    for (let i = 0; i < 500; i++) log.record({ room: "r", callback: `c${i}`, args: [], start: now, end: now, ok: true });
    await log.flush();
    expect((await readCallLog(file)).map((e) => e.callback)).toEqual(Array.from({ length: 500 }, (_, i) => `c${i}`));
    await log.close();
    // What a reader sees in the middle of a write: the next line's first bytes, no newline yet.
    await appendFile(file, '{"room":"r","callback":"half');
    expect(await readCallLog(file)).toHaveLength(500);
  });

  it("names the file and line of a complete line that is not JSON", async () => {
    const file = join(dir, "broken.jsonl");
    await writeFile(file, '{"room":"r","callback":"a","args":[],"start":"s","end":"e","ok":true}\n\n{"room":\n{"room":"r"');
    await expect(readCallLog(file)).rejects.toThrow(`${file}:3: not a JSON line`);
  });

  it("reports an unwritable path on close instead of crashing", async () => {
    const log = createCallLog(join(dir, "no-such-dir", "log.jsonl"));
    const now = new Date();
    log.record({ room: "r", callback: "a", args: [], start: now, end: now, ok: true });
    await expect(log.flush()).rejects.toThrow(/ENOENT/);
    await expect(log.close()).rejects.toThrow(/ENOENT/);
  });

  it("is a no-op logger without a path", async () => {
    const log = createCallLog(undefined);
    const now = new Date();
    expect(() =>
      log.record({ room: "r", callback: "a", args: [Buffer.alloc(1)], start: now, end: now, ok: true }),
    ).not.toThrow();
    await expect(log.close()).resolves.toBeUndefined();
  });
});
