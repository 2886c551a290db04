/**
 * The IRC example's gateway (examples/irc) in a process of its own, for the peers-irc benchmark:
 * its RSS is then the gateway's alone, read from /proc like biboumi's. Options come from the
 * parent as JSON in `IRC_GATEWAY`; it sends `"ready"` once the component is online. Without
 * `IRC_GATEWAY` it loads nothing and only says `"ready"`: the RSS of Node and tsx alone.
 */
const json = process.env.IRC_GATEWAY;
if (json) {
  const { createIrcGateway } = await import("../examples/irc/main.js");
  const options = JSON.parse(json) as { domain: string; secret: string; service: string; store: string; host: string; port: number };
  const gateway = createIrcGateway({
    domain: options.domain,
    secret: options.secret,
    service: options.service,
    store: options.store,
    irc: { host: options.host, port: options.port },
    onError: (error) => process.stderr.write(`irc gateway error: ${String(error)}\n`),
  });
  await gateway.start();
  process.on("disconnect", () => void gateway.stop().finally(() => process.exit(0)));
} else process.on("disconnect", () => process.exit(0));
process.send?.("ready");
