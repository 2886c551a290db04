/**
 * The room machine's vocabulary: its types, the named actors (legacy callbacks, substituted with
 * `machine.provide({ actors })`), and the guards and actions the chart names. The chart itself
 * is in roomMachine.ts.
 */
import {
  and,
  assertEvent,
  assign,
  emit,
  enqueueActions,
  fromCallback,
  fromPromise,
  not,
  or,
  sendTo,
  setup,
  stateIn,
} from "xstate";
import type { StanzaErrorData } from "../protocol/rfc6120.js";
import { ABANDONED, FULL, GONE, REMOVED, SHUTTING_DOWN, errorOf } from "./roomErrors.js";
import { audienceOf, failure, failuresOfAll, lastOk, placesFor } from "./roomContext.js";
import type { QueuedRequest, RoomContext, RoomEmitted, RoomEvent, RoomHandle, RoomInput, RunEvent } from "./roomEvents.js";
import type { RequestRunnerLogic } from "./requestRunner.js";
import { settledHook } from "./roomExtension.js";

const missing = (name: string) => new Error(`roomMachine: provide the "${name}" actor with machine.provide({ actors })`);
const notProvided = (name: string) =>
  fromPromise<never, unknown>(async () => {
    throw missing(name);
  });

/**
 * Default of the `runnerLinger` delay: how long the request runner of a room whose requests
 * all settled stays for more. A busy room's next socket read comes within it, and is handed to
 * the same runner instead of a new one; a quiet room's runner stops after it.
 */
export const RUNNER_LINGER_MS = 25;

/** The room machine's setup: types, actors, delays, guards and actions. @internal */
export const roomSetup = setup({
  types: {
    context: {} as RoomContext,
    events: {} as RoomEvent,
    input: {} as RoomInput,
    emitted: {} as RoomEmitted,
  },
  actors: {
    updateInfo: notProvided("updateInfo") as ReturnType<typeof fromPromise<void, RoomHandle>>,
    fillParticipants: notProvided("fillParticipants") as ReturnType<typeof fromPromise<void, RoomHandle>>,
    backfill: notProvided("backfill") as ReturnType<typeof fromPromise<void, RoomHandle>>,
    runRequest: fromCallback<RunEvent, RoomHandle>(() => {
      throw missing("runRequest");
    }) as RequestRunnerLogic,
  },
  delays: {
    callbackTimeout: ({ context }) => context.callbackTimeoutMs,
    /** The timeout of the request in flight (`context.current`): `callbackTimeout` unless a gateway provides its own. */
    requestTimeout: ({ context }) => context.callbackTimeoutMs,
    shutdownGrace: ({ context }) => context.graceMs,
    /** How long an idle runner waits for more requests before it stops (`mailbox.busy.standby`). */
    runnerLinger: RUNNER_LINGER_MS,
  },
  guards: {
    // What waits.
    historyWanted: ({ context }) => context.joins.some((j) => j.history) || context.reads.some((r) => r.needs === "history"),
    participantsWanted: ({ context }) => context.joins.length > 0 || context.reads.some((r) => r.needs === "participants"),
    anythingWaits: ({ context }) => context.joins.length + context.reads.length + context.mailbox.length > 0,
    joinsReady: ({ context }) => context.joins.some((j) => !j.history),
    /** The join event waits for nothing once the participants are known: it wants no history, or the archive has it. */
    joinReadyNow: or([({ event }) => event.type === "join" && !event.history, "historyKnown"]),
    /** The `join.streamed` event ends the last join sequence going out. */
    lastStreamEnds: ({ context, event }) => event.type === "join.streamed" && context.streaming.every((r) => r === event.resource),
    nobodyJoined: ({ context }) => context.resources.length === 0,
    noJoinStreaming: ({ context }) => context.streaming.length === 0,
    requestsWaiting: ({ context }) => context.mailbox.length > 0,
    // How the requests of a report ended (a request that ends the room is the last the runner runs).
    requestDestroyedRoom: ({ event }) => event.type === "requests.settled" && lastOk(event.outcomes)?.destroyed === true,
    requestRemovedUser: ({ event }) => event.type === "requests.settled" && lastOk(event.outcomes)?.removed === true,
    /** After the report, a request the runner has is still in flight (it has every request of the mailbox). */
    requestInFlight: ({ context, event }) => event.type === "requests.settled" && context.current !== null && event.outcomes.length <= context.mailbox.length,
    // Where the room is, asked across regions.
    infoKnown: not(stateIn("#uninitialized")),
    participantsKnown: or([stateIn("#participantsFilled"), stateIn("#joined")]),
    historyKnown: stateIn("#archiveFilled"),
    backfillRunning: stateIn("#backfilling"),
    /** A read is answered at once when what it needs is known. */
    readsInfo: ({ event }) => event.type === "read" && event.needs === "info",
    readsParticipants: ({ event }) => event.type === "read" && event.needs === "participants",
    readsHistory: ({ event }) => event.type === "read" && event.needs === "history",
    readAnswerable: or([and(["readsInfo", "infoKnown"]), and(["readsParticipants", "participantsKnown"]), and(["readsHistory", "historyKnown"])]),
    /** `fillParticipants` starts when participants are wanted and `backfill` is not running (they never overlap). */
    fillDue: and(["participantsWanted", not("backfillRunning")]),
    /**
     * `backfill` starts when history is wanted and the participants are settled: known, or not
     * wanted and not being filled (slidge's order: participants, then history).
     */
    backfillDue: and(["historyWanted", or(["participantsKnown", and([stateIn("#infoIdle"), not("participantsWanted")])])]),
    /** The mailbox runs requests once the room's info is known. */
    requestDue: and(["requestsWaiting", "infoKnown"]),
  },
  actions: {
    // ---- extension points: no-ops a gateway may replace (see roomExtension.ts) ----
    /** Entry of `joined`: the first resource of the user entered the room. */
    onEnterJoined: enqueueActions(() => {}),
    /** Exit of `joined`: the last resource left, or the room ended. */
    onExitJoined: enqueueActions(() => {}),
    /**
     * A request in flight settled (not those refused or failed before they ran): `context.current`
     * is the request, the params ({@link SettledParams}) say how it ended.
     */
    onRequestSettled: enqueueActions((_, _params: SettledParams) => {}),
    // ---- joins and resources ----
    queueJoin: assign(({ context, event }, params: { historyKnown: boolean }) => {
      assertEvent(event, "join");
      return { joins: [...context.joins, { id: event.id, resource: event.resource, history: event.history && !params.historyKnown }] };
    }),
    /** A join that waits for nothing: its sequence goes out now (what `completeJoins` does for a waiting one). */
    admitJoin: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, "join");
      const { resources, streaming } = context;
      const entered = !resources.includes(event.resource);
      enqueue.emit({ type: "join.ready", id: event.id, resource: event.resource, entered, first: entered && resources.length === 0 });
      enqueue.assign({
        resources: entered ? [...resources, event.resource] : resources,
        streaming: streaming.includes(event.resource) ? streaming : [...streaming, event.resource],
      });
    }),
    completeJoins: enqueueActions(({ context, enqueue }) => {
      // Nothing ready (a join admitted on arrival entered `joined`), nothing assigned: each assign copies the snapshot.
      if (!context.joins.some((j) => !j.history)) return;
      const resources = [...context.resources];
      const streaming = [...context.streaming];
      for (const j of context.joins) {
        if (j.history) continue;
        const entered = !resources.includes(j.resource);
        enqueue.emit({ type: "join.ready", id: j.id, resource: j.resource, entered, first: entered && resources.length === 0 });
        if (entered) resources.push(j.resource);
        if (!streaming.includes(j.resource)) streaming.push(j.resource);
      }
      enqueue.assign({ joins: context.joins.filter((j) => j.history), resources, streaming });
    }),
    endStream: assign(({ context, event }) => {
      assertEvent(event, "join.streamed");
      return { streaming: context.streaming.filter((r) => r !== event.resource) };
    }),
    removeResource: enqueueActions(({ context, event, enqueue }, params: { notify: boolean }) => {
      assertEvent(event, ["leave", "resource.gone"]);
      const joined = context.resources.includes(event.resource);
      const resources = context.resources.filter((r) => r !== event.resource);
      const last = resources.length === 0;
      enqueue.assign({
        resources,
        streaming: context.streaming.filter((r) => r !== event.resource),
        joins: context.joins.filter((j) => j.resource !== event.resource),
      });
      for (const j of context.joins) if (j.resource === event.resource) enqueue.emit({ type: "join.dropped", id: j.id });
      if (joined && params.notify) enqueue.emit({ type: "left", resource: event.resource, last });
      if (joined && event.type === "resource.gone") enqueue.emit({ type: "gone", resource: event.resource, kicked: event.kicked === true, last });
    }),
    // ---- reads ----
    queueRead: assign(({ context, event }) => {
      assertEvent(event, "read");
      return { reads: [...context.reads, { id: event.id, needs: event.needs }] };
    }),
    answerRead: emit(({ event }) => {
      assertEvent(event, "read");
      return { type: "read.ready" as const, id: event.id };
    }),
    answerReads: enqueueActions(({ context, enqueue }, params: { needs: "info" | "participants" }) => {
      const ready = context.reads.filter((r) => r.needs === "info" || (params.needs === "participants" && r.needs === "participants"));
      // Nothing ready, nothing assigned: each assign copies the snapshot, and every rejoin after the last leave enters here.
      if (ready.length === 0) return;
      for (const r of ready) enqueue.emit({ type: "read.ready", id: r.id });
      enqueue.assign({ reads: context.reads.filter((r) => !ready.includes(r)) });
    }),
    /** History is in the archive: joins stop waiting for it, history reads are answered. */
    releaseHistoryWaiters: enqueueActions(({ context, enqueue }) => {
      enqueue.assign({ joins: context.joins.map((j) => (j.history ? { ...j, history: false } : j)) });
      for (const r of context.reads) if (r.needs === "history") enqueue.emit({ type: "read.ready", id: r.id });
      enqueue.assign({ reads: context.reads.filter((r) => r.needs !== "history") });
    }),
    // ---- failed setup callbacks ----
    failWaiting: enqueueActions(({ context, event, enqueue }, params: { timeout: boolean }) => {
      for (const failed of failuresOfAll(context, failure(event, params.timeout))) enqueue.emit(failed);
      enqueue.assign({ joins: [], reads: [], mailbox: [] });
    }),
    failParticipantWaiters: enqueueActions(({ context, event, enqueue }, params: { timeout: boolean }) => {
      const error = failure(event, params.timeout);
      for (const j of context.joins) enqueue.emit({ type: "join.failed", id: j.id, error });
      for (const r of context.reads) if (r.needs === "participants") enqueue.emit({ type: "read.failed", id: r.id, error });
      enqueue.assign({ joins: [], reads: context.reads.filter((r) => r.needs !== "participants") });
    }),
    // ---- the mailbox ----
    /** Requests join the mailbox in one assign; each beyond its places (`placesFor`) is refused. */
    enqueueRequests: enqueueActions(({ context, event, enqueue }, params: { handOver: boolean }) => {
      assertEvent(event, "requests");
      const mailbox = [...context.mailbox];
      const accepted: QueuedRequest[] = [];
      for (const request of event.requests) {
        if (mailbox.length >= placesFor(context, request.kind)) enqueue.emit({ type: "request.settled", id: request.id, ok: false, error: FULL });
        else {
          mailbox.push(request);
          accepted.push(request);
        }
      }
      enqueue.assign({ mailbox });
      // While `running`, the runner has every request of the mailbox: these go to it too.
      if (params.handOver && accepted.length > 0) enqueue.sendTo("requests", { type: "run", requests: accepted } satisfies RunEvent);
    }),
    dequeue: enqueueActions(({ context, enqueue }) => {
      const head = context.mailbox[0];
      if (!head) return;
      // slice, not `[head, ...rest]`: a rest pattern iterates (~1 µs a request with 200 waiting).
      enqueue.assign({ current: head, mailbox: context.mailbox.slice(1) });
      enqueue.emit({ type: "request.started", id: head.id, kind: head.kind });
    }),
    /** Hands the runner the request in flight and every request of the mailbox, in order. */
    handOver: sendTo("requests", ({ context }): RunEvent => ({ type: "run", requests: context.current ? [context.current, ...context.mailbox] : [...context.mailbox] })),
    /** The request timeout: the runner reports what settled since its last report, at once. */
    askReport: sendTo("requests", { type: "report" } satisfies RunEvent),
    /** The gateway stops: the runner runs nothing after the request in flight (the others were refused). */
    drainRunner: sendTo("requests", { type: "drain" } satisfies RunEvent),
    /**
     * Settles the requests of a report in order (their stanzas go to `resources`, the resources
     * in the room now): the request in flight, then the mailbox's head. Each settled request's
     * successor becomes `context.current` and has started.
     */
    settleRun: enqueueActions(({ context, event, enqueue, self }) => {
      assertEvent(event, "requests.settled");
      const extension = settledHook(enqueue, self);
      let current = context.current;
      let taken = 0;
      for (const outcome of event.outcomes) {
        if (!current) break;
        const error = outcome.ok ? undefined : errorOf(outcome.error);
        if (extension) {
          // The extension action runs first, with `context.current` the request that settled.
          if (taken > 0) enqueue.assign({ current });
          extension({ ok: outcome.ok, condition: error?.condition });
        }
        if (!error) enqueue.emit({ type: "request.settled", id: current.id, ok: true, resources: context.resources, streaming: context.streaming });
        else enqueue.emit({ type: "request.settled", id: current.id, ok: false, error });
        current = context.mailbox[taken] ?? null;
        if (current) {
          taken++;
          enqueue.emit({ type: "request.started", id: current.id, kind: current.kind });
        }
      }
      enqueue.assign({ current, mailbox: taken === 0 ? context.mailbox : context.mailbox.slice(taken) });
    }),
    /** Fails the request in flight (a timeout, an abandoned request, the runner failing). */
    settle: enqueueActions(({ context, event, enqueue, self }, params: { ok: false; timeout?: boolean; abandoned?: boolean }) => {
      const current = context.current;
      if (!current) return;
      const error = params.abandoned ? ABANDONED : failure(event, params.timeout === true);
      settledHook(enqueue, self)?.({ ok: false, condition: error.condition });
      enqueue.emit({ type: "request.settled", id: current.id, ok: false, error });
      enqueue.assign({ current: null });
    }),
    // ---- the plugin's traffic ----
    /**
     * Who gets what the plugin did: the `traffic` emitted event. How it goes out also depends on
     * the room's tags at that moment (`muted`, `backfilling`, `infoKnown`), which the runtime reads
     * from the same snapshot: asking them here with `stateIn` cost a third of the event's time.
     */
    decideTraffic: emit(({ context, event }) => {
      assertEvent(event, "plugin");
      return { type: "traffic" as const, id: event.id, count: event.count, audience: audienceOf(context) };
    }),
    // ---- endings ----
    /** The gateway stops: everything waiting is refused at once (the request in flight may finish). */
    refuseWaiting: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, "shutdown");
      for (const failed of failuresOfAll(context, SHUTTING_DOWN)) enqueue.emit(failed);
      enqueue.assign({ joins: [], reads: [], mailbox: [], graceMs: event.graceMs });
    }),
    announceRemoval: emit(({ context, event }) => {
      assertEvent(event, "remove");
      return { type: "removal" as const, resources: context.resources, kick: event.kick, reason: event.reason };
    }),
    /** The room ended: nothing waits and no resource is in it any more (the room actor told them). */
    rejectEverything: enqueueActions(({ context, enqueue }, params: { ending: "destroyed" | "removed" | "stopped" }) => {
      const error = params.ending === "destroyed" ? GONE : params.ending === "removed" ? REMOVED : SHUTTING_DOWN;
      const resources = context.resources;
      if (context.current) enqueue.emit({ type: "request.settled", id: context.current.id, ok: false, error });
      for (const failed of failuresOfAll(context, error)) enqueue.emit(failed);
      enqueue.assign({ joins: [], reads: [], mailbox: [], current: null, resources: [], streaming: [] });
      enqueue.emit({ type: params.ending, resources });
    }),
  },
});

/** What the `onRequestSettled` extension action gets as its params: how the request ended. */
export interface SettledParams {
  /** True when the request's callback succeeded. */
  ok: boolean;
  /** Why it failed: the condition its error reply carries (`remote-server-timeout` for a timeout). */
  condition?: StanzaErrorData["condition"];
}
