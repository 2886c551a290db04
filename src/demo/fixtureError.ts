/**
 * The error thrown when a demo fixture is malformed.
 *
 * @module
 */

/**
 * A demo fixture failed validation (or could not be read / parsed as JSON).
 *
 * The message has the form `fixture <path>: <detail>`, for example
 * `fixture rooms[0].type: expected "group" or "channel", got "grp"`; when the
 * fixture's source (usually its file name) is known, the message is prefixed
 * with it: `fixtures/demo.json: fixture rooms[0].type: …`.
 */
export class FixtureError extends Error {
  /**
   * Where in the fixture the problem is, e.g.
   * `rooms[0].participants[1].affiliation`; `""` for the fixture as a whole
   * (not an object, unreadable file, JSON syntax error).
   */
  readonly path: string;
  /** What is wrong, without the path or source prefix. */
  readonly detail: string;
  /** The file (or other source) the fixture came from, when known. */
  readonly source: string | undefined;

  /**
   * @param path - field path inside the fixture (`""` for the whole fixture)
   * @param detail - what is wrong and what was expected
   * @param source - the fixture's file name, if known
   * @param options - standard error options (e.g. `cause`)
   */
  constructor(path: string, detail: string, source?: string, options?: ErrorOptions) {
    const where = path === "" ? "fixture" : `fixture ${path}`;
    const prefix = source === undefined ? "" : `${source}: `;
    super(`${prefix}${where}: ${detail}`, options);
    this.name = "FixtureError";
    this.path = path;
    this.detail = detail;
    this.source = source;
  }
}
