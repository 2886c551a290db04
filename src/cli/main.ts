/**
 * The `mucstate` command line.
 *
 *   mucstate demo [--dir DIR] [--fresh] [--web] [--fixture FILE] [--calls FILE]
 *   mucstate demo --service xmpp://HOST:PORT --domain D --secret S [--fixture FILE] [--calls FILE]
 *   mucstate chart [--format mermaid|dot|svg|json] [--out FILE]
 *   mucstate cluster [--processes N]
 */
import { CHART_USAGE, runChart } from "./chart.js";
import { CLUSTER_USAGE, runCluster } from "./cluster.js";
import { runDemo } from "./demo.js";

const USAGE = `usage:
  mucstate demo [--dir DIR] [--fresh] [--web] [--fixture FILE] [--calls FILE] [--store FILE]
               [--shutdown-grace-ms MS]
               [--inspect PORT [--inspect-host HOST] [--inspect-token TOKEN] [--inspect-detail]]
      start a local Prosody (c2s and websocket) and the demo gateway on free loopback ports.
      Prosody's data and the archive live in the demo folder, DIR or .testbed/demo in the
      package, which every run reuses: the archive grows across runs. --fresh empties it first.
      --web also serves Converse.js (a web client) logged in as the demo user, in the first
      room: open the URL it prints. --inspect serves the live statechart inspector (0: a free port)
  mucstate demo --service xmpp://HOST:PORT --domain DOMAIN --secret SECRET [--fixture FILE] [--calls FILE] [--store FILE]
      connect the demo gateway to an existing server
  Each flag can also be given as an environment variable: MUCSTATE_SERVICE, MUCSTATE_DOMAIN,
  MUCSTATE_SECRET, MUCSTATE_FIXTURE, MUCSTATE_CALLS, MUCSTATE_STORE, MUCSTATE_DIR,
  MUCSTATE_SHUTDOWN_GRACE_MS, MUCSTATE_INSPECT. The archive is a SQLite file: --store, else
  mucstate.sqlite in the demo folder (or in the working directory with --service).
  On SIGINT or SIGTERM, legacy callbacks still running get --shutdown-grace-ms (default 5000)
  to finish; then the demo exits.
  ${CHART_USAGE}
      draw the room machine from its definition (default: Mermaid on standard output)
  ${CLUSTER_USAGE}`;

/** Runs the command; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "demo":
      return runDemo(rest);
    case "chart":
      return runChart(rest);
    case "cluster":
      return runCluster(rest);
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
