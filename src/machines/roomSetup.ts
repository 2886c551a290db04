/**
 * The room machine's vocabulary: its types, the named actors (legacy callbacks, substituted with
 * `machine.provide({ actors })`), guards and actions. The chart itself is in roomMachine.ts.
 */
import { type CallbackActorLogic, enqueueActions, fromCallback, fromPromise, sendTo, setup } from "xstate";
import type { StanzaErrorData } from "../protocol/rfc6120.js";
import { FULL, GONE, REMOVED, TIMEOUT, errorOf } from "./roomErrors.js";
import type { QueuedRequest, RequestOutcome, RoomContext, RoomEmitted, RoomEvent, RoomHandle, RoomInput, RunEvent } from "./roomEvents.js";

const missing = (name: string) => new Error(`roomMachine: provide the "${name}" actor with machine.provide({ actors })`);
const notProvided = (name: string) =>
  fromPromise<never, unknown>(async () => {
    throw missing(name);
  });

/**
 * The request runner's logic: a callback actor that receives {@link RunEvent}s, runs each
 * request's legacy callback, and sends back exactly one `request.done` or `request.failed` per
 * run. @internal
 */
export type RequestRunnerLogic = CallbackActorLogic<RunEvent, RoomHandle>;

/**
 * A request runner from a function that runs one request: its result is `request.done`, a
 * rejection `request.failed` with the rejection as the error. No timeout: for tests and for
 * `machine.provide()` (mucstate's own runner adds the callback watchdog).
 *
 * @example
 * ```ts
 * const machine = roomMachine.provide({
 *   actors: { runRequest: fromRequestRunner(async (request) => ({ id: request.id, destroyed: false })) },
 * });
 * ```
 */
export function fromRequestRunner(run: (request: QueuedRequest & RoomHandle) => Promise<RequestOutcome>): RequestRunnerLogic {
  return fromCallback<RunEvent, RoomHandle>(({ input, receive, sendBack }) => {
    let stopped = false;
    receive(({ request }) => {
      run({ ...request, handle: input.handle }).then(
        (outcome) => stopped || sendBack({ type: "request.done", ...outcome }),
        (error: unknown) => stopped || sendBack({ type: "request.failed", id: request.id, error }),
      );
    });
    return () => {
      stopped = true;
    };
  });
}

/** What failing every waiting join, read and queued request with `error` emits, in that order. */
function failuresOfAll(context: RoomContext, error: StanzaErrorData): RoomEmitted[] {
  return [
    ...context.joins.map((j): RoomEmitted => ({ type: "join.failed", id: j.id, error })),
    ...context.reads.map((r): RoomEmitted => ({ type: "read.failed", id: r.id, error })),
    ...context.mailbox.map((q): RoomEmitted => ({ type: "request.settled", id: q.id, ok: false, error })),
  ];
}

/** The room machine's setup. @internal */
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
  },
  guards: {
    readsInfo: ({ event }) => event.type === "read" && event.needs === "info",
    readsParticipants: ({ event }) => event.type === "read" && event.needs === "participants",
    readsHistory: ({ event }) => event.type === "read" && event.needs === "history",
    needsHistory: ({ context }) => context.joins.some((j) => j.history) || context.reads.some((r) => r.needs === "history"),
    restoredInfo: ({ context }) => context.restored.info,
    restoredParticipants: ({ context }) => context.restored.participants,
    restoredArchive: ({ context }) => context.restored.archive,
    hasWaiting: ({ context }) => context.joins.length + context.reads.length + context.mailbox.length > 0,
    needsParticipants: ({ context }) => context.joins.length > 0 || context.reads.some((r) => r.needs === "participants"),
    hasJoins: ({ context }) => context.joins.some((j) => !j.history),
    noResources: ({ context }) => context.resources.length === 0,
    mailboxFull: ({ context }) => context.mailbox.length >= context.mailboxSize,
    hasRequests: ({ context }) => context.mailbox.length > 0,
    destroyedRoom: ({ event }) => event.type === "request.done" && event.destroyed,
    removedRoom: ({ event }) => event.type === "request.done" && event.removed === true,
  },
  actions: {
    queueJoin: enqueueActions(({ context, event, enqueue }, params: { archiveFilled: boolean }) => {
      if (event.type !== "join") return;
      const history = event.history && !params.archiveFilled;
      enqueue.assign({ joins: [...context.joins, { id: event.id, resource: event.resource, history }] });
    }),
    archiveFilled: enqueueActions(({ context, enqueue }) => {
      enqueue.assign({ joins: context.joins.map((j) => (j.history ? { ...j, history: false } : j)) });
      const ready = context.reads.filter((r) => r.needs === "history");
      for (const r of ready) enqueue.emit({ type: "read.ready", id: r.id });
      enqueue.assign({ reads: context.reads.filter((r) => r.needs !== "history") });
    }),
    queueRead: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== "read") return;
      enqueue.assign({ reads: [...context.reads, { id: event.id, needs: event.needs }] });
    }),
    answerRead: enqueueActions(({ event, enqueue }) => {
      if (event.type === "read") enqueue.emit({ type: "read.ready", id: event.id });
    }),
    enqueueRequest: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== "request") return;
      enqueue.assign({ mailbox: [...context.mailbox, { id: event.id, kind: event.kind }] });
    }),
    refuseRequest: enqueueActions(({ event, enqueue }) => {
      if (event.type === "request") enqueue.emit({ type: "request.settled", id: event.id, ok: false, error: FULL });
    }),
    removeResource: enqueueActions(({ context, event, enqueue }, params: { notify: boolean }) => {
      if (event.type !== "leave" && event.type !== "resource.gone") return;
      const joined = context.resources.includes(event.resource);
      enqueue.assign({
        resources: context.resources.filter((r) => r !== event.resource),
        joins: context.joins.filter((j) => j.resource !== event.resource),
      });
      for (const j of context.joins) if (j.resource === event.resource) enqueue.emit({ type: "join.dropped", id: j.id });
      if (joined && params.notify) enqueue.emit({ type: "left", resource: event.resource });
    }),
    failWaiting: enqueueActions(({ context, event, enqueue }, params: { timeout: boolean }) => {
      const error = params.timeout ? TIMEOUT : errorOf("error" in event ? event.error : undefined);
      for (const failed of failuresOfAll(context, error)) enqueue.emit(failed);
      enqueue.assign({ joins: [], reads: [], mailbox: [] });
    }),
    failParticipantWaiters: enqueueActions(({ context, event, enqueue }, params: { timeout: boolean }) => {
      const error = params.timeout ? TIMEOUT : errorOf("error" in event ? event.error : undefined);
      for (const j of context.joins) enqueue.emit({ type: "join.failed", id: j.id, error });
      for (const r of context.reads) if (r.needs === "participants") enqueue.emit({ type: "read.failed", id: r.id, error });
      enqueue.assign({ joins: [], reads: context.reads.filter((r) => r.needs !== "participants") });
    }),
    answerReads: enqueueActions(({ context, enqueue }, params: { needs: "info" | "participants" }) => {
      const ready = context.reads.filter((r) => r.needs === "info" || (params.needs === "participants" && r.needs === "participants"));
      for (const r of ready) enqueue.emit({ type: "read.ready", id: r.id });
      enqueue.assign({ reads: context.reads.filter((r) => !ready.includes(r)) });
    }),
    completeJoins: enqueueActions(({ context, enqueue }) => {
      const resources = [...context.resources];
      for (const j of context.joins) {
        if (j.history) continue;
        enqueue.emit({ type: "join.ready", id: j.id, resource: j.resource });
        if (!resources.includes(j.resource)) resources.push(j.resource);
      }
      enqueue.assign({ joins: context.joins.filter((j) => j.history), resources });
    }),
    runCurrent: sendTo("requests", ({ context }): RunEvent => ({ type: "run", request: context.current as QueuedRequest })),
    dequeue: enqueueActions(({ context, enqueue }) => {
      const [head, ...rest] = context.mailbox;
      if (!head) return;
      enqueue.assign({ current: head, mailbox: rest });
      enqueue.emit({ type: "request.started", id: head.id, kind: head.kind });
    }),
    settleOk: enqueueActions(({ context, enqueue }) => {
      if (context.current) enqueue.emit({ type: "request.settled", id: context.current.id, ok: true });
      enqueue.assign({ current: null });
    }),
    // Settles the request in flight and takes the next one in one assign (one snapshot, not two).
    settleAndDequeue: enqueueActions(({ context, event, enqueue }, params: { ok: boolean }) => {
      const current = context.current;
      if (current && params.ok) enqueue.emit({ type: "request.settled", id: current.id, ok: true });
      if (current && !params.ok) {
        enqueue.emit({ type: "request.settled", id: current.id, ok: false, error: errorOf("error" in event ? event.error : undefined) });
      }
      const [head, ...rest] = context.mailbox;
      enqueue.assign({ current: head ?? null, mailbox: rest });
      if (head) enqueue.emit({ type: "request.started", id: head.id, kind: head.kind });
    }),
    settleError: enqueueActions(({ context, event, enqueue }) => {
      const error = errorOf("error" in event ? event.error : undefined);
      if (context.current) enqueue.emit({ type: "request.settled", id: context.current.id, ok: false, error });
      enqueue.assign({ current: null });
    }),
    // The room ended: nothing waits and no resource is in it any more (the room actor told them).
    rejectEverything: enqueueActions(({ context, enqueue }, params: { ending: "destroyed" | "removed" }) => {
      const error = params.ending === "destroyed" ? GONE : REMOVED;
      if (context.current) enqueue.emit({ type: "request.settled", id: context.current.id, ok: false, error });
      for (const failed of failuresOfAll(context, error)) enqueue.emit(failed);
      enqueue.assign({ joins: [], reads: [], mailbox: [], current: null, resources: [] });
      enqueue.emit({ type: params.ending });
    }),
  },
});
