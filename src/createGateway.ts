/**
 * The gateway: the component connection, the sessions, the room registry and the router,
 * wired together.
 */
import type { Element } from "@xmpp/component";
import type { InspectionEvent } from "xstate";
import { DEFAULT_MAILBOX_SIZE, DEFAULT_SHUTDOWN_GRACE_MS, type GatewayOptions, checkGatewayOptions } from "./gatewayOptions.js";
import { RoomRegistry } from "./actors/registry.js";
import { checkRoomMachine } from "./machines/roomExtension.js";
import { roomMachine } from "./machines/roomMachine.js";
import type { RoomLifecycle } from "./actors/roomLifecycle.js";
import type { ShutdownTally } from "./actors/roomShutdown.js";
import { SessionDirectory } from "./actors/sessions.js";
import { type Connection, createConnection } from "./transport/connection.js";
import { openSqliteStore } from "./store/sqliteStore.js";
import type { GatewayStore } from "./store/eitherStore.js";
import { IqCaller } from "./transport/iqCaller.js";
import { HttpUpload } from "./transport/httpUpload.js";
import { Privileges } from "./transport/privileges.js";
import { createRouter } from "./actors/router.js";
import { DEFAULT_MAX_STANZA_BYTES } from "./protocol/stanzaSize.js";
import { LeaseLostError } from "./store/errors.js";

export type { GatewayOptions, GatewayOwnership } from "./gatewayOptions.js";
export type { ShutdownTally } from "./actors/roomShutdown.js";
export type { LiveRoom, RoomEnding, RoomLifecycle, RoomLifecycleEvent, RoomLifecycleEvents, RoomLifecycleEventType, RoomLifecycleListener, RoomStateValue } from "./actors/roomLifecycle.js";

/** A running gateway. */
export interface Gateway {
  /** The component's domain (`GatewayOptions.domain`): rooms are `legacyId@domain`. */
  readonly domain: string;
  /** The component connection and its outbox (`connection.outbox.stats`, `flushed()`). */
  readonly connection: Connection;
  /** @internal The room actors; observe rooms through {@link rooms} instead. */
  readonly registry: RoomRegistry;
  /** @internal The users' sessions (`await sessions.get(jid)` starts one). */
  readonly sessions: SessionDirectory;
  /**
   * The running rooms, each with its actor and exact snapshot type, and typed events for a room
   * being created, changing state, passivated, re-activated or ended, and a request being queued
   * or settled (see {@link RoomLifecycleEvents}). Nobody listening costs nothing.
   */
  readonly rooms: RoomLifecycle;
  /** Where rooms archive their messages: the `store` option, or the SQLite store the gateway opened. */
  readonly store: GatewayStore;
  /** Connects to the server; resolves once online. */
  start(): Promise<void>;
  /**
   * Shuts down gracefully, in a bounded time. Every open stanza is answered: waiting joins,
   * reads and queued requests at once with `service-unavailable` (type wait); a legacy callback
   * that is running gets up to {@link GatewayOptions.shutdownGraceMs} to finish (then its
   * request gets `remote-server-timeout` and its `AbortSignal` fires). Then every joined
   * resource gets an unavailable self-presence with 110 and 332, sessions' `shutdown()` runs
   * (awaited until the same deadline), the outbox is flushed (at most 5 s more), and the stream
   * is closed. Resolves with how many stanzas were refused and how many callbacks abandoned.
   */
  stop(): Promise<ShutdownTally>;
}

/**
 * Creates a gateway. Every option is checked first, before the store is opened or the
 * connection made.
 *
 * @throws TypeError naming the first bad option (see {@link GatewayOptions}); nothing is left open.
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
  checkGatewayOptions(options);
  if (options.machine !== undefined) checkRoomMachine(options.machine, roomMachine);
  const graceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  const domain = options.domain?.toLowerCase();
  const { ownership } = options;
  // A write refused for a lost lease: the lease manager checks at once (and reports the loss).
  const suspect = (error: unknown) => {
    if (error instanceof LeaseLostError) ownership?.suspect(error.user);
  };
  // The reporters never throw back into the runtime (a timer's callback or a write nobody waits
  // for would crash the process or leave an unhandled rejection): what they throw becomes a warning.
  const onError = (error: unknown) => {
    suspect(error);
    guarded("onError", () => options.onError?.(error));
  };
  const warn = (message: string, error?: unknown) => {
    suspect(error);
    guarded("onWarning", () => options.onWarning?.(message, error));
  };
  const maxStanzaBytes = options.maxStanzaBytes ?? DEFAULT_MAX_STANZA_BYTES;
  const given = options.store;
  const ownStore = given === undefined || typeof given === "string";
  const store: GatewayStore = ownStore
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
      onWarning: warn,
      maxStanzaBytes,
      barrier: store,
    });
  } catch (error) {
    if (ownStore) store.close();
    throw error;
  }
  const send = (stanza: Element) => connection.outbox.send(stanza);
  const iqCaller = new IqCaller(send);
  const privileges = new Privileges();
  const uploads = new HttpUpload({ domain, service: options.uploadService, iqCaller, warn });
  const services = { domain, iqCaller, privileges, send, warn, uploads, maxStanzaBytes };
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
    mailboxSize: options.mailboxSize ?? DEFAULT_MAILBOX_SIZE,
    callbackTimeoutMs: options.callbackTimeoutMs ?? 30_000,
    maxRooms: options.maxRooms ?? 100_000,
    idleMs: options.idleMs,
    inspect: toInspectFunction(options.inspect),
    onError,
    machine: options.machine,
    run: options.run,
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
    maxStanzaBytes,
    ownership,
  });
  connection.onStanza(route);
  // Another process serves the user now: its rooms and its session stop here.
  ownership?.onLost((user) => {
    const session = sessions.forget(user);
    void registry.stopRoomsOf(user).then(() => session?.shutdown()).catch(onError);
  });
  // Users taken over from a dead process without a stanza of theirs: their legacy sessions go on here.
  ownership?.onAdopted?.((user) => void sessions.get(user).catch(onError));
  // Sessions of the users the plugin names start as soon as the gateway is online.
  connection.entity.on("online", () => {
    void uploads.discover();
    void Promise.resolve(options.plugin.users?.() ?? [])
      .then((users) => Promise.all([...users].filter((user) => ownership?.owns(user) ?? true).map((user) => sessions.get(user))))
      .catch(onError);
  });

  return {
    domain,
    connection,
    registry,
    sessions,
    rooms: registry.rooms,
    store,
    start: () => connection.start(),
    async stop() {
      const deadline = performance.now() + graceMs;
      ownership?.close();
      const tally = await registry.shutdown(graceMs);
      await withDeadline(Promise.allSettled(sessions.all().map((s) => s.shutdown())), deadline);
      await connection.stop();
      if (ownStore) store.close();
      return tally;
    },
  };
}

/** Runs a reporter given in the options; what it throws goes to `process.emitWarning`, never back to the caller. */
function guarded(name: "onError" | "onWarning", report: () => void): void {
  try {
    report();
  } catch (thrown) {
    process.emitWarning(`the gateway's ${name} threw: ${thrown instanceof Error ? thrown.message : String(thrown)}`, "MucstateWarning");
  }
}

/** Waits for `work` until `deadline` (a `performance.now()` time), whichever comes first. */
async function withDeadline(work: Promise<unknown>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - performance.now()))));
  await Promise.race([work, late]);
  clearTimeout(timer);
}

function toInspectFunction(inspect: GatewayOptions["inspect"]): ((event: InspectionEvent) => void) | undefined {
  if (!inspect || typeof inspect === "function") return inspect;
  return (event) => inspect.next?.(event);
}
