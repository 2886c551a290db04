/**
 * XEP-0114: Jabber Component Protocol, version 1.6
 * https://xmpp.org/extensions/xep-0114.html
 *
 * The @xmpp/component connection, with an error listener, a clean stop, and incoming stanzas
 * handed to one handler. @xmpp/component's own iq middleware is detached: it would answer
 * every iq with service-unavailable before mucstate could.
 */
import { type Component, type Element, component } from "@xmpp/component";
import { type DropReason, Outbox, type OutboxOptions, type WriteBarrier } from "./outbox.js";

/** Options of {@link createConnection}. */
export interface ConnectionOptions {
  /** `xmpp://host:port` of the server's component port. */
  service: string;
  /** The component domain. */
  domain: string;
  /** The shared secret of the component. */
  secret: string;
  /** Bound of the outbox queue while offline. */
  maxQueue?: number;
  /** Called for every connection error (the connection keeps retrying). */
  onError?: (error: unknown) => void;
  /** Called for every stanza the outbox drops. */
  onDrop?: (stanza: Element, reason: DropReason, error?: unknown) => void;
  /** Called when the outbox writes stanzas again after a reconnect, or refuses one for its size. */
  onWarning?: (message: string) => void;
  /** Largest stanza the outbox writes, in bytes (see {@link OutboxOptions.maxStanzaBytes}). */
  maxStanzaBytes?: number;
  /** Writes the outbox makes durable before it sends (the store's group commit). */
  barrier?: WriteBarrier;
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
  if (!options.service) throw new TypeError("service option must be an xmpp:// URI");
  if (!options.domain) throw new TypeError("domain option must be a non-empty string");
  if (!options.secret) throw new TypeError("secret option must be a non-empty string");
  const entity = component({ service: options.service, domain: options.domain, password: options.secret });
  entity.removeAllListeners("element");
  const onError = options.onError ?? (() => {});
  entity.on("error", onError);
  // Stanzas are small and latency matters: do not let Nagle's algorithm hold them back.
  entity.on("online", () => (entity.socket as { setNoDelay?: (on: boolean) => void } | null)?.setNoDelay?.(true));
  const outbox = new Outbox(entity, {
    domain: options.domain,
    maxQueue: options.maxQueue,
    onDrop: options.onDrop,
    onWarning: options.onWarning,
    maxStanzaBytes: options.maxStanzaBytes,
    barrier: options.barrier,
  });
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
