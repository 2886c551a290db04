/**
 * The IRC example's gateway (examples/irc) in a process of its own, for the peers-irc benchmark:
 * its RSS is then the gateway's alone, read from /proc like biboumi's. Options come from the
 * parent as JSON in `IRC_GATEWAY`; it sends `"ready"` once the component is online.
 */
import { createIrcGateway } from "../examples/irc/main.js";

const options = JSON.parse(process.env.IRC_GATEWAY ?? "{}") as { domain: string; secret: string; service: string; store: string; host: string; port: number };
const gateway = createIrcGateway({
  domain: options.domain,
  secret: options.secret,
  service: options.service,
  store: options.store,
  irc: { host: options.host, port: options.port },
  onError: (error) => process.stderr.write(`irc gateway error: ${String(error)}\n`),
});
await gateway.start();
process.send?.("ready");
process.on("disconnect", () => void gateway.stop().finally(() => process.exit(0)));
