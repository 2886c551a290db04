/**
 * What a gateway process does with the stanzas of a user whose lease another process holds:
 * hold them a bounded time while it tries to take the lease, then serve them or answer them with
 * an error of type `wait`. See docs/scale-out.md, "Ownership (leases)".
 *
 * Errors, all of type `wait` (RFC 6120 §8.3.2: "retry after waiting (the error is temporary)"):
 * `service-unavailable` (§8.3.3.19) when another process serves the user, or this one is
 * stopping; `resource-constraint` (§8.3.3.18) when the bounds on held stanzas are reached.
 * https://www.rfc-editor.org/rfc/rfc6120#section-8.3
 *
 * @module
 */
import { check, checkIntegerRange } from "../optionChecks.js";
import { XMPPError } from "../protocol/xmppError.js";
import type { AcquireResult, Leases } from "./leases.js";

/** What to do with a user's stanza, decided by {@link decideOwnership}. */
export type OwnershipDecision =
  | { action: "serve"; token: number }
  | { action: "hold"; retryInMs: number }
  | { action: "refuse"; reason: "held-elsewhere" | "too-many-held" };

/** The facts {@link decideOwnership} decides on. */
export interface OwnershipFacts {
  /** The latest answer of {@link Leases.acquire} for the user. */
  lease: AcquireResult;
  /** How long the user's oldest held stanza has waited, in ms. */
  waitedMs: number;
  /** The stanzas held for the user, the one being decided included. */
  held: number;
  /** See {@link OwnershipGateOptions.maxWaitMs}. */
  maxWaitMs: number;
  /** See {@link OwnershipGateOptions.maxHeldPerUser}. */
  maxHeldPerUser: number;
  /** See {@link OwnershipGateOptions.pollMs}. */
  pollMs: number;
}

/** Retry this long after the holder's lease expires (the database rounds to whole ms). */
const AFTER_EXPIRY_MS = 5;

/**
 * Decides, without side effects, what to do with a stanza of a user: `serve` it when this
 * process holds the lease; `refuse` it when too many stanzas are held for the user already or
 * the wait is over; else `hold` it and try the lease again in `retryInMs`: at the holder's
 * expiry if that comes first, else after `pollMs` (the holder may release it or die sooner),
 * never beyond the end of the wait.
 *
 * @example
 * ```ts
 * decideOwnership({ lease: { heldBy: "gw-2", expiresAt, expiresInMs: 300 }, waitedMs: 0, held: 1,
 *   maxWaitMs: 10_000, maxHeldPerUser: 100, pollMs: 250 }); // { action: "hold", retryInMs: 250 }
 * ```
 */
export function decideOwnership(facts: OwnershipFacts): OwnershipDecision {
  const { lease } = facts;
  if ("token" in lease) return { action: "serve", token: lease.token };
  if (facts.held > facts.maxHeldPerUser) return { action: "refuse", reason: "too-many-held" };
  const left = facts.maxWaitMs - facts.waitedMs;
  if (left <= 0) return { action: "refuse", reason: "held-elsewhere" };
  return { action: "hold", retryInMs: Math.max(1, Math.min(lease.expiresInMs + AFTER_EXPIRY_MS, facts.pollMs, left)) };
}

/** What the gate answers for one stanza: serve it (with the user's token), or answer this error. */
export type Admission = { serve: true; token: number } | { serve: false; error: XMPPError };

/** Options of {@link createOwnershipGate}. */
export interface OwnershipGateOptions {
  /** This process's leases. */
  leases: Leases;
  /**
   * How long a user's stanzas are held while another process holds the lease, in ms (1 to
   * 600 000). After a whole lease time a holder that still has it is alive and renewing.
   * @defaultValue the lease time, `leases.ttlMs`
   */
  maxWaitMs?: number;
  /** Most stanzas held for one user; more are refused at once (1 to 10 000). @defaultValue 100 */
  maxHeldPerUser?: number;
  /** Most users whose stanzas are held at once; more are refused at once (1 to 100 000). @defaultValue 1 000 */
  maxWaitingUsers?: number;
  /** How often the lease is tried while it is held elsewhere, in ms (1 to 60 000). @defaultValue 250 */
  pollMs?: number;
}

/** The gate the router asks before it runs a user's rooms. */
export interface OwnershipGate {
  /**
   * True when this process holds `user`'s lease: serve at once, no need to {@link admit}. False
   * for a lease held by adoption only ({@link Leases.adopt}): the user's first stanza makes it firm.
   */
  owns(user: string): boolean;
  /**
   * Resolves when `user`'s stanza may be served (the lease is this process's, taken if need be)
   * or must be answered with the error. The stanzas of one user resolve in the order they were
   * admitted, all in the same turn, so the router keeps their order by handling them as they
   * resolve.
   */
  admit(user: string): Promise<Admission>;
  /** The users whose stanzas are held now. */
  readonly waitingUsers: number;
  /** Refuses every held stanza (the process is stopping) and stops trying; idempotent. */
  close(): void;
}

interface Waiting {
  since: number;
  resolvers: Array<(admission: Admission) => void>;
  timer?: NodeJS.Timeout;
}

/** Each refusal's condition (all of type `wait`) and text; see the module notes. */
const REFUSALS = {
  "held-elsewhere": ["service-unavailable", "Another gateway process serves your rooms right now; try again in a few seconds"],
  closed: ["service-unavailable", "This gateway process is stopping; try again in a few seconds"],
  "too-many-held": ["resource-constraint", "Too many of your stanzas are waiting while your rooms move between gateway processes"],
  "too-many-users": ["resource-constraint", "Too many users' rooms are moving between gateway processes right now"],
} as const;

const refusal = (reason: keyof typeof REFUSALS): Admission => ({ serve: false, error: new XMPPError(REFUSALS[reason][0], REFUSALS[reason][1], "wait") });

/**
 * Creates the {@link OwnershipGate} of a process: for a user it does not hold, it tries the lease
 * and holds the stanzas as {@link decideOwnership} says.
 *
 * @throws TypeError for a bad option.
 *
 * @example
 * ```ts
 * const gate = createOwnershipGate({ leases });
 * const admission = gate.owns(user) ? undefined : await gate.admit(user);
 * if (admission && !admission.serve) return outbox.send(errorReply(stanza, admission.error.toData()));
 * ```
 */
export function createOwnershipGate(options: OwnershipGateOptions): OwnershipGate {
  check(typeof options === "object" && options !== null, "createOwnershipGate", "given an options object", options);
  const { leases } = options;
  check(typeof leases?.acquire === "function" && typeof leases.tokenOf === "function", "leases", "the Leases of createLeases()", leases);
  checkIntegerRange("maxWaitMs", options.maxWaitMs, 1, 600_000, "ms");
  checkIntegerRange("maxHeldPerUser", options.maxHeldPerUser, 1, 10_000, "stanzas");
  checkIntegerRange("maxWaitingUsers", options.maxWaitingUsers, 1, 100_000, "users");
  checkIntegerRange("pollMs", options.pollMs, 1, 60_000, "ms");
  const limits = {
    maxWaitMs: options.maxWaitMs ?? leases.ttlMs,
    maxHeldPerUser: options.maxHeldPerUser ?? 100,
    pollMs: options.pollMs ?? 250,
  };
  const maxWaitingUsers = options.maxWaitingUsers ?? 1_000;
  const waiting = new Map<string, Waiting>();
  let closed = false;

  const settle = (user: string, admission: Admission) => {
    const entry = waiting.get(user);
    waiting.delete(user);
    if (entry?.timer) clearTimeout(entry.timer);
    for (const resolve of entry?.resolvers ?? []) resolve(admission);
  };

  const attempt = async (user: string, entry: Waiting) => {
    entry.timer = undefined;
    let lease: AcquireResult;
    try {
      lease = await leases.acquire(user);
    } catch {
      lease = { heldBy: "", expiresAt: new Date(0), expiresInMs: limits.pollMs }; // the database is away: try again
    }
    if (waiting.get(user) !== entry) return; // closed meanwhile
    const decision = decideOwnership({ ...limits, lease, waitedMs: performance.now() - entry.since, held: entry.resolvers.length });
    if (decision.action === "serve") settle(user, { serve: true, token: decision.token });
    else if (decision.action === "refuse") settle(user, refusal(decision.reason));
    else entry.timer = setTimeout(() => void attempt(user, entry), decision.retryInMs);
  };

  // An adopted lease is made firm by the user's first stanza here: it goes through acquire.
  const firm = (user: string) => (leases.isAdopted(user) ? undefined : leases.tokenOf(user));
  return {
    owns: (user) => firm(user) !== undefined,
    admit(user) {
      const token = firm(user);
      if (token !== undefined) return Promise.resolve({ serve: true, token });
      if (closed) return Promise.resolve(refusal("closed"));
      const entry = waiting.get(user);
      if (entry) {
        if (entry.resolvers.length >= limits.maxHeldPerUser) return Promise.resolve(refusal("too-many-held"));
        return new Promise((resolve) => entry.resolvers.push(resolve));
      }
      if (waiting.size >= maxWaitingUsers) return Promise.resolve(refusal("too-many-users"));
      const fresh: Waiting = { since: performance.now(), resolvers: [] };
      waiting.set(user, fresh);
      const admitted = new Promise<Admission>((resolve) => fresh.resolvers.push(resolve));
      void attempt(user, fresh);
      return admitted;
    },
    get waitingUsers() {
      return waiting.size;
    },
    close() {
      closed = true;
      for (const user of [...waiting.keys()]) settle(user, refusal("closed"));
    },
  };
}
