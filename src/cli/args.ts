/**
 * A small `--flag value` parser for the `mucstate` command, with environment fallbacks.
 */

/** Parsed flags: `--name value` pairs and bare `--switch`es. */
export type Flags = Map<string, string | true>;

/** Parses `--name value`, `--name=value` and `--switch`; throws on anything else. */
export function parseFlags(argv: string[], switches: ReadonlySet<string> = new Set()): Flags {
  const flags: Flags = new Map();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith("--")) throw new Error(`unexpected argument: ${arg}`);
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (eq !== -1) flags.set(name, arg.slice(eq + 1));
    else if (switches.has(name)) flags.set(name, true);
    else {
      const value = argv[++i];
      if (value === undefined || value.startsWith("--")) throw new Error(`--${name} needs a value`);
      flags.set(name, value);
    }
  }
  return flags;
}

/** A flag's value, else the environment variable `MUCSTATE_<NAME>`, else undefined. */
export function flagOrEnv(flags: Flags, name: string): string | undefined {
  const value = flags.get(name);
  if (typeof value === "string") return value;
  return process.env[`MUCSTATE_${name.toUpperCase().replaceAll("-", "_")}`] || undefined;
}
