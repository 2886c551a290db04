/**
 * Eager option checks in the lru-cache style: each throws a `TypeError` that names the option,
 * says what it must be, and shows what it got. Factories call them before any I/O, so a bad
 * option never leaves a file or a socket open.
 *
 * @internal
 * @module
 */

/** The longest delay `setTimeout` honours (it fires at once beyond it). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** How a value appears in a message: strings quoted, everything else as `String` makes it. */
function shown(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** Throws `TypeError("<name> option must be <what>, got <value>")` unless `ok`. @internal */
export function check(ok: boolean, name: string, what: string, value: unknown): void {
  if (!ok) throw new TypeError(`${name} option must be ${what}, got ${shown(value)}`);
}

/** An integer from 1 to `max` (default: the largest timer delay), or undefined when `optional`. @internal */
export function checkPositiveInteger(name: string, value: unknown, optional = true, max = MAX_TIMER_MS): void {
  if (optional && value === undefined) return;
  checkInteger(name, value, 1, max, "");
}

/** An integer from `min` to `max` (in `unit`), when given. @internal */
export function checkIntegerRange(name: string, value: unknown, min: number, max: number, unit: string): void {
  if (value !== undefined) checkInteger(name, value, min, max, ` (${unit})`);
}

/** Throws unless `value` is an integer from `min` to `max`; `unit` follows them in the message. */
function checkInteger(name: string, value: unknown, min: number, max: number, unit: string): void {
  check(Number.isInteger(value) && (value as number) >= min && (value as number) <= max, name, `an integer from ${min} to ${max}${unit}`, value);
}

/** A function, when given. @internal */
export function checkFunction(name: string, value: unknown): void {
  if (value !== undefined) check(typeof value === "function", name, "a function", value);
}

/** A non-empty string (required). @internal */
export function checkNonEmptyString(name: string, value: unknown, what = "a non-empty string"): void {
  check(typeof value === "string" && value.trim() !== "", name, what, value);
}
