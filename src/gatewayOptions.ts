/**
 * The options of {@link createGateway}, and their eager checks: every option is checked before
 * the gateway opens its store or its connection (lru-cache style), so a bad one throws a
 * `TypeError` that names it and leaves nothing open.
 */
import type { Element } from "@xmpp/component";
import type { InspectionEvent } from "xstate";
import type { GatewayPlugin } from "./legacy/plugin.js";
import type { RoomMachine } from "./machines/roomExtension.js";
import { check, checkFunction, checkIntegerRange, checkNonEmptyString, checkPositiveInteger } from "./optionChecks.js";
import { MAX_MAX_STANZA_BYTES, MIN_MAX_STANZA_BYTES } from "./protocol/stanzaSize.js";
import { checkStoreOptions } from "./store/retention.js";
import type { AsyncStore } from "./store/asyncTypes.js";
import type { Store, StoreOptions } from "./store/types.js";
import type { StanzaErrorData } from "./protocol/rfc6120.js";
import type { DropReason } from "./transport/outbox.js";

/** Default of {@link GatewayOptions.shutdownGraceMs}. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 5_000;

/**
 * Default of {@link GatewayOptions.mailboxSize}: a client that pipelines 1,000 messages to one
 * room (a paste, a bot, a reconnect flush) has every one accepted, since at most all but the one
 * running wait. A waiting groupchat message holds about 2.7 KiB of heap, its parsed stanza mostly
 * (mailbox bench), so a full mailbox holds about 2.65 MiB per room.
 */
export const DEFAULT_MAILBOX_SIZE = 1_000;

/**
 * Which users this process may serve, when several gateway processes share one component domain
 * (docs/scale-out.md, "Ownership (leases)"): `createOwnership({ leases })` from the cluster
 * module builds one on PostgreSQL leases.
 */
export interface GatewayOwnership {
  /** True when this process holds `user`'s lease: the user's stanzas go on at once. */
  owns(user: string): boolean;
  /**
   * Resolves once `user`'s stanza may be served (the lease is this process's now), with
   * `undefined`, or with the error to answer it with (type `wait`). A user's admissions resolve
   * in the order they were asked.
   */
  admit(user: string): Promise<StanzaErrorData | undefined>;
  /** Calls `listener` with each user this process no longer owns; returns a function that stops it. */
  onLost(listener: (user: string) => void): () => void;
  /**
   * Calls `listener` with each user this process took over without a stanza of theirs (the users
   * of a dead process, `Leases.adopt`): the gateway starts their legacy sessions at once.
   * Returns a function that stops it.
   */
  onAdopted?(listener: (user: string) => void): () => void;
  /** A write for `user` was refused as fenced (`LeaseLostError`): check the lease now. */
  suspect(user: string): void;
  /** Refuses every held stanza; called by `gateway.stop()` first. The leases stay the caller's to close. */
  close(): void;
}

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
  /**
   * Most requests waiting in one room's mailbox; beyond it: `resource-constraint`. Each waiting
   * request holds its stanza: a waiting groupchat message about 2.7 KiB of heap (mailbox bench),
   * so a full mailbox of the default size holds about 2.65 MiB per room.
   * @defaultValue 1000
   */
  mailboxSize?: number;
  /** Timeout of each legacy callback, in ms; then `remote-server-timeout`. @defaultValue 30000 */
  callbackTimeoutMs?: number;
  /**
   * Where room archives live: a {@link Store} (`createMemoryStore`, `openSqliteStore`), an
   * {@link AsyncStore} (`await createPostgresStore(…)`, shared by several gateway processes), or
   * the path of a SQLite file (WAL mode, created if missing). The gateway closes only the store
   * it opened from a path; close a store you give after `stop()`.
   * @defaultValue `"mucstate.sqlite"` in the working directory
   */
  store?: Store | AsyncStore | string;
  /**
   * The id of this run of the gateway, shared by every process of one cluster start (the
   * cluster supervisor makes one). A room whose `fillParticipants` ran in this run, in this
   * process or another one that died, comes back from the store with its participants, without
   * `updateInfo` and `fillParticipants`. Give a new one at every start: a room filled in another
   * run calls both again, as slidge does after a restart.
   * @defaultValue none: only a room passivated in this process skips the callbacks
   */
  run?: string;
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
  /**
   * Most stanzas queued while the connection is down, and most kept after a write until the
   * server is proven to have read them (they are written again after a reconnect). Beyond it the
   * oldest are dropped and reported (`onDrop` with `queue-full`, `onWarning`).
   * @defaultValue 100000
   */
  maxOutboxQueue?: number;
  /**
   * Largest stanza the gateway sends, in serialized UTF-8 bytes. Keep it at or under the
   * server's limit for component stanzas (Prosody 0.12: `component_stanza_size_limit`, 512 KiB by
   * default; ejabberd: the `max_stanza_size` of the component listener) and what servers accept
   * from each other (512 KiB by default in both): a server closes the component's stream on a
   * stanza over its limit. A user's stanza that could not be echoed within it gets
   * `policy-violation` and never reaches the plugin; a plugin text that could not be sent within
   * it throws a `RangeError` at its call (`sendText`, `correct`); the outbox drops any stanza over
   * it (`onDrop` with `too-large`). To raise it, raise the server's limits first.
   * @defaultValue 491520 (480 KiB)
   */
  maxStanzaBytes?: number;
  /**
   * How long {@link Gateway.stop} lets a legacy callback that is running finish, in ms. Queued
   * requests are refused at once; a callback still running after this is abandoned (its
   * `AbortSignal` fires) and its request answered `remote-server-timeout`.
   * @defaultValue 5000
   */
  shutdownGraceMs?: number;
  /**
   * An XState inspection observer (a function or an `{ next }` observer such as
   * `@statelyai/inspect`'s `inspect`), passed to every room actor.
   */
  inspect?:
    | ((event: InspectionEvent) => void)
    | {
        /** Called with every inspection event of every room actor. */
        next?: (event: InspectionEvent) => void;
      };
  /**
   * Errors: connection failures, plugin bugs, failed actors. The gateway keeps running. What it
   * throws is reported with `process.emitWarning` (type `MucstateWarning`), never to the caller.
   */
  onError?: (error: unknown) => void;
  /**
   * Things the user may want to know about, e.g. a bookmark that fell back to an invitation, a
   * message the store could not archive (with the store's error), stanzas written again after a
   * reconnect, or a stanza dropped for its size. What it throws goes to `process.emitWarning`.
   */
  onWarning?: (message: string, error?: unknown) => void;
  /** Stanzas the outbox dropped, with the reason. */
  onDrop?: (stanza: Element, reason: DropReason, error?: unknown) => void;
  /**
   * The XEP-0363 service that uploads the bytes of `participant.sendFile({ data })`, e.g.
   * `"upload.example.org"`; `false`: none (sending bytes fails). Without it, the gateway looks for
   * one each time it comes online among the disco#items of the server's domain (the component
   * domain without its first label) and, finding none, says so through `onWarning`.
   * @defaultValue discovered
   */
  uploadService?: string | false;
  /**
   * The room machine with the gateway's own extensions: `roomMachine.provide({ actions, delays })`
   * replacing only the extension actions (`onEnterJoined`, `onExitJoined`, `onRequestSettled`) and
   * the delays (`callbackTimeout`, `requestTimeout`, `shutdownGrace`, `runnerLinger`); see the README, "Extending
   * the room machine". The gateway adds the plugin's callbacks as its actors.
   * @defaultValue `roomMachine`
   */
  machine?: RoomMachine;
  /**
   * Serve only the users this process owns (several processes behind one balanced domain; see
   * {@link GatewayOwnership}). A user's stanzas wait at the gate until the process holds the
   * user's lease, or get its error; a user lost to another process has its rooms stopped (its
   * joined resources get an unavailable self-presence with 332, queued requests
   * `service-unavailable`) and its session shut down. Sessions of the plugin's `users()` start
   * only for owned users. @defaultValue none: this process serves every user
   */
  ownership?: GatewayOwnership;
}

const OWNERSHIP_METHODS = ["owns", "admit", "onLost", "suspect", "close"] as const;

/** The methods a {@link Store} or {@link AsyncStore} given as `store` must have. */
const STORE_METHODS = ["getRoom", "putRoom", "archive", "queryArchive", "holeBounds", "afterCommit", "commit", "close"] as const;

/**
 * Checks every option of {@link createGateway}; throws a `TypeError` naming the first bad one.
 * Does no I/O.
 * @internal
 */
export function checkGatewayOptions(options: GatewayOptions): void {
  check(typeof options === "object" && options !== null, "createGateway", "given an options object", options);
  const o = options;
  check(typeof o.plugin?.createSession === "function", "plugin", "an object with a createSession(user) method", o.plugin);
  checkNonEmptyString("domain", o.domain, "the component's domain name, e.g. \"muc.example.org\"");
  check(!/[@/\s]/.test(o.domain), "domain", "a domain name without @, / or spaces", o.domain);
  checkNonEmptyString("secret", o.secret, "the non-empty component secret");
  check(typeof o.service === "string" && /^xmpps?:\/\/[^/\s]+$/.test(o.service), "service", "an xmpp://host:port URI", o.service);
  if (o.name !== undefined) checkNonEmptyString("name", o.name);
  for (const name of ["mailboxSize", "callbackTimeoutMs", "maxRooms", "idleMs", "maxOutboxQueue"] as const) {
    checkPositiveInteger(name, o[name]);
  }
  checkIntegerRange("maxStanzaBytes", o.maxStanzaBytes, MIN_MAX_STANZA_BYTES, MAX_MAX_STANZA_BYTES, "bytes");
  checkIntegerRange("shutdownGraceMs", o.shutdownGraceMs, 0, 600_000, "ms");
  const store = o.store;
  if (store === undefined || typeof store === "string") {
    if (store !== undefined) checkNonEmptyString("store", store, "a Store or the path of a SQLite file");
    checkStoreOptions({ retentionDays: o.retentionDays, groupCommitMs: o.groupCommitMs });
  } else {
    const missing = STORE_METHODS.find((m) => typeof (store as unknown as Record<string, unknown>)?.[m] !== "function");
    check(missing === undefined, "store", `a Store (it has no ${missing}() method) or the path of a SQLite file`, store);
    for (const name of ["retentionDays", "groupCommitMs"] as const) {
      check(o[name] === undefined, name, "left out when store is a Store (give it to the store's factory instead)", o[name]);
    }
  }
  if (o.inspect !== undefined) {
    check(typeof o.inspect === "function" || (typeof o.inspect === "object" && o.inspect !== null), "inspect", "a function or an { next } observer", o.inspect);
  }
  for (const name of ["onError", "onWarning", "onDrop"] as const) checkFunction(name, o[name]);
  if (o.ownership !== undefined) {
    const missing = OWNERSHIP_METHODS.find((m) => typeof (o.ownership as unknown as Record<string, unknown>)?.[m] !== "function");
    check(missing === undefined, "ownership", `a GatewayOwnership (it has no ${missing}() method), e.g. createOwnership({ leases })`, o.ownership);
  }
  if (o.uploadService !== undefined && o.uploadService !== false) {
    check(typeof o.uploadService === "string" && /^[^\s@/]+(\.[^\s@/]+)*$/.test(o.uploadService), "uploadService", "false or the upload service's domain, e.g. \"upload.example.org\"", o.uploadService);
  }
}
