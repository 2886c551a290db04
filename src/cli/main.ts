/**
 * The `mucstate` command line.
 *
 *   mucstate demo [--service xmpp://HOST:PORT --domain D --secret S] [--fixture FILE] [--calls FILE]
 */
import { runDemo } from "./demo.js";

const USAGE = `usage:
  mucstate demo [--fixture FILE] [--calls FILE]
      start a local Prosody and the demo gateway on free loopback ports
  mucstate demo --service xmpp://HOST:PORT --domain DOMAIN --secret SECRET [--fixture FILE] [--calls FILE]
      connect the demo gateway to an existing server
  Each flag can also be given as an environment variable: MUCSTATE_SERVICE, MUCSTATE_DOMAIN,
  MUCSTATE_SECRET, MUCSTATE_FIXTURE, MUCSTATE_CALLS.`;

/** Runs the command; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "demo":
      return runDemo(rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`unknown command: ${command}\n${USAGE}`);
      return 2;
  }
}
