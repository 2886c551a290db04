/**
 * The room statechart. Three regions run in parallel:
 *
 * - `lifecycle`: uninitialized → infoFetched → participantsFilled → joined. `updateInfo` runs on
 *   activation; `fillParticipants` once per run, before the first join or participant listing;
 *   the room is `joined` while at least one of the user's resources is in it.
 * - `archive`: `backfill` runs at most once per run, when a join wants history or a MAM read
 *   arrives, before the archive serves them.
 * - `mailbox`: the user's requests in a bounded FIFO, each run to completion (its legacy
 *   callback awaited) before the next starts, in arrival order. While there are requests the
 *   mailbox is `busy` and invokes one `runRequest` actor, which runs the request it is sent and
 *   answers `request.done` or `request.failed`: one actor per burst of requests, not one per
 *   request (spawning one per request cost half the mailbox's throughput). It enforces the
 *   callback timeout itself (failing with `remote-server-timeout`): an `after` transition per
 *   request cost 10% of the throughput.
 *
 * The machine decides and does no I/O: legacy callbacks arrive as the named actors
 * `updateInfo`, `fillParticipants`, `backfill` and `runRequest` (substitute them with `machine.provide`),
 * and every outcome is an emitted event that the room actor turns into stanzas.
 * XState drops events a state does not handle, so every input is accepted at the root and
 * queued in context (see README, "The room machine").
 */
import { and, not, or, stateIn } from "xstate";
import type { RoomContext, RoomHandle } from "./roomEvents.js";
import { roomSetup } from "./roomSetup.js";

/**
 * The room machine. Substitute its actors with `roomMachine.provide({ actors })`:
 *
 * @example
 * ```ts
 * const machine = roomMachine.provide({
 *   actors: {
 *     updateInfo: fromPromise(async () => {}),
 *     fillParticipants: fromPromise(async () => {}),
 *     backfill: fromPromise(async () => {}),
 *     runRequest: fromCallback(({ receive, sendBack }) =>
 *       receive((e) => sendBack({ type: "request.done", id: e.request.id, destroyed: false })),
 *     ),
 *   },
 * });
 * const room = createActor(machine, { input: { mailboxSize: 100, callbackTimeoutMs: 30_000 } }).start();
 * ```
 */
/** Every invoked actor gets the room's handle: it finds the room's callbacks by it. */
const handleInput = ({ context }: { context: RoomContext }): RoomHandle => ({ handle: context.handle });

export const roomMachine = roomSetup.createMachine({
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
    handle: input.handle ?? 0,
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
        // The plugin took the user out of the room (slidge's bookmarks.remove).
        remove: { target: "#room.removed" },
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
                    input: handleInput,
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
                    input: handleInput,
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
              invoke: {
                src: "backfill",
                input: handleInput,
                onDone: { target: "filled" },
                onError: { target: "filled" },
              },
              after: { callbackTimeout: { target: "filled" } },
            },
            filled: { id: "archiveFilled", entry: "archiveFilled" },
          },
        },
        mailbox: {
          initial: "waiting",
          states: {
            waiting: {
              always: { guard: and(["hasRequests", not(stateIn("#uninitialized"))]), target: "busy", actions: "dequeue" },
            },
            busy: {
              invoke: {
                id: "requests",
                src: "runRequest",
                input: handleInput,
                // The runner reports every failure of a request itself; this is the runner failing.
                onError: { target: "waiting", actions: "settleError" },
              },
              initial: "running",
              states: {
                running: {
                  entry: "runCurrent",
                  on: {
                    "request.done": [
                      { guard: "destroyedRoom", target: "#room.destroyed", actions: "settleOk" },
                      { guard: "removedRoom", target: "#room.removed", actions: "settleOk" },
                      // Straight on to the next request: one microstep instead of two.
                      { guard: "hasRequests", target: "running", reenter: true, actions: { type: "settleAndDequeue", params: { ok: true } } },
                      { target: "#room.active.mailbox.waiting", actions: "settleOk" },
                    ],
                    "request.failed": [
                      { guard: "hasRequests", target: "running", reenter: true, actions: { type: "settleAndDequeue", params: { ok: false } } },
                      { target: "#room.active.mailbox.waiting", actions: "settleError" },
                    ],
                  },
                },
              },
            },
          },
        },
      },
    },
    destroyed: { type: "final", entry: { type: "rejectEverything", params: { ending: "destroyed" } } },
    removed: { type: "final", entry: { type: "rejectEverything", params: { ending: "removed" } } },
  },
});
