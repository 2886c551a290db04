/**
 * A room actor: one bridged room of one user. It runs the room machine as an independent root
 * actor and composes the parts around it: the plugin adapter (what the plugin's `LegacyRoom`
 * talks to), the runtime (what the machine emits, as stanzas), the fan-out and the archive
 * writer. Every stanza in and every report of the plugin becomes an event of the machine; every
 * stanza out comes from what the machine emits.
 */
import type { Element } from "@xmpp/component";
import { type Actor, createActor } from "xstate";
import type { RemoveRoomOptions } from "../legacy/LegacySession.js";
import type { ReadNeeds, RequestKind, RoomEmitted, RoomEvent } from "../machines/roomEvents.js";
import { type PassivatedState, type RoomSnapshot, isIdle, passivatedState, resumedSnapshot } from "../machines/roomStatus.js";
import type { HistoryRequest } from "../protocol/xep0045.js";
import { runBackfill, wantsHistory } from "./archive.js";
import type { RoomMachine } from "../machines/roomExtension.js";
import { type RunnerSlot, bindRoom, sharedRoomMachine } from "./legacyActors.js";
import { type LiveRoom, type RoomEnding, sameStateValue } from "./roomLifecycle.js";
import { HOOK_REQUESTS, type UserHook, hasUserHooks, userHookRequest } from "./userHooks.js";
import { newEntryId, PendingEntries, type RequestHandler } from "./pendingEntries.js";
import { RoomArchive, lostWarning } from "./roomArchive.js";
import type { RoomActorOptions } from "./roomActorOptions.js";
import { RoomAvatar } from "./roomAvatar.js";
import { type Plan, RoomFanOut } from "./roomFanOut.js";
import { PluginAdapter } from "./roomPlugin.js";
import { markBackfilledAfter, ParticipantsWrite, saveParticipants, saveRoom } from "./roomRecords.js";
import { runEmitted } from "./roomRuntime.js";
import { InOrder, callStep } from "./inOrder.js";
import { type Awaitable, isPromise } from "../store/eitherStore.js";
import { decisionOf } from "./pluginTraffic.js";
import type { ShutdownTally } from "./roomShutdown.js";

export type { Plan, StanzaSink } from "./roomFanOut.js";
export type { RoomActorOptions } from "./roomActorOptions.js";
export type { RequestHandler } from "./pendingEntries.js";

/** One room of one user, as an XState root actor. */
export class RoomActor implements LiveRoom {
  /** The plugin's room. */
  readonly room: RoomActorOptions["room"];
  /** The room's archive writer (and recent messages). */
  readonly archive: RoomArchive;
  /** The avatar cache and loader of this room, for the vCard request handler. */
  readonly avatar: RoomAvatar;
  readonly #actor: Actor<RoomMachine>;
  readonly #lifecycle: RoomActorOptions["lifecycle"];
  /** The state value of the last step, for `gateway.rooms`' `state` events. */
  #value: unknown;
  readonly #pending = new PendingEntries();
  readonly #fanOut: RoomFanOut;
  readonly #plugin: PluginAdapter;
  readonly #tally: ShutdownTally = { refused: 0, abandoned: 0 };
  readonly #services: RoomActorOptions["services"];
  /** False until the room got its first stanza (or `read`): {@link passivate} leaves it running before. */
  #touched = false;
  /** What the machine emitted, run in order: a step that waits for an asynchronous store holds the next ones (made then). */
  #steps: InOrder | undefined;

  constructor(options: RoomActorOptions) {
    const { room, store, outbox } = options;
    this.room = room;
    // The participant rows, written after the join sequences that waited for `fillParticipants`.
    const rows = store && new ParticipantsWrite(() => saveParticipants(store, room, options.run), options.onError);
    this.#services = options.services;
    this.archive = new RoomArchive(room, store, (lost) => {
      outbox.markLost?.([lost]);
      options.services?.warn(lostWarning(lost), lost.error);
    });
    const runner: RunnerSlot = { report: undefined };
    const binding = bindRoom(room, (input, cancel) => this.#runRequest(input.id, cancel), runner, {
      // A call that outlives its timeout is still followed: the machine hears when it ends.
      backfill: (signal) => {
        const call = store ? runBackfill(room, store, options.onError) : Promise.resolve();
        // Noted in the room's record once it ran (failed or not), without holding the history back.
        if (store) markBackfilledAfter(call, store, room, options.run, options.onError);
        const ended = () => signal.aborted && this.#actor.getSnapshot().status === "active" && this.#plugin.deliver({ type: "backfill.ended" });
        void call.then(ended, ended);
        return call;
      },
      infoFetched: () => (store ? saveRoom(store, room, { avatar: true }) : undefined),
      participantsFilled: () => rows?.soon(),
    });
    const input = {
      mailboxSize: options.mailboxSize,
      callbackTimeoutMs: options.callbackTimeoutMs,
      key: { user: room.session.user, room: room.jid },
      handle: binding.handle,
    };
    const snapshot = options.resumeFrom && resumedSnapshot(options.resumeFrom, input);
    this.#actor = createActor(options.machine ?? sharedRoomMachine, { input, inspect: options.inspect, ...(snapshot && { snapshot }) });
    const lifecycle = options.lifecycle;
    this.#lifecycle = lifecycle;
    const plugin = new PluginAdapter({ room, actor: this.#actor, pending: this.#pending, outbox, services: options.services, runner });
    this.#plugin = plugin;
    room._host = plugin;
    this.avatar = new RoomAvatar(room, options.avatars, (announce) => plugin.tell({ kind: "avatar", announce }));
    plugin.avatar = this.avatar;
    this.#fanOut = new RoomFanOut(outbox, plugin);
    const userHook = (hook: UserHook) => hasUserHooks(room) && this.#queue(undefined, HOOK_REQUESTS[hook.hook], userHookRequest(hook));
    const warn = (message: string, error?: unknown) => this.warn(message, error);
    const runtime = { room, outbox, fanOut: this.#fanOut, archive: this.archive, pending: this.#pending, plugin, store, onEnded: options.onEnded, onError: options.onError, tally: this.#tally, userHook, warn };
    this.#actor.on("*", (emitted) => {
      const event = emitted as RoomEmitted;
      const settled = lifecycle?.listening("request.settled") ? this.#pending.timing(event) : undefined;
      // Decided now, in the snapshot that emitted it, even if the step waits behind another.
      const decided = event.type === "traffic" ? decisionOf(event, plugin.snapshot()) : undefined;
      this.#run(() => runEmitted(runtime, event, decided), options.onError);
      if (settled && event.type === "request.settled") {
        lifecycle?.emit("request.settled", { room: this, id: event.id, ...settled, ok: event.ok, ...(!event.ok && { condition: event.error.condition }) });
      }
    });
    this.#actor.subscribe({
      next: (snapshot) => {
        options.onStep?.();
        const from = this.#value;
        this.#value = snapshot.value;
        if (from !== undefined && lifecycle?.listening("state") && !sameStateValue(from, snapshot.value)) {
          lifecycle.emit("state", { room: this, from: from as RoomSnapshot["value"], to: snapshot.value });
        }
      },
      error: (error) => {
        rows?.cancel();
        binding.unbind();
        lifecycle?.emit("failed", { room: this, error });
        options.onFailure?.(error);
      },
      complete: () => {
        binding.unbind();
        const { status, value } = this.#actor.getSnapshot();
        // A passivated or stopped room keeps its rows; a destroyed or removed one lost them.
        if (value === "destroyed" || value === "removed") rows?.cancel();
        else rows?.now();
        if (status === "stopped") lifecycle?.emit("passivated", { room: this });
        else if (status === "done") lifecycle?.emit("ended", { room: this, ending: value as RoomEnding });
      },
    });
    lifecycle?.emit(snapshot ? "reactivated" : "created", { room: this });
    this.#actor.start();
  }

  /** The machine's snapshot: ask it with the functions of `machines/roomStatus.ts`. */
  get snapshot(): RoomSnapshot {
    return this.#actor.getSnapshot();
  }

  /** The user's bare JID. */
  get user(): string {
    return this.room.session.user;
  }

  /** The room's JID. */
  get jid(): string {
    return this.room.jid;
  }

  /** The room's XState actor (see {@link LiveRoom.actor}: do not send to it). */
  get actor(): Actor<RoomMachine> {
    return this.#actor;
  }

  /** Runs a step of the runtime in order; the queue is made when a step first waits (`??=`: maybe re-entrantly, by a step it ran). */
  #run(step: () => Awaitable<void>, onError: ((error: unknown) => void) | undefined): void {
    if (this.#steps) return this.#steps.run(step);
    const result = callStep(step, onError);
    if (!isPromise(result)) return;
    this.#steps ??= new InOrder(onError);
    this.#steps.wait(result);
  }

  #send(event: RoomEvent): void {
    this.#touched = true;
    this.#plugin.deliver(event);
  }

  /** A join presence from `stanza.from`; answered with the join sequence once the room is ready (and `backfill` ran, if it wants history). */
  join(stanza: Element, resource: string, requestedNick: string, history: HistoryRequest = {}): void {
    const id = newEntryId();
    this.#pending.set(id, { type: "join", stanza, resource, requestedNick, history });
    this.#send({ type: "join", id, resource, history: this.archive.store !== undefined && wantsHistory(history) });
  }

  /** A resource left (it gets an unavailable self-presence with 110), or, `gone`, its client reported it gone (it gets nothing). */
  leave(resource: string, gone = false): void {
    this.#send(gone ? { type: "resource.gone", resource } : { type: "leave", resource });
  }

  /**
   * A read: answered as soon as the room knows `needs` (its info, participant list or history),
   * never queued behind requests. A stanza is answered with what `answer` returns (or the error of
   * the callback that failed to get `needs`). Without a stanza (`LegacySession.getRoom` waits for
   * the info), the promise resolves once the room knows `needs` and rejects when that callback failed.
   * With an undefined stanza and an `answer` (a signal such as a chat state), a failure is answered
   * with nothing.
   */
  read(needs: ReadNeeds): Promise<void>;
  read(stanza: Element | undefined, needs: ReadNeeds, answer: () => Element[] | Promise<Element[]>): void;
  read(...args: [needs: ReadNeeds] | [stanza: Element | undefined, needs: ReadNeeds, answer: () => Element[] | Promise<Element[]>]): Promise<void> | void {
    if (args.length === 1) {
      this.#touched = true;
      return this.#plugin.whenKnown(args[0]);
    }
    const [stanza, needs, answer] = args;
    const id = newEntryId();
    this.#pending.set(id, { type: "read", stanza, answer });
    this.#send({ type: "read", id, needs });
  }

  /** Reports what went wrong where nobody gets an error reply (a failed callback of a chat state or marker): the gateway's `onWarning`. */
  warn(message: string, error?: unknown): void {
    this.#services?.warn(message, error);
  }

  /** A request for the mailbox: run in arrival order, one at a time, then answered. */
  request(stanza: Element, kind: RequestKind, run: RequestHandler): void {
    this.#queue(stanza, kind, run);
  }

  /** Queues a request, from a stanza or (without one) a plugin hook. */
  #queue(stanza: Element | undefined, kind: RequestKind, run: RequestHandler): void {
    const id = newEntryId();
    const lifecycle = this.#lifecycle;
    if (lifecycle?.listening("request.queued") || lifecycle?.listening("request.settled")) {
      const { mailbox } = this.#actor.getSnapshot().context;
      this.#pending.set(id, { type: "request", stanza, run, kind, queuedAt: performance.now() });
      lifecycle.emit("request.queued", { room: this, id, kind, depth: mailbox.length + this.#plugin.unsentRequests + 1 });
    } else this.#pending.set(id, { type: "request", stanza, run, kind });
    this.#touched = true;
    this.#plugin.request({ id, kind });
  }

  /** Runs a request's handler for the machine's runner; its plan is sent when the machine settles it. */
  async #runRequest(id: string, cancel: Parameters<RequestHandler>[1]) {
    const entry = this.#pending.get(id);
    if (entry?.type !== "request") throw new Error("request lost");
    const timed = entry.queuedAt !== undefined;
    if (timed) entry.startedAt = performance.now();
    let plan: Plan;
    try {
      plan = await entry.run(this.room, cancel);
    } finally {
      if (timed) entry.endedAt = performance.now();
    }
    if (!cancel.aborted) entry.plan = plan;
    return { id, destroyed: entry.kind === "destroy", removed: entry.kind === "leave" };
  }

  /** Takes the user out (`LegacySession.removeRoom`): with `kick`, the 307 self-presences, then the room ends. */
  removeUser(options: RemoveRoomOptions): void {
    this.#send({ type: "remove", kick: options.kick !== false, ...(options.reason !== undefined && { reason: options.reason }) });
  }

  /**
   * Stops the actor without telling anyone (passivation; the store keeps the room's records) and returns what a re-activation
   * resumes from. Undefined (the room goes on) when the room is not idle (see {@link isIdle}) or a stanza of it is pending,
   * and, unless `evenFresh`, when it has had no stanza yet: it is on its way to its first one.
   */
  passivate(options: { evenFresh?: boolean } = {}): PassivatedState | undefined {
    if ((!this.#touched && !options.evenFresh) || this.#steps?.busy) return undefined;
    this.#plugin.flush();
    if (!this.#pending.empty || !isIdle(this.#actor.getSnapshot())) return undefined;
    const state = passivatedState(this.#actor.getPersistedSnapshot(), this.#actor.getSnapshot().context);
    this.#actor.stop();
    return state;
  }

  /**
   * Shuts the room down (the machine's `shutdown` event): every waiting join, read and queued
   * request is answered `service-unavailable` at once; the request in flight gets up to `graceMs`
   * to finish and get its usual answer, else `remote-server-timeout`. Then the room is `stopped`:
   * joined resources get the shutdown presence (110 + 332), and its callbacks' signals fire.
   * Resolves with what it refused and abandoned.
   */
  shutdown(graceMs = 0): Promise<ShutdownTally> {
    const tally = this.#tally;
    if (this.#actor.getSnapshot().status !== "active") return Promise.resolve({ ...tally });
    return new Promise((resolve) => {
      // Its last steps (the shutdown presences) may still wait for an asynchronous store.
      const finish = () => resolve({ ...tally });
      const done = () => (this.#steps?.busy ? void this.#steps.idle().then(finish) : finish());
      this.#actor.subscribe({ complete: done, error: done });
      this.#plugin.deliver({ type: "shutdown", graceMs });
    });
  }
}
