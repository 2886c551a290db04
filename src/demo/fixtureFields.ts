/**
 * Small field readers used to validate the demo fixture. Each reader either
 * returns the (defaulted) value or throws a {@link FixtureError} naming the
 * field's path and what was expected.
 *
 * @module
 */
import { FixtureError } from "./fixtureError.js";

/** A JSON object as seen by the validators. */
export type RawObject = Record<string, unknown>;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** The path of field `key` inside the object at `path`. */
export function fieldPath(path: string, key: string): string {
  if (!IDENTIFIER.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === "" ? key : `${path}.${key}`;
}

/** The path of element `index` inside the array at `path`. */
export function indexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** A short human description of a JSON value, for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return typeof value;
}

/** Formats a list of allowed string values: `"a" or "b"` / `one of "a", "b", "c"`. */
export function choices(values: readonly string[]): string {
  const quoted = values.map((v) => JSON.stringify(v));
  if (quoted.length === 2) return `${quoted[0]} or ${quoted[1]}`;
  return `one of ${quoted.join(", ")}`;
}

/** Throws a {@link FixtureError} saying `expected <what>, got <value>`. */
export function expected(path: string, what: string, value: unknown): never {
  throw new FixtureError(path, `expected ${what}, got ${describe(value)}`);
}

/**
 * Checks that `value` is a plain JSON object whose keys are all in
 * `allowed` (any key when `allowed` is undefined); an unexpected key fails
 * with `<path>.<key>: unknown field`.
 */
export function readObject(
  value: unknown,
  path: string,
  allowed: readonly string[] | undefined,
): RawObject {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    expected(path, "an object", value);
  }
  const obj = value as RawObject;
  for (const key of Object.keys(obj)) {
    if (allowed !== undefined && !allowed.includes(key)) throw new FixtureError(fieldPath(path, key), "unknown field");
  }
  return obj;
}

/** A required non-empty string field. */
export function requiredString(obj: RawObject, key: string, path: string): string {
  const value = obj[key];
  if (typeof value !== "string" || value === "") expected(fieldPath(path, key), "a non-empty string", value);
  return value;
}

/** An optional string field; `nonEmpty` refuses `""`. */
export function optionalString(
  obj: RawObject,
  key: string,
  path: string,
  nonEmpty: boolean,
): string | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || (nonEmpty && value === "")) {
    expected(fieldPath(path, key), nonEmpty ? "a non-empty string" : "a string", value);
  }
  return value;
}

/** An optional boolean field with a default. */
export function optionalBoolean(obj: RawObject, key: string, path: string, fallback: boolean): boolean {
  const value = obj[key];
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") expected(fieldPath(path, key), "true or false", value);
  return value;
}

/** An optional integer field in `0..max`, default 0. */
export function optionalCount(obj: RawObject, key: string, path: string, max: number): number {
  const value = obj[key];
  if (value === undefined) return 0;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
    expected(fieldPath(path, key), `an integer from 0 to ${max}`, value);
  }
  return value;
}

/** An optional non-negative finite number field, default 0. */
export function optionalDuration(obj: RawObject, key: string, path: string): number {
  const value = obj[key];
  if (value === undefined) return 0;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    expected(fieldPath(path, key), "a non-negative finite number", value);
  }
  return value;
}

/** An optional field restricted to `allowed` string values, with a default. */
export function optionalEnum<T extends string>(
  obj: RawObject,
  key: string,
  path: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = obj[key];
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    expected(fieldPath(path, key), choices(allowed), value);
  }
  return value as T;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Parses an ISO-8601 date string at `path` into a `Date`. */
export function toDate(value: unknown, path: string): Date {
  if (typeof value === "string" && ISO_DATE.test(value)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  return expected(path, 'an ISO-8601 date string (e.g. "2026-11-20T10:00:00Z")', value);
}

/** A required ISO-8601 date field. */
export function requiredDate(obj: RawObject, key: string, path: string): Date {
  return toDate(obj[key], fieldPath(path, key));
}

/** An optional ISO-8601 date field. */
export function optionalDate(obj: RawObject, key: string, path: string): Date | undefined {
  const value = obj[key];
  return value === undefined ? undefined : toDate(value, fieldPath(path, key));
}

/**
 * An array field. When `required` the field must be present and non-empty;
 * otherwise a missing field reads as `[]`.
 */
export function readArray(obj: RawObject, key: string, path: string, required: boolean): unknown[] {
  const value = obj[key];
  if (value === undefined && !required) return [];
  if (!Array.isArray(value) || (required && value.length === 0)) {
    expected(fieldPath(path, key), required ? "a non-empty array" : "an array", value);
  }
  return value;
}
