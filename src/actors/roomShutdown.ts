/**
 * What a room's shutdown answers to the requests still open, and how long it waits for the one
 * in flight. See {@link RoomActor.shutdown}.
 */
import type { AnyActorRef } from "xstate";
import type { StanzaErrorData } from "../protocol/rfc6120.js";
import type { PendingEntries } from "./pendingEntries.js";

/** What shutting down did to the open stanzas of one or more rooms. */
export interface ShutdownTally {
  /** Joins, reads and queued requests answered {@link SHUTTING_DOWN}: they never reached the legacy network. */
  refused: number;
  /** Requests whose callback was still running after the grace period, answered {@link ABANDONED}. */
  abandoned: number;
}

/**
 * The answer to a stanza that waited when the gateway stopped. `service-unavailable` is what
 * clients show as "service unavailable", and type `wait` says it is temporary: nothing was
 * done, so sending it again later is safe.
 */
export const SHUTTING_DOWN: StanzaErrorData = {
  condition: "service-unavailable",
  type: "wait",
  text: "The gateway is shutting down; this was not sent to the legacy network. Try again when it is back.",
};

/**
 * The answer to a request whose callback outlived the grace period: the same condition as a
 * callback timeout, since its outcome on the legacy network is unknown.
 */
export const ABANDONED: StanzaErrorData = {
  condition: "remote-server-timeout",
  type: "wait",
  text: "The gateway shut down before the legacy network answered; the request may or may not have been carried out.",
};

/** Adds tallies up. */
export function addTallies(tallies: readonly ShutdownTally[]): ShutdownTally {
  return tallies.reduce((a, b) => ({ refused: a.refused + b.refused, abandoned: a.abandoned + b.abandoned }), { refused: 0, abandoned: 0 });
}

/**
 * Resolves with true once `done()` holds after a step of `actor` (or when the actor ends), or
 * with false after `ms`.
 */
function untilSettled(actor: AnyActorRef, done: () => boolean, ms: number): Promise<boolean> {
  if (done()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const finish = (settled: boolean) => {
      clearTimeout(timer);
      subscription.unsubscribe();
      resolve(settled);
    };
    const timer = setTimeout(() => finish(false), ms);
    const subscription = actor.subscribe({
      next: () => done() && finish(true),
      error: () => finish(done()),
      complete: () => finish(done()),
    });
  });
}

/** What {@link shutDown} needs of a room actor. */
export interface ShuttingRoom {
  actor: AnyActorRef;
  pending: PendingEntries;
  /** Answers a pending entry with an error and forgets it. */
  fail(id: string, error: StanzaErrorData): void;
  /** Sends the shutdown presences and stops the actor. */
  stop(): void;
}

/**
 * Shuts a room down. Every waiting join, read and queued request is answered
 * {@link SHUTTING_DOWN} at once; the request in flight (`inFlight`, the machine's current one)
 * gets up to `graceMs` to finish and get its usual answer, else {@link ABANDONED}. Then the room
 * stops: joined resources get the shutdown presence (110 + 332), and stopping the actor aborts
 * what still runs (the request's `AbortSignal` fires). Synchronous when nothing is in flight.
 */
export function shutDown(room: ShuttingRoom, inFlight: string | undefined, graceMs: number): Promise<ShutdownTally> {
  const running = inFlight !== undefined && room.pending.get(inFlight) ? inFlight : undefined;
  let refused = 0;
  for (const id of room.pending.ids()) {
    if (id === running) continue;
    if (room.pending.get(id)?.stanza) refused++;
    room.fail(id, SHUTTING_DOWN);
  }
  const stop = (abandoned: number): ShutdownTally => {
    if (running !== undefined && abandoned > 0) room.fail(running, ABANDONED);
    room.stop();
    return { refused, abandoned };
  };
  if (running === undefined) return Promise.resolve(stop(0));
  return untilSettled(room.actor, () => !room.pending.get(running), graceMs).then((settled) => stop(settled ? 0 : 1));
}
