/**
 * The gateway: the component connection, the sessions, the room registry and the router,
 * wired together.
 */
import type { Element } from "@xmpp/component";
import type { InspectionEvent } from "xstate";
import { RoomRegistry } from "./actors/registry.js";
import { SessionDirectory } from "./actors/sessions.js";
import type { GatewayPlugin } from "./legacy/plugin.js";
import { type Connection, createConnection } from "./transport/connection.js";
import { openSqliteStore } from "./store/sqliteStore.js";
import type { Store, StoreOptions } from "./store/types.js";
import { IqCaller } from "./transport/iqCaller.js";
import type { DropReason } from "./transport/outbox.js";
import { Privileges } from "./transport/privileges.js";
import { createRouter } from "./transport/router.js";

/** Options of {@link createGateway}. */
export interface GatewayOptions {
  /** The component domain, e.g. `muc.example.org`. */
  domain: string;
  /** The component secret shared with the XMPP server. */
  secret: string;
  /** The server's component port, e.g. `xmpp://127.0.0.1:5347`. */
  service: string;
  /** The plugin that bridges the legacy network. */
  plugin: GatewayPlugin;
  /** Name in disco#info. @defaultValue the plugin's name, else `"mucstate gateway"` */
  name?: string;
  /** Most requests waiting in one room's mailbox; beyond it: `resource-constraint`. @defaultValue 100 */
  mailboxSize?: number;
  /** Timeout of each legacy callback, in ms; then `remote-server-timeout`. @defaultValue 30000 */
  callbackTimeoutMs?: number;
  /**
   * Where room archives live: a {@link Store}, or the path of a SQLite file (WAL mode, created
   * if missing). @defaultValue `"mucstate.sqlite"` in the working directory
   */
  store?: Store | string;
  /** Days archived messages are kept, when `store` is a path; older ones are deleted every 6 h. @defaultValue 7 */
  retentionDays?: number;
  /**
   * When `store` is a path: shortest time between two group commits of archived messages, in ms
   * (see {@link StoreOptions.groupCommitMs}). @defaultValue 2
   */
  groupCommitMs?: number;
  /**
   * Most active room actors. Beyond it, the least recently used idle room passivates (its state
   * stays in the store; the next stanza re-activates it); busy rooms are never dropped.
   * @defaultValue 100000
   */
  maxRooms?: number;
  /** Milliseconds without a stanza after which an idle room passivates. @defaultValue 600000 (10 min) */
  idleMs?: number;
  /** Most stanzas queued while the connection is down. @defaultValue 100000 */
  maxOutboxQueue?: number;
  /**
   * An XState inspection observer (a function or an `{ next }` observer such as
   * `@statelyai/inspect`'s `inspect`), passed to every room actor.
   */
  inspect?: ((event: InspectionEvent) => void) | { next?: (event: InspectionEvent) => void };
  /** Errors: connection failures, plugin bugs, failed actors. The gateway keeps running. */
  onError?: (error: unknown) => void;
  /** Things the user may want to know about, e.g. a bookmark that fell back to an invitation. */
  onWarning?: (message: string, error?: unknown) => void;
  /** Stanzas the outbox dropped, with the reason. */
  onDrop?: (stanza: Element, reason: DropReason, error?: unknown) => void;
}

/** A running gateway. */
export interface Gateway {
  readonly domain: string;
  readonly connection: Connection;
  readonly registry: RoomRegistry;
  readonly sessions: SessionDirectory;
  /** Where rooms archive their messages. */
  readonly store: Store;
  /** Connects to the server; resolves once online. */
  start(): Promise<void>;
  /**
   * Shuts down gracefully: every joined resource gets an unavailable self-presence with 110
   * and 332, the outbox is flushed, sessions are told, and the stream is closed.
   */
  stop(): Promise<void>;
}

/**
 * Creates a gateway.
 *
 * @example
 * ```ts
 * const gateway = createGateway({
 *   domain: "muc.example.org",
 *   secret: process.env.SECRET!,
 *   service: "xmpp://127.0.0.1:5347",
 *   plugin: { createSession: (user) => (allowed(user) ? new MySession(user) : null) },
 * });
 * await gateway.start();
 * process.on("SIGTERM", () => gateway.stop());
 * ```
 */
export function createGateway(options: GatewayOptions): Gateway {
  if (!options.plugin) throw new TypeError("plugin option is required");
  const domain = options.domain?.toLowerCase();
  const onError = options.onError ?? (() => {});
  const given = options.store;
  const ownStore = given === undefined || typeof given === "string";
  const store: Store = ownStore
    ? openSqliteStore(given ?? "mucstate.sqlite", { retentionDays: options.retentionDays, groupCommitMs: options.groupCommitMs, onError })
    : given;
  let connection: Connection;
  try {
    connection = createConnection({
      service: options.service,
      domain,
      secret: options.secret,
      maxQueue: options.maxOutboxQueue,
      onError,
      onDrop: options.onDrop,
      barrier: store,
    });
  } catch (error) {
    if (ownStore) store.close();
    throw error;
  }
  const send = (stanza: Element) => connection.outbox.send(stanza);
  const iqCaller = new IqCaller(send);
  const privileges = new Privileges();
  const services = { domain, iqCaller, privileges, send, warn: options.onWarning ?? (() => {}) };
  let registry: RoomRegistry;
  const sessions = new SessionDirectory(options.plugin, (session) => {
    session._host = registry.sessionHost(session);
    void session.login().catch(onError);
  });
  registry = new RoomRegistry({
    domain,
    outbox: connection.outbox,
    services,
    store,
    mailboxSize: options.mailboxSize ?? 100,
    callbackTimeoutMs: options.callbackTimeoutMs ?? 30_000,
    maxRooms: options.maxRooms ?? 100_000,
    idleMs: options.idleMs,
    inspect: toInspectFunction(options.inspect),
    onError,
  });
  const route = createRouter({
    domain,
    name: options.name ?? options.plugin.name ?? "mucstate gateway",
    sessions,
    registry,
    send,
    onError,
    iqCaller,
    privileges,
  });
  connection.onStanza(route);
  // Sessions of the users the plugin names start as soon as the gateway is online.
  connection.entity.on("online", () => {
    void Promise.resolve(options.plugin.users?.() ?? [])
      .then((users) => Promise.all([...users].map((user) => sessions.get(user))))
      .catch(onError);
  });

  return {
    domain,
    connection,
    registry,
    sessions,
    store,
    start: () => connection.start(),
    async stop() {
      registry.shutdown();
      await Promise.allSettled(sessions.all().map((s) => s.shutdown()));
      await connection.stop();
      if (ownStore) store.close();
    },
  };
}

function toInspectFunction(inspect: GatewayOptions["inspect"]): ((event: InspectionEvent) => void) | undefined {
  if (!inspect || typeof inspect === "function") return inspect;
  return (event) => inspect.next?.(event);
}
