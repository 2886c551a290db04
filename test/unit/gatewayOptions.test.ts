/**
 * createGateway and openSqliteStore check every option before any I/O: a bad option throws a
 * TypeError naming it, and the SQLite file is never created (so nothing is left open).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGateway } from "../../src/createGateway.js";
import type { GatewayOptions } from "../../src/gatewayOptions.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import { createMemoryStore } from "../../src/store/memoryStore.js";
import { openSqliteStore } from "../../src/store/sqliteStore.js";

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mucstate-options-"));
  path = join(dir, "gateway.sqlite");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

class Session extends LegacySession {
  createRoom(): never {
    throw new Error("unused");
  }
}

const valid = (): GatewayOptions => ({
  domain: "muc.example.org",
  secret: "s3cret",
  service: "xmpp://127.0.0.1:5347",
  plugin: { createSession: (user) => new Session(user) },
  store: path,
});

const cases: Array<[string, Partial<Record<keyof GatewayOptions, unknown>>, string]> = [
  ["plugin", { plugin: {} }, "plugin option must be an object with a createSession(user) method, got [object Object]"],
  ["domain", { domain: "" }, 'domain option must be the component\'s domain name, e.g. "muc.example.org", got ""'],
  ["domain with a local part", { domain: "muc@example.org" }, 'domain option must be a domain name without @, / or spaces, got "muc@example.org"'],
  ["secret", { secret: undefined }, "secret option must be the non-empty component secret, got undefined"],
  ["service", { service: "127.0.0.1:5347" }, 'service option must be an xmpp://host:port URI, got "127.0.0.1:5347"'],
  ["name", { name: "" }, 'name option must be a non-empty string, got ""'],
  ["mailboxSize", { mailboxSize: 0 }, "mailboxSize option must be an integer from 1 to 2147483647, got 0"],
  ["callbackTimeoutMs", { callbackTimeoutMs: 1.5 }, "callbackTimeoutMs option must be an integer from 1 to 2147483647, got 1.5"],
  ["maxRooms", { maxRooms: -1 }, "maxRooms option must be an integer from 1 to 2147483647, got -1"],
  ["idleMs", { idleMs: 2 ** 31 }, "idleMs option must be an integer from 1 to 2147483647, got 2147483648"],
  ["maxOutboxQueue", { maxOutboxQueue: "10" }, 'maxOutboxQueue option must be an integer from 1 to 2147483647, got "10"'],
  ["maxStanzaBytes too small", { maxStanzaBytes: 1000 }, "maxStanzaBytes option must be an integer from 16384 to 67108864 (bytes), got 1000"],
  ["maxStanzaBytes", { maxStanzaBytes: 300_000.5 }, "maxStanzaBytes option must be an integer from 16384 to 67108864 (bytes), got 300000.5"],
  ["shutdownGraceMs", { shutdownGraceMs: -5 }, "shutdownGraceMs option must be an integer from 0 to 600000 (ms), got -5"],
  ["store", { store: "" }, 'store option must be a Store or the path of a SQLite file, got ""'],
  ["retentionDays", { retentionDays: 0 }, "retentionDays option must be a positive number of days or Infinity, got 0"],
  ["groupCommitMs", { groupCommitMs: 5000 }, "groupCommitMs option must be a number of milliseconds from 0 to 1000, got 5000"],
  ["inspect", { inspect: "yes" }, 'inspect option must be a function or an { next } observer, got "yes"'],
  ["onError", { onError: true }, "onError option must be a function, got true"],
  ["onWarning", { onWarning: 1 }, "onWarning option must be a function, got 1"],
  ["onDrop", { onDrop: {} }, "onDrop option must be a function, got [object Object]"],
  ["uploadService", { uploadService: "upload example.org" }, 'uploadService option must be false or the upload service\'s domain, e.g. "upload.example.org", got "upload example.org"'],
  ["uploadService", { uploadService: true }, 'uploadService option must be false or the upload service\'s domain, e.g. "upload.example.org", got true'],
];

describe("createGateway options", () => {
  it.each(cases)("a bad %s throws a TypeError naming it, before the SQLite file is created", (_, bad, message) => {
    expect(() => createGateway({ ...valid(), ...bad } as GatewayOptions)).toThrow(new TypeError(message));
    expect(existsSync(path)).toBe(false);
  });

  it("a store object without the Store methods is refused, naming the first missing one", () => {
    expect(() => createGateway({ ...valid(), store: { getRoom() {} } as never })).toThrow(
      new TypeError("store option must be a Store (it has no putRoom() method) or the path of a SQLite file, got [object Object]"),
    );
  });

  it("retentionDays with a Store object is refused: it belongs to the store's factory", () => {
    const store = createMemoryStore();
    expect(() => createGateway({ ...valid(), store, retentionDays: 3 })).toThrow(
      new TypeError("retentionDays option must be left out when store is a Store (give it to the store's factory instead), got 3"),
    );
    store.close();
  });

  it("good options open the SQLite file", () => {
    const gateway = createGateway({ ...valid(), mailboxSize: 5, shutdownGraceMs: 0, retentionDays: Number.POSITIVE_INFINITY });
    expect(existsSync(path)).toBe(true);
    gateway.store.close();
  });
});

describe("openSqliteStore options", () => {
  it.each([
    ["retentionDays", { retentionDays: -1 }, "retentionDays option must be a positive number of days or Infinity, got -1"],
    ["retentionIntervalMs", { retentionIntervalMs: 0 }, "retentionIntervalMs option must be a positive number of milliseconds up to 2147483647, got 0"],
    ["groupCommitMs", { groupCommitMs: Number.NaN }, "groupCommitMs option must be a number of milliseconds from 0 to 1000, got NaN"],
    ["onError", { onError: "log" }, 'onError option must be a function, got "log"'],
  ])("a bad %s throws before the file is created", (_, bad, message) => {
    expect(() => openSqliteStore(path, bad as never)).toThrow(new TypeError(message));
    expect(existsSync(path)).toBe(false);
  });

  it("an empty path is refused", () => {
    expect(() => openSqliteStore("")).toThrow(new TypeError('path option must be a file path or ":memory:", got ""'));
  });
});

describe("createMemoryStore options", () => {
  it.each([
    ["retentionDays", { retentionDays: 0 }, "retentionDays option must be a positive number of days or Infinity, got 0"],
    ["groupCommitMs", { groupCommitMs: -1 }, "groupCommitMs option must be a number of milliseconds from 0 to 1000, got -1"],
    ["onError", { onError: "log" }, 'onError option must be a function, got "log"'],
  ])("a bad %s throws a TypeError naming it", (_, bad, message) => {
    expect(() => createMemoryStore(bad as never)).toThrow(new TypeError(message));
  });
});
