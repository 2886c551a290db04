/**
 * XEP-0114: Jabber Component Protocol, version 1.6
 * https://xmpp.org/extensions/xep-0114.html
 *
 * The @xmpp/component connection, with an error listener, a clean stop, and incoming stanzas
 * handed to one handler. @xmpp/component's own iq middleware is detached: it would answer
 * every iq with service-unavailable before mucstate could.
 */
import { type Component, type Element, component } from "@xmpp/component";
import { Outbox, type OutboxOptions } from "./outbox.js";

/**
 * Options of {@link createConnection}: the server to connect to, and the {@link OutboxOptions}
 * of its outbox (`domain` is also the component's).
 */
export interface ConnectionOptions extends OutboxOptions {
  /** `xmpp://host:port` of the server's component port. */
  service: string;
  /** The shared secret of the component. */
  secret: string;
  /** Called for every connection error (the connection keeps retrying). */
  onError?: (error: unknown) => void;
}

/** A started-or-stoppable component connection with its outbox. */
export interface Connection {
  /** The @xmpp/component entity underneath. */
  readonly entity: Component;
  /** The queue every outgoing stanza goes through (`stats`, `flushed()`). */
  readonly outbox: Outbox;
  /** Registers the one handler of incoming stanzas (the outbox's delivery probes never reach it). */
  onStanza(handler: (stanza: Element) => void): void;
  /** Connects; resolves when the component is online. */
  start(): Promise<void>;
  /** Flushes the outbox (bounded by `timeoutMs`), then closes the stream and stops reconnecting. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Creates the component connection.
 *
 * @example
 * ```ts
 * const connection = createConnection({ service: "xmpp://127.0.0.1:5347", domain: "muc.localhost", secret });
 * connection.onStanza((stanza) => router.route(stanza));
 * await connection.start();
 * ```
 */
export function createConnection(options: ConnectionOptions): Connection {
  const { service, secret, onError = () => {}, ...outboxOptions } = options;
  if (!service) throw new TypeError("service option must be an xmpp:// URI");
  if (!options.domain) throw new TypeError("domain option must be a non-empty string");
  if (!secret) throw new TypeError("secret option must be a non-empty string");
  const entity = component({ service, domain: options.domain, password: secret });
  entity.removeAllListeners("element");
  entity.on("error", onError);
  // Stanzas are small and latency matters: do not let Nagle's algorithm hold them back.
  entity.on("online", () => (entity.socket as { setNoDelay?: (on: boolean) => void } | null)?.setNoDelay?.(true));
  const outbox = new Outbox(entity, outboxOptions);
  let stopping = false;
  let handler: ((stanza: Element) => void) | undefined;
  entity.on("stanza", (stanza: Element) => {
    // The outbox's delivery probes come back to it, and go no further.
    if (outbox.confirm(stanza) || !handler) return;
    try {
      handler(stanza);
    } catch (error) {
      onError(error);
    }
  });

  return {
    entity,
    outbox,
    onStanza(h) {
      handler = h;
    },
    async start() {
      await entity.start();
    },
    async stop(timeoutMs = 5_000) {
      if (stopping) return;
      stopping = true;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([outbox.flushed(), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
      entity.reconnect.stop();
      await entity.stop().catch(onError);
    },
  };
}
