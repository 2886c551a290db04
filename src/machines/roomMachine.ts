/**
 * The room statechart. Two regions run in parallel:
 *
 * - `lifecycle`: uninitialized → infoFetched → participantsFilled → joined. `updateInfo` runs on
 *   activation; `fillParticipants` once per run, before the first join or participant listing;
 *   the room is `joined` while at least one of the user's resources is in it.
 * - `mailbox`: the user's requests in a bounded FIFO, each run to completion (its legacy
 *   callback awaited) before the next starts, in arrival order. The `runRequest` actor enforces
 *   the callback timeout itself (rejecting with `remote-server-timeout`): an `after` transition
 *   per request cost 10% of the mailbox's throughput.
 *
 * - `archive`: `backfill` runs at most once per run, when a join wants history or a MAM read
 *   arrives, before the archive serves them.
 *
 * The machine decides and does no I/O: legacy callbacks arrive as the named actors
 * `updateInfo`, `fillParticipants`, `backfill` and `runRequest` (substitute them with `machine.provide`),
 * and every outcome is an emitted event that the room actor turns into stanzas.
 * XState drops events a state does not handle, so every input is accepted at the root and
 * queued in context (see README, "The room machine").
 */
import { and, enqueueActions, fromPromise, not, or, setup, stateIn } from "xstate";
import type { StanzaErrorData } from "../protocol/rfc6120.js";
import type { QueuedRequest, RequestOutcome, RoomContext, RoomEmitted, RoomEvent, RoomInput } from "./roomEvents.js";

const TIMEOUT: StanzaErrorData = {
  condition: "remote-server-timeout",
  type: "wait",
  text: "The legacy network did not answer in time",
};
const GONE: StanzaErrorData = { condition: "item-not-found", type: "cancel", text: "This room has been destroyed" };
const FULL: StanzaErrorData = {
  condition: "resource-constraint",
  type: "wait",
  text: "Too many requests are waiting for this room; retry later",
};

/** Turns whatever an invoked actor rejected with into stanza error data. */
function errorOf(error: unknown): StanzaErrorData {
  if (error && typeof error === "object" && "condition" in error) return error as StanzaErrorData;
  return { condition: "internal-server-error", type: "cancel", text: "The legacy network failed" };
}

const notProvided = (name: string) =>
  fromPromise<never, unknown>(async () => {
    throw new Error(`roomMachine: provide the "${name}" actor with machine.provide({ actors })`);
  });

/**
 * The room machine. Substitute its actors with `roomMachine.provide({ actors })`:
 *
 * @example
 * ```ts
 * const machine = roomMachine.provide({
 *   actors: {
 *     updateInfo: fromPromise(async () => {}),
 *     fillParticipants: fromPromise(async () => {}),
 *     runRequest: fromPromise(async ({ input }) => ({ id: input.id, destroyed: false })),
 *   },
 * });
 * const room = createActor(machine, { input: { mailboxSize: 100, callbackTimeoutMs: 30_000 } }).start();
 * ```
 */
export const roomMachine = setup({
  types: {
    context: {} as RoomContext,
    events: {} as RoomEvent,
    input: {} as RoomInput,
    emitted: {} as RoomEmitted,
  },
  actors: {
    updateInfo: notProvided("updateInfo") as ReturnType<typeof fromPromise<void, undefined>>,
    fillParticipants: notProvided("fillParticipants") as ReturnType<typeof fromPromise<void, undefined>>,
    backfill: notProvided("backfill") as ReturnType<typeof fromPromise<void, undefined>>,
    runRequest: notProvided("runRequest") as ReturnType<typeof fromPromise<RequestOutcome, QueuedRequest>>,
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
    destroyedRoom: (_, outcome: RequestOutcome) => outcome.destroyed,
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
      for (const j of context.joins) enqueue.emit({ type: "join.failed", id: j.id, error });
      for (const r of context.reads) enqueue.emit({ type: "read.failed", id: r.id, error });
      for (const q of context.mailbox) enqueue.emit({ type: "request.settled", id: q.id, ok: false, error });
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
    settleError: enqueueActions(({ context, event, enqueue }, params: { timeout: boolean }) => {
      const error = params.timeout ? TIMEOUT : errorOf("error" in event ? event.error : undefined);
      if (context.current) enqueue.emit({ type: "request.settled", id: context.current.id, ok: false, error });
      enqueue.assign({ current: null });
    }),
    rejectEverything: enqueueActions(({ context, enqueue }) => {
      for (const j of context.joins) enqueue.emit({ type: "join.failed", id: j.id, error: GONE });
      for (const r of context.reads) enqueue.emit({ type: "read.failed", id: r.id, error: GONE });
      for (const q of context.mailbox) enqueue.emit({ type: "request.settled", id: q.id, ok: false, error: GONE });
      enqueue.assign({ joins: [], reads: [], mailbox: [] });
      enqueue.emit({ type: "destroyed" });
    }),
  },
}).createMachine({
  id: "room",
  initial: "active",
  context: ({ input }) => ({
    resources: [],
    joins: [],
    reads: [],
    mailbox: [],
    current: null,
    mailboxSize: input.mailboxSize,
    callbackTimeoutMs: input.callbackTimeoutMs,
    restored: input.restored ?? { info: false, participants: false, archive: false },
    key: input.key ?? { user: "", room: "" },
  }),
  states: {
    active: {
      type: "parallel",
      on: {
        join: [
          { guard: stateIn("#archiveFilled"), actions: { type: "queueJoin", params: { archiveFilled: true } } },
          { actions: { type: "queueJoin", params: { archiveFilled: false } } },
        ],
        leave: { actions: { type: "removeResource", params: { notify: true } } },
        "resource.gone": { actions: { type: "removeResource", params: { notify: false } } },
        read: [
          {
            guard: or([
              and(["readsInfo", not(stateIn("#uninitialized"))]),
              and(["readsParticipants", or([stateIn("#participantsFilled"), stateIn("#joined")])]),
              and(["readsHistory", stateIn("#archiveFilled")]),
            ]),
            actions: "answerRead",
          },
          { actions: "queueRead" },
        ],
        request: [{ guard: "mailboxFull", actions: "refuseRequest" }, { actions: "enqueueRequest" }],
      },
      states: {
        lifecycle: {
          initial: "uninitialized",
          states: {
            uninitialized: {
              id: "uninitialized",
              initial: "activating",
              states: {
                // A room re-activated after passivation does not run updateInfo again in this run.
                activating: { always: [{ guard: "restoredInfo", target: "#infoFetched" }, { target: "fetching" }] },
                fetching: {
                  invoke: {
                    src: "updateInfo",
                    onDone: { target: "#infoFetched" },
                    onError: { target: "failed", actions: { type: "failWaiting", params: { timeout: false } } },
                  },
                  after: {
                    callbackTimeout: { target: "failed", actions: { type: "failWaiting", params: { timeout: true } } },
                  },
                },
                failed: { always: { guard: "hasWaiting", target: "fetching" } },
              },
            },
            infoFetched: {
              id: "infoFetched",
              entry: { type: "answerReads", params: { needs: "info" } },
              initial: "idle",
              states: {
                // fillParticipants and backfill never overlap: what each creates is told apart by room flags.
                idle: {
                  id: "infoIdle",
                  always: [
                    { guard: "restoredParticipants", target: "#participantsFilled" },
                    { guard: and(["needsParticipants", not(stateIn("#backfilling"))]), target: "filling" },
                  ],
                },
                filling: {
                  id: "filling",
                  invoke: {
                    src: "fillParticipants",
                    onDone: { target: "#participantsFilled" },
                    onError: { target: "idle", actions: { type: "failParticipantWaiters", params: { timeout: false } } },
                  },
                  after: {
                    callbackTimeout: {
                      target: "idle",
                      actions: { type: "failParticipantWaiters", params: { timeout: true } },
                    },
                  },
                },
              },
            },
            participantsFilled: {
              id: "participantsFilled",
              tags: ["participantsKnown"],
              entry: { type: "answerReads", params: { needs: "participants" } },
              always: { guard: "hasJoins", target: "joined" },
            },
            joined: {
              id: "joined",
              tags: ["participantsKnown"],
              entry: "completeJoins",
              always: [{ guard: "hasJoins", actions: "completeJoins" }, { guard: "noResources", target: "participantsFilled" }],
            },
          },
        },
        archive: {
          initial: "empty",
          states: {
            empty: {
              // A re-activated room whose backfill ran in this run starts filled. Otherwise
              // after the participants when they are needed too (slidge's order), so the two never overlap.
              always: [
                { guard: "restoredArchive", target: "filled" },
                {
                  guard: and([
                    "needsHistory",
                    or([stateIn("#participantsFilled"), stateIn("#joined"), and([stateIn("#infoIdle"), not("needsParticipants")])]),
                  ]),
                  target: "backfilling",
                },
              ],
            },
            backfilling: {
              id: "backfilling",
              // A failed or hanging backfill only means less history: the archive serves what it has.
              invoke: { src: "backfill", onDone: { target: "filled" }, onError: { target: "filled" } },
              after: { callbackTimeout: { target: "filled" } },
            },
            filled: { id: "archiveFilled", entry: "archiveFilled" },
          },
        },
        mailbox: {
          initial: "waiting",
          states: {
            waiting: {
              always: { guard: and(["hasRequests", not(stateIn("#uninitialized"))]), target: "running", actions: "dequeue" },
            },
            running: {
              invoke: {
                src: "runRequest",
                input: ({ context }) => context.current as QueuedRequest,
                onDone: [
                  {
                    guard: { type: "destroyedRoom", params: ({ event }) => event.output },
                    target: "#room.destroyed",
                    actions: "settleOk",
                  },
                  // Straight on to the next request: one microstep instead of two.
                  { guard: "hasRequests", target: "running", reenter: true, actions: ["settleOk", "dequeue"] },
                  { target: "waiting", actions: "settleOk" },
                ],
                onError: { target: "waiting", actions: { type: "settleError", params: { timeout: false } } },
              },

            },
          },
        },
      },
    },
    destroyed: { type: "final", entry: "rejectEverything" },
  },
});
