/**
 * The room statechart: everything a bridged room can be doing. Three regions run in parallel:
 *
 * - `lifecycle`: uninitialized → infoFetched → participantsFilled → joined. `updateInfo` runs on
 *   activation; `fillParticipants` once per run, before the first join or participant listing
 *   (both tagged `muted`: what the plugin sets meanwhile is not broadcast, the join sequence lists
 *   it); the room is `joined` while at least one of the user's resources is in it, and in
 *   `joined.streaming` while a resource's join sequence is still going out (live traffic waits
 *   for it).
 * - `archive`: `backfill` runs at most once per run (tagged `backfilling`: messages are archived
 *   only), when a join wants history or a MAM read arrives, after the participants when they are
 *   wanted too (slidge's order), before the archive serves them. A backfill that outlives its
 *   timeout leaves the archive `filled.overrun` (still tagged `backfilling`) until the call ends.
 * - `mailbox`: the user's requests in a bounded FIFO, each run to completion (its legacy
 *   callback awaited) before the next starts, in arrival order. While there are requests the
 *   mailbox is `busy` and invokes one `runRequest` actor, which gets every request of the mailbox
 *   (`run`), runs them one at a time and reports those that settled in one `requests.settled`
 *   event: one macrostep per report, not per request (see requestRunner.ts for when it reports).
 *   Once all settled, `busy.standby` keeps the runner `runnerLinger` for more, then `waiting`.
 *   `context.current` is the request in flight as far as the machine knows: the first not yet
 *   reported. A request not reported within `requestTimeout` (by default `callbackTimeout`; a
 *   gateway may provide its own per request kind) of the report before it goes through
 *   `expiring`, where the runner reports at once, then `timedOut`: the request still in flight
 *   fails with `remote-server-timeout`, and leaving `busy` stops the runner, which aborts its
 *   callback; the requests after it go to a new runner.
 *
 * The final states: `destroyed` (a destroy request), `removed` (the user taken out), `stopped`
 * (the gateway's shutdown: what waits is refused at once; a request in flight finishes in
 * `mailbox.busy.draining`, or is abandoned after the grace period).
 *
 * The plugin's traffic (a participant's message, a subject it sets, a rename) arrives as a
 * `plugin` event, in the order the plugin acted; the machine decides who gets it (`traffic`).
 * Traffic the plugin causes inside a request's callback therefore goes out before that request
 * settles. A passivated room is re-activated from its persisted snapshot: it resumes in the
 * state it left, and callbacks that ran in this process run do not run again.
 *
 * The machine decides and does no I/O: legacy callbacks arrive as the named actors
 * `updateInfo`, `fillParticipants`, `backfill` and `runRequest` (substitute them with
 * `machine.provide`), and every outcome is an emitted event that the room actor turns into
 * stanzas. XState drops events a state does not handle, so every input is accepted at the root
 * and queued in context (see README, "The room machine"). The no-op actions `onEnterJoined`,
 * `onExitJoined` and `onRequestSettled` and the delays are the extension points a gateway may
 * replace (`createGateway({ machine })`, see roomExtension.ts).
 */
import type { RoomContext, RoomHandle } from "./roomEvents.js";
import { noteNoSettledHook } from "./roomExtension.js";
import { roomSetup } from "./roomSetup.js";
import { initialContext } from "./roomStatus.js";

/** Every invoked actor gets the room's handle: it finds the room's callbacks by it. */
const handleInput = ({ context }: { context: RoomContext }): RoomHandle => ({ handle: context.handle });

/**
 * The room machine. Substitute its actors with `roomMachine.provide({ actors })` (tests, a room
 * run on its own); in a gateway, give `createGateway({ machine })` a `roomMachine.provide(...)`
 * that replaces only its extension actions and delays (`ROOM_EXTENSION_ACTIONS`, `ROOM_DELAYS`).
 *
 * @example
 * In a gateway: an entry hook on `joined` and a longer timeout for subjects.
 * ```ts
 * const machine = roomMachine.provide({
 *   actions: { onEnterJoined: ({ context }) => log.info(`${context.key.room} joined`) },
 *   delays: { requestTimeout: ({ context }) => (context.current?.kind === "setSubject" ? 120_000 : context.callbackTimeoutMs) },
 * });
 * const gateway = createGateway({ domain, secret, service, plugin, machine });
 * ```
 *
 * @example
 * ```ts
 * const machine = roomMachine.provide({
 *   actors: {
 *     updateInfo: fromPromise(async () => {}),
 *     fillParticipants: fromPromise(async () => {}),
 *     backfill: fromPromise(async () => {}),
 *     runRequest: fromRequestRunner(async (request) => ({ id: request.id, destroyed: false })),
 *   },
 * });
 * const room = createActor(machine, { input: { mailboxSize: 100, callbackTimeoutMs: 30_000 } }).start();
 * ```
 */
export const roomMachine = roomSetup.createMachine({
  id: "room",
  initial: "active",
  context: ({ input }) => initialContext(input),
  states: {
    active: {
      type: "parallel",
      on: {
        join: [
          { guard: "historyKnown", actions: { type: "queueJoin", params: { historyKnown: true } } },
          { actions: { type: "queueJoin", params: { historyKnown: false } } },
        ],
        "join.streamed": { actions: "endStream" },
        leave: { actions: { type: "removeResource", params: { notify: true } } },
        "resource.gone": { actions: { type: "removeResource", params: { notify: false } } },
        read: [{ guard: "readAnswerable", actions: "answerRead" }, { actions: "queueRead" }],
        requests: {
          actions: { type: "enqueueRequests", params: { handOver: false } },
          description: "Each request joins the mailbox in order; one beyond its places (`mailboxSize`, twice that for onUserJoined/onUserLeft) is refused with resource-constraint.",
        },
        plugin: { actions: "decideTraffic" },
        // The plugin took the user out of the room (slidge's bookmarks.remove).
        remove: { target: "#room.removed", actions: "announceRemoval" },
      },
      states: {
        lifecycle: {
          initial: "uninitialized",
          states: {
            uninitialized: {
              id: "uninitialized",
              initial: "fetching",
              states: {
                fetching: {
                  id: "fetching",
                  tags: ["muted"],
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
                failed: { always: { guard: "anythingWaits", target: "fetching" } },
              },
            },
            infoFetched: {
              id: "infoFetched",
              tags: ["infoKnown"],
              entry: { type: "answerReads", params: { needs: "info" } },
              initial: "idle",
              states: {
                idle: { id: "infoIdle", always: { guard: "fillDue", target: "filling" } },
                filling: {
                  id: "filling",
                  tags: ["muted"],
                  invoke: {
                    src: "fillParticipants",
                    input: handleInput,
                    onDone: { target: "#participantsFilled" },
                    onError: { target: "idle", actions: { type: "failParticipantWaiters", params: { timeout: false } } },
                  },
                  after: {
                    callbackTimeout: { target: "idle", actions: { type: "failParticipantWaiters", params: { timeout: true } } },
                  },
                },
              },
            },
            participantsFilled: {
              id: "participantsFilled",
              tags: ["infoKnown", "participantsKnown"],
              entry: { type: "answerReads", params: { needs: "participants" } },
              on: { join: { guard: "joinReadyNow", target: "joined", actions: "admitJoin" } },
              always: { guard: "joinsReady", target: "joined" },
            },
            joined: {
              id: "joined",
              tags: ["infoKnown", "participantsKnown"],
              entry: ["completeJoins", "onEnterJoined"],
              exit: "onExitJoined",
              on: { join: { guard: "joinReadyNow", target: ".streaming", actions: "admitJoin" } },
              always: [
                { guard: "joinsReady", target: "#streamingJoin", actions: "completeJoins" },
                { guard: "nobodyJoined", target: "participantsFilled" },
              ],
              initial: "streaming",
              states: {
                streaming: {
                  id: "streamingJoin",
                  tags: ["streamingJoin"],
                  description: "A resource's join sequence is going out; live traffic for it waits until `join.streamed`.",
                  on: { "join.streamed": { guard: "lastStreamEnds", target: "live", actions: "endStream" } },
                  always: { guard: "noJoinStreaming", target: "live" },
                },
                // Left only by a new join (above): no eventless check here, which every event would pay.
                live: {},
              },
            },
          },
        },
        archive: {
          initial: "empty",
          states: {
            empty: { always: { guard: "backfillDue", target: "backfilling" } },
            backfilling: {
              id: "backfilling",
              tags: ["backfilling"],
              // A failed or hanging backfill only means less history: the archive serves what it has.
              invoke: { src: "backfill", input: handleInput, onDone: { target: "filled" }, onError: { target: "filled" } },
              after: { callbackTimeout: { target: "#backfillOverrun" } },
            },
            filled: {
              id: "archiveFilled",
              entry: "releaseHistoryWaiters",
              initial: "done",
              states: {
                done: {},
                overrun: {
                  id: "backfillOverrun",
                  tags: ["backfilling"],
                  description:
                    "backfill outlived callbackTimeout: history is served as it is, and what the late call still sends is archived only, until it ends or for one more callbackTimeout at most (a call that never ends must not swallow live traffic).",
                  on: { "backfill.ended": { target: "done" } },
                  after: { callbackTimeout: { target: "done" } },
                },
              },
            },
          },
        },
        mailbox: {
          initial: "waiting",
          states: {
            waiting: {
              always: { guard: "requestDue", target: "busy", actions: "dequeue" },
              on: { shutdown: { target: "#room.stopped", actions: "refuseWaiting" } },
            },
            busy: {
              invoke: {
                id: "requests",
                src: "runRequest",
                input: handleInput,
                // The runner reports every failure of a request itself; this is the runner failing.
                onError: { target: "waiting", actions: { type: "settle", params: { ok: false } } },
              },
              initial: "running",
              states: {
                running: {
                  entry: "handOver",
                  description:
                    "The runner has every request of the mailbox and runs their callbacks one at a time, in order; it reports those that settled in one event. What the plugin does meanwhile goes out at once, after the reports of the requests that settled before it.",
                  on: {
                    requests: { actions: { type: "enqueueRequests", params: { handOver: true } } },
                    shutdown: { target: "draining", actions: ["refuseWaiting", "drainRunner"] },
                    "requests.settled": [
                      { guard: "requestDestroyedRoom", target: "#room.destroyed", actions: "settleRun" },
                      { guard: "requestRemovedUser", target: "#room.removed", actions: "settleRun" },
                      // `timed` is left and entered again (not `running`): the next request is timed from this report.
                      { guard: "requestInFlight", target: ".timed", actions: "settleRun" },
                      { target: "#room.active.mailbox.busy.standby", actions: "settleRun" },
                    ],
                  },
                  initial: "timed",
                  states: {
                    timed: {
                      description: "The request in flight has requestTimeout from the runner's last report.",
                      after: { requestTimeout: { target: "#mailboxExpiring" } },
                    },
                  },
                },
                standby: {
                  description:
                    "Every request has settled; the runner stays for runnerLinger in case more come (the next socket read of a busy room), then stops. A runner started per burst cost ~100 µs each.",
                  always: { guard: "requestDue", target: "running", actions: "dequeue" },
                  after: { runnerLinger: { target: "#room.active.mailbox.waiting" } },
                  on: { shutdown: { target: "#room.stopped", actions: "refuseWaiting" } },
                },
                expiring: {
                  id: "mailboxExpiring",
                  entry: "askReport",
                  description:
                    "requestTimeout passed: the runner reports at once (within this step) what settled since its last report. The request after those is still in flight (a runner that ran out of requests, or ran one that ended the room, has already reported): it timed out.",
                  on: {
                    "requests.settled": { target: "#mailboxTimedOut", actions: ["settleRun", { type: "settle", params: { ok: false, timeout: true } }] },
                  },
                },
                draining: {
                  description: "The gateway stops: what waited was refused; the request in flight may finish within the grace period.",
                  after: {
                    shutdownGrace: { target: "#room.stopped", actions: { type: "settle", params: { ok: false, abandoned: true } } },
                    requestTimeout: { target: "#room.stopped", actions: { type: "settle", params: { ok: false, timeout: true } } },
                  },
                  on: {
                    "requests.settled": [
                      { guard: "requestDestroyedRoom", target: "#room.destroyed", actions: "settleRun" },
                      { guard: "requestRemovedUser", target: "#room.removed", actions: "settleRun" },
                      { target: "#room.stopped", actions: "settleRun" },
                    ],
                  },
                },
              },
            },
            timedOut: {
              id: "mailboxTimedOut",
              description: "The request in flight outlived requestTimeout: it failed with remote-server-timeout, and its runner stopped (its AbortSignal fired); the requests after it run in a new one.",
              always: { target: "waiting" },
            },
          },
        },
      },
    },
    destroyed: { type: "final", entry: { type: "rejectEverything", params: { ending: "destroyed" } } },
    removed: { type: "final", entry: { type: "rejectEverything", params: { ending: "removed" } } },
    // The gateway stopped the room (its `shutdown`): joined resources get 332; the store keeps it.
    stopped: { type: "final", entry: { type: "rejectEverything", params: { ending: "stopped" } } },
  },
});

noteNoSettledHook(roomMachine.implementations.actions.onRequestSettled);
