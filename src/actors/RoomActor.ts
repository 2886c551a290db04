/**
 * A room actor: one bridged room of one user. It runs the room machine as an independent root
 * actor, gives it the plugin's callbacks as named actors, and turns what the machine emits into
 * stanzas for the outbox. It is also the {@link RoomHost} of the plugin's `LegacyRoom`.
 */
import type { Element } from "@xmpp/component";
import { nanoid } from "nanoid";
import { type Actor, createActor } from "xstate";
import { DETACHED_HOST, type RoomHost } from "../legacy/RoomHost.js";
import type { RemoveRoomOptions } from "../legacy/LegacySession.js";
import type { ReadNeeds, RequestKind, RestoredSteps, RoomEmitted } from "../machines/roomEvents.js";
import type { roomMachine } from "../machines/roomMachine.js";
import { isIdle, ranSteps, savesParticipants } from "../machines/roomStatus.js";
import { stanzaIdOf } from "../protocol/xep0359.js";
import { joinHistory, runBackfill, wantsHistory } from "./archive.js";
import { saveParticipants, saveRoom } from "./roomRecords.js";
import type { StanzaErrorData } from "../protocol/rfc6120.js";
import { type HistoryRequest, Status } from "../protocol/xep0045.js";
import type { AvatarSource, BookmarkOptions } from "../legacy/roomServiceTypes.js";
import { addToBookmarks, defaultServices } from "./bookmarks.js";
import { joinSequence } from "./joinSequence.js";
import { answerFailure, answerRead, answerRequest, PendingEntries, type RequestHandler } from "./pendingEntries.js";
import { bindRoom, sharedRoomMachine } from "./legacyActors.js";
import { RoomAvatar, avatarChanged } from "./roomAvatar.js";
import type { RoomActorOptions } from "./roomActorOptions.js";
import { type ShutdownTally, shutDown } from "./roomShutdown.js";
import { RoomTraffic } from "./roomTraffic.js";
import { removedPresences, selfUnavailable, userGone } from "./roomStanzas.js";

export type { Plan, StanzaSink } from "./roomTraffic.js";
export type { RoomActorOptions } from "./roomActorOptions.js";
export type { RequestHandler } from "./pendingEntries.js";

/** One room of one user, as an XState root actor. */
export class RoomActor extends RoomTraffic implements RoomHost {
  readonly actor: Actor<typeof roomMachine>;
  readonly #pending = new PendingEntries();
  #touched = false;
  readonly #options: RoomActorOptions;
  readonly #avatar: RoomAvatar;

  constructor(options: RoomActorOptions) {
    super(options.room, options.outbox, options.store);
    const room = options.room;
    this.#options = options;
    room._host = this;
    this.#avatar = new RoomAvatar(room, options.avatars, (announce) => {
      if (this.actor.getSnapshot().status !== "active") return; // a load that outlived the room
      if (this.store) saveRoom(this.store, room, { avatar: true });
      if (announce) this.live((rs) => rs.flatMap((r) => avatarChanged(room, this.fullJid(r))));
    });
    const binding = bindRoom(
      room,
      async (input, cancel) => {
        const entry = this.#pending.get(input.id);
        if (entry?.type !== "request") throw new Error("request lost");
        const plan = await entry.run(room, cancel);
        const ends = { destroyed: entry.kind === "destroy", removed: entry.kind === "leave" };
        // A room that ends has no resources once the request settles: its stanzas are built now.
        const stanzas = ends.destroyed || ends.removed ? plan(this.resources) : undefined;
        if (!cancel.aborted) entry.plan = stanzas ? () => stanzas : plan;
        return { id: input.id, ...ends };
      },
      options.callbackTimeoutMs,
      {
        backfill: () => (this.store ? runBackfill(room, this.store, options.onError) : Promise.resolve()),
        infoFetched: () => this.store && saveRoom(this.store, room, { avatar: true }),
        participantsFilled: () => this.store && saveParticipants(this.store, room),
      },
    );
    this.actor = createActor(sharedRoomMachine, {
      input: {
        mailboxSize: options.mailboxSize,
        callbackTimeoutMs: options.callbackTimeoutMs,
        restored: options.restored,
        key: { user: room.session.user, room: room.jid },
        handle: binding.handle,
      },
      inspect: options.inspect,
    });
    this.actor.on("*", (event) => {
      try {
        this.#onEmitted(event as RoomEmitted);
      } catch (error) {
        options.onError?.(error);
      }
    });
    this.actor.subscribe({
      next: () => options.onStep?.(),
      error: (error) => {
        binding.unbind();
        options.onFailure?.(error);
      },
      complete: () => binding.unbind(),
    });
    this.actor.start();
  }

  /** The user's resources that are in the room. */
  get resources(): readonly string[] {
    return this.actor.getSnapshot().context.resources;
  }

  /** True once `fillParticipants` has run in this process. */
  get participantsFilled(): boolean {
    return this.actor.getSnapshot().hasTag("participantsKnown");
  }

  /** True when this resource of the user is in the room. */
  isJoined(resource: string): boolean {
    return this.resources.includes(resource);
  }

  /** True when the room may passivate (see {@link isIdle}) and no stanza of it is pending. */
  get idle(): boolean {
    return this.#pending.empty && isIdle(this.actor.getSnapshot());
  }

  /** True until the room got its first stanza: the registry does not passivate it before. */
  get fresh(): boolean {
    return !this.#touched;
  }

  #send(event: Parameters<typeof this.actor.send>[0]): void {
    this.#touched = true;
    this.actor.send(event);
  }

  /** The callbacks that ran in this run. */
  ranSteps(): RestoredSteps {
    return ranSteps(this.actor.getSnapshot());
  }

  /** Stops the actor without telling anyone (passivation; the store keeps the state). */
  passivate(): void {
    this.actor.stop();
  }

  /** True once the actor stopped (passivated or shut down): stanzas must go to a new activation. */
  get stopped(): boolean {
    return this.actor.getSnapshot().status === "stopped";
  }

  /** True once the machine reached a final state: the room was destroyed, or the user removed. */
  get destroyed(): boolean {
    return this.actor.getSnapshot().status === "done";
  }

  /**
   * A join presence from `stanza.from`; answered with the join sequence once the room is ready
   * (and, when the join wants history, once `backfill` has run).
   */
  join(stanza: Element, resource: string, requestedNick: string, history: HistoryRequest = {}): void {
    const id = nanoid();
    this.#pending.set(id, { type: "join", stanza, resource, requestedNick, history });
    this.#send({ type: "join", id, resource, history: this.store !== undefined && wantsHistory(history) });
  }

  /** A resource left: it gets an unavailable self-presence with 110. */
  leave(resource: string): void {
    this.#send({ type: "leave", resource });
  }

  /** Forgets a resource without telling it (its client reported it gone). */
  forgetResource(resource: string): void {
    this.#send({ type: "resource.gone", resource });
  }

  /** A read-only stanza: answered as soon as the info (or participant list) is known, never queued behind requests. */
  read(stanza: Element, needs: ReadNeeds, answer: () => Element[] | Promise<Element[]>): void {
    const id = nanoid();
    this.#pending.set(id, { type: "read", stanza, answer });
    this.#send({ type: "read", id, needs });
  }

  /** A request for the mailbox: run in arrival order, one at a time, then answered. */
  request(stanza: Element, kind: RequestKind, run: RequestHandler): void {
    const id = nanoid();
    this.#pending.set(id, { type: "request", stanza, run, kind });
    this.#send({ type: "request", id, kind });
  }

  /** Takes the user out (`LegacySession.removeRoom`): the 307 self-presences with `kick`, then the room ends. */
  removeUser(options: RemoveRoomOptions): void {
    if (options.kick !== false) this.outbox.sendAll(removedPresences(this.room, this.resources, options.reason));
    this.#send({ type: "remove" });
  }

  /** Refuses what waits, gives the callback in flight up to `graceMs`, then stops: see {@link shutDown}. */
  shutdown(graceMs = 0): Promise<ShutdownTally> {
    const room = { actor: this.actor, pending: this.#pending, fail: (id: string, e: StanzaErrorData) => this.#fail(id, e), stop: () => this.#stop() };
    return shutDown(room, this.actor.getSnapshot().context.current?.id, graceMs);
  }

  /** Sends the shutdown presence (110 + 332) to every joined resource and stops the actor. */
  #stop(): void {
    this.outbox.sendAll(this.resources.map((r) => userGone(this.room, this.fullJid(r), Status.SHUTDOWN)));
    // What the plugin does to the room from now on is dropped, not sent to a stopped actor.
    this.room._host = DETACHED_HOST;
    this.actor.stop();
  }

  // ---- RoomHost ---------------------------------------------------------------------------------

  addToBookmarks(options: BookmarkOptions): Promise<boolean> {
    const domain = this.room.jid.slice(this.room.jid.indexOf("@") + 1);
    return addToBookmarks(this.room, options, this.#options.services ?? defaultServices(domain, this.outbox));
  }

  setAvatar(a: AvatarSource | null, uniqueId: string | undefined, options: { blocking?: boolean; cancel?: boolean }): Promise<void> {
    return this.#avatar.set(a, uniqueId, options);
  }

  /** The avatar cache and loader of this room, for the vCard request handler. */
  get avatar(): RoomAvatar {
    return this.#avatar;
  }

  /** Resolves once `updateInfo` has run (rejects when it failed). */
  ensureInfo(): Promise<void> {
    return this.#await("info");
  }

  /** Resolves once `fillParticipants` has run (rejects when it failed). */
  ensureParticipants(): Promise<void> {
    return this.#await("participants");
  }

  #await(needs: ReadNeeds): Promise<void> {
    const id = nanoid();
    const done = this.#pending.promise(id);
    this.#send({ type: "read", id, needs });
    return done;
  }

  async kickResource(resource: string): Promise<void> {
    this.outbox.send(userGone(this.room, this.fullJid(resource), Status.ERROR_KICK));
    this.forgetResource(resource);
  }

  protected membership() {
    return this.actor.getSnapshot().context;
  }

  protected savesParticipants(): boolean {
    return savesParticipants(this.actor.getSnapshot());
  }

  #onEmitted(event: RoomEmitted): void {
    switch (event.type) {
      case "join.ready":
        this.#completeJoin(event.id, event.resource);
        return;
      case "join.dropped":
        return void this.#pending.take(event.id);
      case "join.failed":
      case "read.failed":
        return this.#fail(event.id, event.error);
      case "read.ready": {
        const entry = this.#pending.take(event.id);
        if (entry?.type === "read") answerRead(entry, this.outbox, this.room.jid);
        return;
      }
      case "request.settled": {
        if (!event.ok) return this.#fail(event.id, event.error);
        const entry = this.#pending.take(event.id);
        if (entry?.type === "request" && entry.plan) answerRequest(entry.stanza, entry.plan(this.resources), this.outbox, this.room.jid);
        return;
      }
      case "left":
        this.forgetHeld(event.resource);
        this.outbox.send(selfUnavailable(this.room, this.fullJid(event.resource), []));
        return;
      case "destroyed":
      case "removed":
        this.forget();
        this.#options.onEnded?.();
        return;
    }
  }

  #completeJoin(id: string, resource: string): void {
    const entry = this.#pending.take(id);
    if (entry?.type !== "join") return;
    for (const p of this.room._storedParticipants()) p._presenceSent = true;
    const to = this.fullJid(resource);
    // Live traffic that arrived during the join is held for after the subject, not repeated as history.
    const live = this.heldStanzaIds(resource);
    const archived = this.store ? joinHistory(this.store, this.room, to, entry.history) : [];
    const history = archived.filter((m) => !live.has(stanzaIdOf(m) ?? ""));
    const join = { id: entry.stanza.attrs.id, requestedNick: entry.requestedNick, history: () => history };
    this.streamJoin(resource, joinSequence(this.room, to, join));
  }

  #fail(id: string, error: StanzaErrorData): void {
    const entry = this.#pending.take(id);
    if (entry?.type === "join") this.forgetHeld(entry.resource);
    if (entry) answerFailure(entry, error, this.outbox, this.room.jid);
  }
}
