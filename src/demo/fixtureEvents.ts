/**
 * Timed events of a fixture room: what the legacy network does by itself, so the occupant side
 * can be driven from outside the process. Each event fires `afterMs` milliseconds after the room's
 * participant list was filled (its first join or participant listing), in each user's copy of
 * the room.
 *
 * ```jsonc
 * "events": [
 *   { "afterMs": 500, "rename": { "from": "bob", "to": "robert" } },
 *   { "afterMs": 600, "presence": { "nick": "carol", "show": "away", "status": "lunch", "idleSince": "2026-11-20T10:00:00Z" } },
 *   { "afterMs": 700, "join": { "nick": "dave", "contact": "dave-id", "affiliation": "member", "role": "participant" } },
 *   { "afterMs": 800, "leave": { "nick": "dave", "kick": true, "reason": "spam" } },
 *   { "afterMs": 900, "message": { "from": "carol", "body": "back", "id": "legacy-7" } },
 *   { "afterMs": 950, "affiliation": { "nick": "carol", "affiliation": "admin" } },
 *   { "afterMs": 960, "role": { "nick": "carol", "role": "moderator" } },
 *   { "afterMs": 990, "subject": { "text": "New topic", "setter": "carol" } },
 *   { "afterMs": 995, "react": { "from": "carol", "to": "legacy-7", "emojis": ["👍"] } },
 *   { "afterMs": 999, "correct": { "from": "carol", "to": "legacy-7", "body": "back!", "id": "legacy-8" } },
 *   { "afterMs": 1000, "composing": { "from": "carol" } },
 *   { "afterMs": 1100, "paused": { "from": "carol" } },
 *   { "afterMs": 1200, "displayed": { "from": "carol", "id": "legacy-7" } },
 *   { "afterMs": 1300, "reply": { "from": "carol", "to": "legacy-7", "author": "bob", "quote": "hi", "body": "hi bob", "mentions": ["bob"], "id": "legacy-9" } },
 *   { "afterMs": 1350, "retract": { "from": "carol", "to": "legacy-8", "id": "legacy-10" } },
 *   { "afterMs": 1400, "moderate": { "by": "carol", "to": "legacy-1", "reason": "spam" } },
 *   { "afterMs": 1500, "file": { "from": "carol", "url": "https://example.org/cat.png", "mime": "image/png", "id": "legacy-11" } },
 *   { "afterMs": 1600, "file": { "from": "carol", "data": "aGVsbG8=", "name": "hello.txt", "mime": "text/plain" } },
 *   { "afterMs": 1700, "file": { "from": "carol", "bytes": 100000, "name": "big.bin" } }
 * ]
 * ```
 */
import { FixtureError } from "./fixtureError.js";
import {
  type RawObject,
  expected,
  fieldPath,
  indexPath,
  optionalBoolean,
  optionalCount,
  optionalDate,
  optionalDuration,
  optionalEnum,
  optionalString,
  readArray,
  readObject,
  requiredString,
} from "./fixtureFields.js";
import { FIXTURE_AFFILIATIONS, FIXTURE_ROLES, type FixtureAffiliation, type FixtureRole } from "./fixtureSchema.js";

const SHOWS = ["available", "away", "chat", "dnd", "xa"] as const;

/** What a fixture event does. */
export type FixtureAction =
  | { rename: { from: string; to: string } }
  | { presence: { nick: string; show: (typeof SHOWS)[number]; status?: string; idleSince?: Date } }
  | { join: { nick: string; contact?: string; affiliation: FixtureAffiliation; role: FixtureRole } }
  | { leave: { nick: string; kick: boolean; ban: boolean; reason?: string } }
  | { message: { from: string; body: string; id?: string } }
  | { affiliation: { nick: string; affiliation: FixtureAffiliation } }
  | { role: { nick: string; role: FixtureRole } }
  | { subject: { text: string; setter?: string } }
  | { react: { from: string; to: string; emojis: string[] } }
  /** `from` corrects its message with legacy id `to` (XEP-0308); `id`: the legacy id of the edit. */
  | { correct: { from: string; to: string; body: string; id?: string } }
  /** `from` starts typing (XEP-0085 `<composing/>`). */
  | { composing: { from: string } }
  /** `from` stops typing (XEP-0085 `<paused/>`). */
  | { paused: { from: string } }
  /** `from` has displayed the message with legacy id `id` (XEP-0333 `<displayed/>`). */
  | { displayed: { from: string; id: string } }
  /**
   * `from` replies (XEP-0461) to the message with legacy id `to`, by `author`, quoting `quote`;
   * `mentions`: nicks that `body` names (XEP-0372). `id`: the reply's legacy id.
   */
  | { reply: { from: string; to: string; body: string; id?: string; author?: string; quote?: string; mentions: string[] } }
  /** `from` retracts its message with legacy id `to` (XEP-0424); `id`: the legacy id of the retraction. */
  | { retract: { from: string; to: string; id?: string } }
  /** Moderator `by` (absent: the room itself) retracts the message with legacy id `to` (XEP-0425). */
  | { moderate: { by?: string; to: string; reason?: string; id?: string } }
  /** `from` sends a file: by its URL, or bytes (given in base64, or `bytes` generated ones) to upload. */
  | { file: FixtureFile };

/** The file of a `file` event; `id` is its legacy id. */
export type FixtureFile = { from: string; id?: string; name?: string; mime?: string } & (
  | { url: string; size?: number }
  | { data: Uint8Array; name: string }
);

/** Upper bound of a `file` event's generated `bytes` (100 MiB). */
export const MAX_FIXTURE_FILE_BYTES = 100 * 1024 * 1024;

/** A `file` event: exactly one of `url`, `data` (base64) and `bytes` (that many bytes 0, 1, … 255, 0, …). */
function readFile(o: RawObject, p: string): FixtureFile {
  const sources = ["url", "data", "bytes"].filter((k) => o[k] !== undefined);
  if (sources.length !== 1) throw new FixtureError(p, `expected exactly one of url, data, bytes, got ${sources.length}`);
  const common = {
    from: requiredString(o, "from", p),
    ...defined("id", optionalString(o, "id", p, true)),
    ...defined("mime", optionalString(o, "mime", p, true)),
  };
  if (o.url !== undefined) {
    const size = o.size === undefined ? undefined : optionalCount(o, "size", p, Number.MAX_SAFE_INTEGER);
    return { ...common, url: requiredString(o, "url", p), ...defined("name", optionalString(o, "name", p, true)), ...defined("size", size) };
  }
  if (o.size !== undefined) throw new FixtureError(fieldPath(p, "size"), "only a url file takes a size (bytes have their own)");
  const name = requiredString(o, "name", p);
  if (o.bytes !== undefined) {
    const count = optionalCount(o, "bytes", p, MAX_FIXTURE_FILE_BYTES);
    return { ...common, name, data: Uint8Array.from({ length: count }, (_, i) => i % 256) };
  }
  const base64 = o.data;
  if (typeof base64 !== "string" || base64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) {
    expected(fieldPath(p, "data"), "the file's bytes in base64", base64);
  }
  return { ...common, name, data: new Uint8Array(Buffer.from(base64, "base64")) };
}

/** A timed event of a fixture room. */
export type FixtureEvent = { afterMs: number } & FixtureAction;

const ACTIONS: Record<string, (obj: RawObject, path: string) => FixtureAction> = {
  rename: (o, p) => ({ rename: { from: requiredString(o, "from", p), to: requiredString(o, "to", p) } }),
  presence: (o, p) => ({
    presence: {
      nick: requiredString(o, "nick", p),
      show: optionalEnum(o, "show", p, SHOWS, "available"),
      ...defined("status", optionalString(o, "status", p, false)),
      ...defined("idleSince", optionalDate(o, "idleSince", p)),
    },
  }),
  join: (o, p) => ({
    join: {
      nick: requiredString(o, "nick", p),
      ...defined("contact", optionalString(o, "contact", p, true)),
      affiliation: optionalEnum(o, "affiliation", p, FIXTURE_AFFILIATIONS, "member"),
      role: optionalEnum(o, "role", p, FIXTURE_ROLES, "participant"),
    },
  }),
  leave: (o, p) => {
    const kick = optionalBoolean(o, "kick", p, false);
    const ban = optionalBoolean(o, "ban", p, false);
    if (kick && ban) throw new FixtureError(fieldPath(p, "ban"), "kick and ban cannot both be true");
    return { leave: { nick: requiredString(o, "nick", p), kick, ban, ...defined("reason", optionalString(o, "reason", p, false)) } };
  },
  message: (o, p) => {
    if (typeof o.body !== "string") expected(fieldPath(p, "body"), "a string", o.body);
    return { message: { from: requiredString(o, "from", p), body: o.body, ...defined("id", optionalString(o, "id", p, true)) } };
  },
  affiliation: (o, p) => ({
    affiliation: { nick: requiredString(o, "nick", p), affiliation: optionalEnum(o, "affiliation", p, FIXTURE_AFFILIATIONS, "member") },
  }),
  role: (o, p) => ({ role: { nick: requiredString(o, "nick", p), role: optionalEnum(o, "role", p, FIXTURE_ROLES, "participant") } }),
  react: (o, p) => {
    const emojis = o.emojis;
    if (!Array.isArray(emojis) || emojis.some((e) => typeof e !== "string")) expected(fieldPath(p, "emojis"), "an array of strings", emojis);
    return { react: { from: requiredString(o, "from", p), to: requiredString(o, "to", p), emojis: emojis as string[] } };
  },
  correct: (o, p) => {
    if (typeof o.body !== "string") expected(fieldPath(p, "body"), "a string", o.body);
    const id = optionalString(o, "id", p, true);
    return { correct: { from: requiredString(o, "from", p), to: requiredString(o, "to", p), body: o.body, ...defined("id", id) } };
  },
  composing: (o, p) => ({ composing: { from: requiredString(o, "from", p) } }),
  paused: (o, p) => ({ paused: { from: requiredString(o, "from", p) } }),
  displayed: (o, p) => ({ displayed: { from: requiredString(o, "from", p), id: requiredString(o, "id", p) } }),
  reply: (o, p) => {
    if (typeof o.body !== "string") expected(fieldPath(p, "body"), "a string", o.body);
    const body = o.body as string;
    const mentions = readArray(o, "mentions", p, false);
    for (const [i, nick] of mentions.entries()) {
      if (typeof nick !== "string" || !body.includes(nick)) expected(indexPath(fieldPath(p, "mentions"), i), "a nick that the body names", nick);
    }
    const reply = { from: requiredString(o, "from", p), to: requiredString(o, "to", p), body, mentions: mentions as string[] };
    const author = defined("author", optionalString(o, "author", p, true));
    const quote = defined("quote", optionalString(o, "quote", p, false));
    return { reply: { ...reply, ...defined("id", optionalString(o, "id", p, true)), ...author, ...quote } };
  },
  retract: (o, p) => ({ retract: { from: requiredString(o, "from", p), to: requiredString(o, "to", p), ...defined("id", optionalString(o, "id", p, true)) } }),
  moderate: (o, p) => ({
    moderate: {
      ...defined("by", optionalString(o, "by", p, true)),
      to: requiredString(o, "to", p),
      ...defined("reason", optionalString(o, "reason", p, false)),
      ...defined("id", optionalString(o, "id", p, true)),
    },
  }),
  file: (o, p) => ({ file: readFile(o, p) }),
  subject: (o, p) => {
    if (typeof o.text !== "string") expected(fieldPath(p, "text"), "a string", o.text);
    return { subject: { text: o.text, ...defined("setter", optionalString(o, "setter", p, true)) } };
  },
};

const FIELDS: Record<string, readonly string[]> = {
  rename: ["from", "to"],
  presence: ["nick", "show", "status", "idleSince"],
  join: ["nick", "contact", "affiliation", "role"],
  leave: ["nick", "kick", "ban", "reason"],
  message: ["from", "body", "id"],
  affiliation: ["nick", "affiliation"],
  role: ["nick", "role"],
  subject: ["text", "setter"],
  react: ["from", "to", "emojis"],
  correct: ["from", "to", "body", "id"],
  composing: ["from"],
  paused: ["from"],
  displayed: ["from", "id"],
  reply: ["from", "to", "body", "id", "author", "quote", "mentions"],
  retract: ["from", "to", "id"],
  moderate: ["by", "to", "reason", "id"],
  file: ["from", "url", "data", "bytes", "name", "mime", "size", "id"],
};

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Reads a room's `events` array: each event has `afterMs` and exactly one action. */
export function readEvents(room: RawObject, path: string): FixtureEvent[] {
  const eventsPath = fieldPath(path, "events");
  return readArray(room, "events", path, false).map((value, i) => {
    const p = indexPath(eventsPath, i);
    const obj = readObject(value, p, ["afterMs", ...Object.keys(ACTIONS)]);
    const kinds = Object.keys(obj).filter((k) => k !== "afterMs");
    if (kinds.length !== 1) {
      throw new FixtureError(p, `expected exactly one action (${Object.keys(ACTIONS).join(", ")}), got ${kinds.length}`);
    }
    const kind = kinds[0] as string;
    const actionPath = fieldPath(p, kind);
    const action = ACTIONS[kind]!(readObject(obj[kind], actionPath, FIELDS[kind]), actionPath);
    return { afterMs: optionalDuration(obj, "afterMs", p), ...action };
  });
}
