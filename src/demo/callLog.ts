/**
 * The demo gateway's call log: one JSON line per legacy-network callback
 * invocation, so tests and humans can see what the gateway asked the fake
 * legacy network to do, with which arguments, when, and whether it succeeded.
 *
 * @module
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { readFile } from "node:fs/promises";

/** What the gateway reports about one finished callback invocation. */
export interface CallLogRecord {
  /** Legacy id of the room the callback concerned. */
  room: string;
  /** Callback name, e.g. `"setSubject"` or `"backfill"`. */
  callback: string;
  /** The callback's arguments (made JSON-safe by {@link toJsonSafe} before writing). */
  args: unknown[];
  /** When the call started. */
  start: Date;
  /** When the call finished. */
  end: Date;
  /** Whether it succeeded. */
  ok: boolean;
}

/** One line of a call log file, as read back by {@link readCallLog}. */
export interface CallLogEntry {
  /** Legacy id of the room the callback concerned. */
  room: string;
  /** Callback name. */
  callback: string;
  /** JSON-safe arguments (bytes as `{ "bytes": n }`, dates as ISO strings, undefined as null). */
  args: unknown[];
  /** Start time, ISO-8601 with milliseconds (`Date.prototype.toISOString`). */
  start: string;
  /** End time, ISO-8601 with milliseconds. */
  end: string;
  /** Whether the call succeeded. */
  ok: boolean;
}

/** An append-only log of callback invocations. */
export interface CallLog {
  /**
   * Appends one line for `entry`. Lines appear in the order `record` is
   * called. Calls after {@link CallLog.close} are ignored.
   */
  record(entry: CallLogRecord): void;
  /**
   * Resolves once every line recorded so far is in the file, so that a reader
   * sees each of them whole. Rejects like {@link CallLog.close} on a failure.
   */
  flush(): Promise<void>;
  /**
   * Flushes and closes the log. Resolves once everything recorded is on
   * disk; rejects if the file could not be opened or written. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Creates a call log appending to `path` (created if missing, never
 * truncated) through a single write stream; with `undefined`, a logger that
 * records nothing.
 */
export function createCallLog(path: string | undefined): CallLog {
  if (path === undefined) {
    return { record: () => {}, flush: () => Promise.resolve(), close: () => Promise.resolve() };
  }
  return new FileCallLog(createWriteStream(path, { flags: "a", encoding: "utf8" }));
}

/**
 * Lines recorded in one event-loop turn go to the file in one write, at the end of the turn (a
 * `setImmediate`), not in a write and a promise each: 3.7–5.2 µs of CPU a line instead of
 * 4.1–6.7 µs (50,000 `onText` lines, 40 a turn). Most of what is left is making the arguments
 * JSON-safe and stringifying them.
 */
class FileCallLog implements CallLog {
  readonly #stream: WriteStream;
  #failure: Error | undefined;
  #closing: Promise<void> | undefined;
  /** Lines recorded since the last write, in order; a write is due at the end of the turn while there are some. */
  #pending = "";
  /** Settles when the latest write is done; writes finish in order, so all earlier ones are too. */
  #lastWrite: Promise<void> = Promise.resolve();

  constructor(stream: WriteStream) {
    this.#stream = stream;
    // Keep a write/open failure from becoming an uncaught 'error' event;
    // it is reported by close().
    stream.on("error", (error: Error) => {
      this.#failure ??= error;
    });
  }

  record(entry: CallLogRecord): void {
    if (this.#closing !== undefined || this.#failure !== undefined) return;
    const line: CallLogEntry = {
      room: entry.room,
      callback: entry.callback,
      args: entry.args.map((arg) => toJsonSafe(arg)),
      start: isoTime(entry.start),
      end: isoTime(entry.end),
      ok: entry.ok,
    };
    if (this.#pending === "") setImmediate(() => this.#write());
    this.#pending += `${JSON.stringify(line)}\n`;
  }

  /** Hands the pending lines to the stream, in one write. */
  #write(): void {
    if (this.#pending === "" || this.#stream.destroyed) return;
    const chunk = this.#pending;
    this.#pending = "";
    this.#lastWrite = new Promise<void>((resolve) => this.#stream.write(chunk, () => resolve()));
  }

  async flush(): Promise<void> {
    this.#write();
    await this.#lastWrite;
    if (this.#failure !== undefined) throw this.#failure;
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve, reject) => {
      const settle = (): void => {
        if (this.#failure === undefined) resolve();
        else reject(this.#failure);
      };
      this.#write();
      if (this.#stream.destroyed) {
        settle();
        return;
      }
      this.#stream.once("close", settle);
      this.#stream.end();
    });
    return this.#closing;
  }
}

function isoTime(date: Date): string {
  return Number.isNaN(date.getTime()) ? "Invalid Date" : date.toISOString();
}

/**
 * Converts `value` into something `JSON.stringify` renders faithfully:
 * `Uint8Array`/`Buffer` → `{ "bytes": <length> }` (other ArrayBuffer views and
 * ArrayBuffers likewise, by byte length), `Date` → ISO string, `undefined`
 * (also as an object property or array element) → `null`, `bigint` → decimal
 * string, functions and symbols → `null`, `Map` → array of entries, `Set` →
 * array, `Error` → `{ name, message }`, repeated references (cycles) →
 * `"[Circular]"`. Objects with a `toJSON` method are converted via it.
 */
export function toJsonSafe(value: unknown): unknown {
  return convert(value, new Set());
}

function convert(value: unknown, ancestors: Set<object>): unknown {
  switch (typeof value) {
    case "undefined":
    case "function":
    case "symbol":
      return null;
    case "bigint":
      return value.toString();
    case "number":
      return Number.isFinite(value) ? value : null;
    case "string":
    case "boolean":
      return value;
  }
  if (value === null) return null;
  const obj = value as object;
  if (ArrayBuffer.isView(obj)) return { bytes: obj.byteLength };
  if (obj instanceof ArrayBuffer || obj instanceof SharedArrayBuffer) return { bytes: obj.byteLength };
  if (obj instanceof Date) return isoTime(obj);
  if (ancestors.has(obj)) return "[Circular]";
  ancestors.add(obj);
  try {
    if (Array.isArray(obj)) return obj.map((item) => convert(item, ancestors));
    if (obj instanceof Map) return [...obj].map((pair) => convert(pair, ancestors));
    if (obj instanceof Set) return [...obj].map((item) => convert(item, ancestors));
    if (obj instanceof Error) return { name: obj.name, message: obj.message };
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") return convert(toJSON.call(obj), ancestors);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(obj)) out[key] = convert(item, ancestors);
    return out;
  } finally {
    ancestors.delete(obj);
  }
}

/**
 * Reads a call log file back: one {@link CallLogEntry} per non-empty line,
 * in file order. Intended for tests.
 *
 * @remarks
 * The file may be read while the gateway still writes it: a last line without
 * its newline is a line being written and is left out. Call
 * {@link CallLog.flush} first to see every line recorded so far. A complete
 * line that is not JSON is an error naming the file and the line number.
 */
export async function readCallLog(path: string): Promise<CallLogEntry[]> {
  const lines = (await readFile(path, "utf8")).split("\n");
  lines.pop(); // "" after the last newline, or a line still being written
  const entries: CallLogEntry[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      entries.push(JSON.parse(line) as CallLogEntry);
    } catch (error) {
      throw new Error(`${path}:${i + 1}: not a JSON line (${(error as Error).message})`);
    }
  });
  return entries;
}
