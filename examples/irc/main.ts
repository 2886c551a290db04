/**
 * An IRC gateway on mucstate: `#channel@<domain>` is the IRC channel `#channel` on one configured
 * IRC server, with one IRC connection per XMPP user. Run it with
 *
 *   npx tsx examples/irc/main.ts --server irc.libera.chat --port 6697 --tls \
 *     --domain irc.example.org --secret s3cret --service xmpp://127.0.0.1:5347 --users example.org
 *
 * or the same options as environment variables (IRC_SERVER, IRC_PORT, IRC_TLS=1, XMPP_DOMAIN,
 * XMPP_SECRET, XMPP_SERVICE, XMPP_USERS, STORE). See the README, "An IRC gateway (examples/irc)".
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { type Gateway, type GatewayOptions, createGateway } from "mucstate";
import { type IrcServer, IrcSession } from "./ircSession.js";

/** What the IRC gateway needs besides `createGateway`'s options. */
export interface IrcGatewayOptions extends Omit<GatewayOptions, "plugin"> {
  /** The IRC server every user's connection goes to. */
  irc: IrcServer;
  /** Which users may use the gateway: a bare JID is accepted when it ends with `@` + one of these domains; default: any. */
  userDomains?: string[];
}

/** A mucstate gateway whose rooms are the IRC channels of `options.irc`. */
export function createIrcGateway(options: IrcGatewayOptions): Gateway {
  const { irc, userDomains, ...gatewayOptions } = options;
  const allowed = (user: string) => !userDomains || userDomains.some((domain) => user.endsWith(`@${domain}`));
  return createGateway({
    ...gatewayOptions,
    plugin: { name: "IRC", createSession: (user) => (allowed(user) ? new IrcSession(user, irc) : null) },
  });
}

async function main() {
  const env = process.env;
  const { values } = parseArgs({
    options: {
      server: { type: "string", default: env.IRC_SERVER ?? "127.0.0.1" },
      port: { type: "string", default: env.IRC_PORT ?? "6667" },
      tls: { type: "boolean", default: env.IRC_TLS === "1" },
      domain: { type: "string", default: env.XMPP_DOMAIN ?? "irc.localhost" },
      secret: { type: "string", default: env.XMPP_SECRET ?? "secret" },
      service: { type: "string", default: env.XMPP_SERVICE ?? "xmpp://127.0.0.1:5347" },
      users: { type: "string", default: env.XMPP_USERS ?? "localhost" },
      store: { type: "string", default: env.STORE ?? "irc-gateway.sqlite" },
    },
  });
  const gateway = createIrcGateway({
    domain: values.domain,
    secret: values.secret,
    service: values.service,
    store: values.store,
    irc: { host: values.server, port: Number(values.port), tls: values.tls },
    userDomains: values.users.split(",").filter(Boolean),
    uploadService: false, // IRC has no files to upload: no discovery, no start-up warning
    onError: (error) => process.stderr.write(`gateway error: ${String(error)}\n`),
    onWarning: (message) => process.stderr.write(`gateway warning: ${message}\n`),
  });
  await gateway.start();
  process.stdout.write(`IRC gateway ${values.domain} → ${values.server}:${values.port}${values.tls ? " (TLS)" : ""}; join #channel@${values.domain}\n`);
  const stop = () => void gateway.stop().then(() => process.exit(0));
  process.once("SIGINT", stop).once("SIGTERM", stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
