/**
 * mailbox: no-op requests through one room's mailbox, against a bare XState actor that runs the
 * same work (a context queue drained by an invoked no-op promise) in the same run.
 */
import { assign, createActor, fromPromise, setup } from "xstate";
import { RoomActor } from "../src/actors/RoomActor.js";
import { AvatarCache } from "../src/actors/avatars.js";
import { LegacyRoom } from "../src/legacy/LegacyRoom.js";
import { LegacySession } from "../src/legacy/LegacySession.js";
import { xml } from "@xmpp/component";
import { textMessage } from "../src/actors/requests.js";
import { DEFAULT_MAILBOX_SIZE } from "../src/gatewayOptions.js";
import { parseElement } from "../src/protocol/parseXml.js";
import { type Row, median, quantile, row } from "./stats.js";
import { gc } from "./xmpp.js";

/** The baseline: the smallest XState actor that queues requests and runs a no-op promise for each. */
function bareActor(onSettled: (id: number) => void) {
  const machine = setup({
    types: { context: {} as { queue: number[]; current: number | null }, events: {} as { type: "req"; id: number } },
    actors: { work: fromPromise(async ({ input }: { input: number }) => input) },
  }).createMachine({
    context: { queue: [], current: null },
    on: { req: { actions: assign({ queue: ({ context, event }) => [...context.queue, event.id] }) } },
    initial: "idle",
    states: {
      idle: {
        always: {
          guard: ({ context }) => context.queue.length > 0,
          target: "running",
          actions: assign(({ context }) => ({ current: context.queue[0]!, queue: context.queue.slice(1) })),
        },
      },
      running: {
        invoke: {
          src: "work",
          input: ({ context }) => context.current!,
          onDone: { target: "idle", actions: ({ event }) => onSettled(event.output) },
        },
      },
    },
  });
  const actor = createActor(machine).start();
  return (id: number) => actor.send({ type: "req", id });
}

class Session extends LegacySession {
  createRoom(id: string) {
    return new LegacyRoom(this, id);
  }
}

/** A started room actor with a no-op outbox, and a way to send it a no-op request. */
async function mucstateRoom(onSettled: () => void) {
  const room = new LegacyRoom(new Session("bench@example.org"), "bench");
  room.jid = "bench@muc.example.org";
  const actor = new RoomActor({
    room,
    outbox: { send() {}, sendAll() {} },
    mailboxSize: 1_000_000,
    callbackTimeoutMs: 60_000,
    avatars: new AvatarCache(),
  });
  await new Promise((r) => setTimeout(r, 10));
  const stanza = xml("iq", { from: "bench@example.org/r", to: room.jid, type: "set", id: "x" });
  // The plan runs when the machine settles the request.
  const plan = () => {
    onSettled();
    return [];
  };
  return () => actor.request(stanza, "setConfig", async () => plan);
}

/** Sends `n` requests keeping `window` of them queued (a full default mailbox); returns requests/s. */
async function burst(n: number, make: (done: () => void) => Promise<() => void> | (() => void), window = WINDOW): Promise<number> {
  let settled = 0;
  let sent = 0;
  let resolve!: () => void;
  const all = new Promise<void>((r) => (resolve = r));
  const send = await make(() => {
    if (++settled === n) resolve();
    else if (sent < n) {
      sent++;
      send();
    }
  });
  const t0 = performance.now();
  for (; sent < Math.min(window, n); ) {
    sent++;
    send();
  }
  await all;
  return n / ((performance.now() - t0) / 1000);
}

async function sequential(n: number, make: (done: () => void) => Promise<() => void> | (() => void)): Promise<number[]> {
  let wake!: () => void;
  const send = await make(() => wake());
  const latencies: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await new Promise<void>((r) => {
      wake = r;
      send();
    });
    latencies.push((performance.now() - t0) * 1000);
  }
  return latencies;
}

/** Requests kept queued. */
const WINDOW = 100;

/** A groupchat message as Conversations sends it: body, origin-id, receipt request, markable, chat state. */
const CLIENT_MESSAGE =
  '<message xmlns="jabber:component:accept" from="bench@example.org/Conversations.a1b2" to="bench@muc.example.org" type="groupchat" id="4f2c9f0e-3b8d-4a51-9a0e-0d4f3c2b1a99">' +
  "<body>On my way, see you at the station in ten minutes</body>" +
  '<origin-id xmlns="urn:xmpp:sid:0" id="4f2c9f0e-3b8d-4a51-9a0e-0d4f3c2b1a99"/>' +
  '<request xmlns="urn:xmpp:receipts"/><markable xmlns="urn:xmpp:chat-markers:0"/>' +
  '<active xmlns="http://jabber.org/protocol/chatstates"/></message>';

/**
 * Heap per groupchat message waiting in a room's mailbox (stanza, pending entry, queued request),
 * measured with the default mailbox full behind an `onText` that does not return.
 */
async function heapPerQueuedMessage(): Promise<number> {
  class Blocked extends LegacyRoom {
    override onText(): Promise<string> {
      return new Promise(() => {});
    }
  }
  const room = new Blocked(new Session("bench@example.org"), "bench");
  room.jid = "bench@muc.example.org";
  const actor = new RoomActor({ room, outbox: { send() {}, sendAll() {} }, mailboxSize: DEFAULT_MAILBOX_SIZE, callbackTimeoutMs: 600_000, avatars: new AvatarCache() });
  await new Promise((r) => setTimeout(r, 10));
  const first = parseElement(CLIENT_MESSAGE);
  actor.request(first, "message", textMessage(first, actor.archive));
  await new Promise((r) => setTimeout(r, 10));
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < DEFAULT_MAILBOX_SIZE; i++) {
    const stanza = parseElement(CLIENT_MESSAGE.replaceAll("4f2c9f0e", `${i}`.padStart(8, "0")));
    actor.request(stanza, "message", textMessage(stanza, actor.archive));
  }
  await new Promise((r) => setTimeout(r, 10));
  gc();
  const perMessage = (process.memoryUsage().heapUsed - before) / DEFAULT_MAILBOX_SIZE;
  if (actor.snapshot.context.mailbox.length !== DEFAULT_MAILBOX_SIZE) throw new Error("bench: the mailbox refused messages below its bound");
  await actor.shutdown(0);
  return perMessage;
}

/** Runs the mailbox benchmark. */
export async function mailboxBench(): Promise<Row[]> {
  const n = 20_000;
  const bare = (done: () => void) => {
    const send = bareActor(done);
    let i = 0;
    return () => send(i++);
  };
  const ours = (done: () => void) => mucstateRoom(done);
  await burst(2000, bare);
  await burst(2000, ours);
  const rates = { bare: [] as number[], ours: [] as number[] };
  for (let round = 0; round < 5; round++) {
    rates.bare.push(await burst(n, bare));
    rates.ours.push(await burst(n, ours));
  }
  const lat = { bare: await sequential(5000, bare), ours: await sequential(5000, ours) };
  const p50 = median(lat.ours) - median(lat.bare);
  const p99 = quantile(lat.ours, 0.99) - quantile(lat.bare, 0.99);
  const heaps: number[] = [];
  for (let i = 0; i < 5; i++) heaps.push(await heapPerQueuedMessage());
  const perMessage = median(heaps);
  return [
    row("mailbox", `requests/s (${n} requests, ${WINDOW} queued, median of ${rates.ours.length})`, rates.ours, "req/s", rates.bare, "target ≥ 20,000/s"),
    row("mailbox", "latency p50, one at a time", median(lat.ours), "µs", median(lat.bare)),
    row("mailbox", "latency p99, one at a time", quantile(lat.ours, 0.99), "µs", quantile(lat.bare, 0.99)),
    row("mailbox", "added latency p50 / p99", p50, "µs", undefined, `p99 +${p99.toFixed(1)} µs over the bare actor`),
    row(
      "mailbox",
      `heap per groupchat message waiting in the mailbox (median of ${heaps.length})`,
      heaps,
      "B",
      undefined,
      `a Conversations message (body, origin-id, receipt request, markable, chat state); at the default bound (${DEFAULT_MAILBOX_SIZE}): ${((perMessage * DEFAULT_MAILBOX_SIZE) / 2 ** 20).toFixed(2)} MiB per room`,
    ),
  ];
}
