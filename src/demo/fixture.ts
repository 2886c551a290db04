/**
 * The demo gateway's fixture format: a JSON file describing a fake "legacy"
 * chat network (who may use the gateway, which rooms exist, who is in them,
 * their history, artificial delays and forced request failures).
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { isStanzaErrorCondition, type StanzaErrorCondition } from "../protocol/conditions.js";
import { FixtureError } from "./fixtureError.js";
import { readEvents } from "./fixtureEvents.js";
import { readRoomExtras } from "./fixtureExtras.js";
import {
  choices,
  expected,
  fieldPath,
  indexPath,
  optionalBoolean,
  optionalCount,
  optionalDate,
  optionalDuration,
  optionalEnum,
  optionalString,
  type RawObject,
  readArray,
  readObject,
  requiredDate,
  requiredString,
} from "./fixtureFields.js";
import {
  FIXTURE_AFFILIATIONS,
  FIXTURE_ROLES,
  FIXTURE_ROOM_TYPES,
  type Fixture,
  type FixtureDelays,
  type FixtureHistoryMessage,
  type FixtureParticipant,
  type FixtureRoom,
  MAX_GENERATED_HISTORY,
  MAX_GENERATED_PARTICIPANTS,
  REQUEST_KINDS,
  type RequestKind,
} from "./fixtureSchema.js";

export { FixtureError } from "./fixtureError.js";
export type { FixtureAction, FixtureEvent } from "./fixtureEvents.js";
export {
  FIXTURE_AFFILIATIONS,
  FIXTURE_ROLES,
  FIXTURE_ROOM_TYPES,
  type Fixture,
  type FixtureAffiliation,
  type FixtureDelays,
  type FixtureHistoryMessage,
  type FixtureParticipant,
  type FixtureRole,
  type FixtureRoom,
  type FixtureRoomType,
  MAX_GENERATED_HISTORY,
  MAX_GENERATED_PARTICIPANTS,
  REQUEST_KINDS,
  type RequestKind,
} from "./fixtureSchema.js";

const FIXTURE_FIELDS = ["users", "rooms"] as const;
const ROOM_FIELDS = [
  "id",
  "name",
  "description",
  "subject",
  "subjectSetter",
  "subjectDate",
  "type",
  "hasSubject",
  "hasDescription",
  "userNick",
  "userAffiliation",
  "userRole",
  "participants",
  "generatedParticipants",
  "history",
  "generatedHistory",
  "delayMs",
  "reject",
  "events",
  "addToBookmarks",
  "availableEmojis",
  "maxReactionsPerUser",
] as const;
const PARTICIPANT_FIELDS = ["nick", "affiliation", "role", "contact"] as const;
const HISTORY_FIELDS = ["id", "from", "body", "at"] as const;
const DELAY_FIELDS = ["updateInfo", "fillParticipants", "backfill", "requests"] as const;

/** `local@domain`: no resource, no whitespace, no characters RFC 7622 forbids in a localpart. */
const BARE_JID = /^[^\s"&'/:<>@]+@[^\s/@]+$/;
const GENERATED_NICK = /^p([1-9]\d*)$/;

/**
 * Validates a parsed JSON value as a {@link Fixture} and fills in defaults.
 *
 * @param value - the result of `JSON.parse` on the fixture text
 * @param source - where the fixture came from (e.g. its file name), used to prefix error messages
 * @throws FixtureError for the first problem found (wrong type, missing or unknown field,
 *   duplicate room id / nick / user / history id, out-of-range number, unparsable date)
 */
export function parseFixture(value: unknown, source?: string): Fixture {
  try {
    return readFixture(value);
  } catch (error) {
    if (error instanceof FixtureError && source !== undefined && error.source === undefined) {
      throw new FixtureError(error.path, error.detail, source, { cause: error });
    }
    throw error;
  }
}

/**
 * Reads, JSON-parses and validates the fixture file at `path`.
 *
 * @throws FixtureError naming the file when it cannot be read, is not valid JSON,
 *   or fails {@link parseFixture}
 */
export async function loadFixture(path: string): Promise<Fixture> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FixtureError("", `cannot read file: ${reason}`, path, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FixtureError("", `invalid JSON: ${reason}`, path, { cause: error });
  }
  return parseFixture(json, path);
}

function readFixture(value: unknown): Fixture {
  const obj = readObject(value, "", FIXTURE_FIELDS);
  const users = readArray(obj, "users", "", true).map((user, i) => {
    const path = indexPath("users", i);
    if (typeof user !== "string" || !BARE_JID.test(user)) {
      expected(path, "a bare JID (local@domain, no resource)", user);
    }
    return user;
  });
  unique(users, (i) => indexPath("users", i), "user");
  const rooms = readArray(obj, "rooms", "", false).map((room, i) => readRoom(room, indexPath("rooms", i)));
  unique(
    rooms.map((room) => room.id),
    (i) => fieldPath(indexPath("rooms", i), "id"),
    "room id",
  );
  return { users, rooms };
}

function readRoom(value: unknown, path: string): FixtureRoom {
  const obj = readObject(value, path, ROOM_FIELDS);
  const id = requiredString(obj, "id", path);
  const room: FixtureRoom = {
    id,
    name: optionalString(obj, "name", path, false) ?? id,
    description: optionalString(obj, "description", path, false) ?? "",
    subject: optionalString(obj, "subject", path, false) ?? "",
    type: optionalEnum(obj, "type", path, FIXTURE_ROOM_TYPES, "group"),
    hasSubject: optionalBoolean(obj, "hasSubject", path, true),
    hasDescription: optionalBoolean(obj, "hasDescription", path, true),
    participants: [],
    generatedParticipants: optionalCount(obj, "generatedParticipants", path, MAX_GENERATED_PARTICIPANTS),
    history: [],
    generatedHistory: optionalCount(obj, "generatedHistory", path, MAX_GENERATED_HISTORY),
    delayMs: readDelays(obj.delayMs, fieldPath(path, "delayMs")),
    reject: readReject(obj.reject, fieldPath(path, "reject")),
    events: readEvents(obj, path),
  };
  Object.assign(room, readRoomExtras(obj, path));
  const subjectSetter = optionalString(obj, "subjectSetter", path, true);
  if (subjectSetter !== undefined) room.subjectSetter = subjectSetter;
  const subjectDate = optionalDate(obj, "subjectDate", path);
  if (subjectDate !== undefined) room.subjectDate = subjectDate;
  const userNick = optionalString(obj, "userNick", path, true);
  if (userNick !== undefined) room.userNick = userNick;

  const participantsPath = fieldPath(path, "participants");
  room.participants = readArray(obj, "participants", path, false).map((p, i) =>
    readParticipant(p, indexPath(participantsPath, i)),
  );
  const nicks = room.participants.map((p) => p.nick);
  unique(nicks, (i) => fieldPath(indexPath(participantsPath, i), "nick"), "nick");
  nicks.forEach((nick, i) => {
    const n = GENERATED_NICK.exec(nick)?.[1];
    if (n !== undefined && Number(n) <= room.generatedParticipants) {
      throw new FixtureError(
        fieldPath(indexPath(participantsPath, i), "nick"),
        `duplicate nick ${JSON.stringify(nick)} (also a generated participant, generatedParticipants is ${room.generatedParticipants})`,
      );
    }
  });

  const historyPath = fieldPath(path, "history");
  room.history = readArray(obj, "history", path, false).map((h, i) =>
    readHistoryMessage(h, indexPath(historyPath, i)),
  );
  unique(
    room.history.map((h) => h.id),
    (i) => fieldPath(indexPath(historyPath, i), "id"),
    "history id",
  );
  return room;
}

function readParticipant(value: unknown, path: string): FixtureParticipant {
  const obj = readObject(value, path, PARTICIPANT_FIELDS);
  const participant: FixtureParticipant = {
    nick: requiredString(obj, "nick", path),
    affiliation: optionalEnum(obj, "affiliation", path, FIXTURE_AFFILIATIONS, "member"),
    role: optionalEnum(obj, "role", path, FIXTURE_ROLES, "participant"),
  };
  const contact = optionalString(obj, "contact", path, true);
  if (contact !== undefined) participant.contact = contact;
  return participant;
}

function readHistoryMessage(value: unknown, path: string): FixtureHistoryMessage {
  const obj = readObject(value, path, HISTORY_FIELDS);
  return {
    id: requiredString(obj, "id", path),
    from: requiredString(obj, "from", path),
    body: requiredBody(obj, path),
    at: requiredDate(obj, "at", path),
  };
}

/** A message body may be empty but must be present. */
function requiredBody(obj: RawObject, path: string): string {
  const body = obj.body;
  if (typeof body !== "string") expected(fieldPath(path, "body"), "a string", body);
  return body;
}

function readDelays(value: unknown, path: string): FixtureDelays {
  const obj = value === undefined ? {} : readObject(value, path, DELAY_FIELDS);
  return {
    updateInfo: optionalDuration(obj, "updateInfo", path),
    fillParticipants: optionalDuration(obj, "fillParticipants", path),
    backfill: optionalDuration(obj, "backfill", path),
    requests: optionalDuration(obj, "requests", path),
  };
}

function readReject(value: unknown, path: string): Partial<Record<RequestKind, StanzaErrorCondition>> {
  if (value === undefined) return {};
  const obj = readObject(value, path, undefined);
  const reject: Partial<Record<RequestKind, StanzaErrorCondition>> = {};
  for (const [key, condition] of Object.entries(obj)) {
    const keyPath = fieldPath(path, key);
    if (!(REQUEST_KINDS as readonly string[]).includes(key)) {
      throw new FixtureError(keyPath, `unknown request kind, expected ${choices(REQUEST_KINDS)}`);
    }
    if (!isStanzaErrorCondition(condition)) {
      expected(keyPath, 'an RFC 6120 stanza error condition such as "forbidden" or "item-not-found"', condition);
    }
    reject[key as RequestKind] = condition;
  }
  return reject;
}

/** Fails on the first value that repeats an earlier one. */
function unique(values: readonly string[], pathOf: (index: number) => string, what: string): void {
  const seen = new Map<string, number>();
  values.forEach((value, i) => {
    const first = seen.get(value);
    if (first !== undefined) {
      throw new FixtureError(
        pathOf(i),
        `duplicate ${what} ${JSON.stringify(value)} (already at ${pathOf(first)})`,
      );
    }
    seen.set(value, i);
  });
}
