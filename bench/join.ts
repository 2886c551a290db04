/**
 * join: a real client's join presence → subject received, through Prosody, for fixture rooms of
 * 10, 100 and 1,000 generated participants. Baseline in the same run: a bare component on the
 * same Prosody that answers the join with the same number of pre-built presences and a subject
 * (the floor for moving those stanzas through Prosody). Also the gateway's heap per filled room.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { client, xml as clientXml } from "@xmpp/client";
import { component, xml } from "@xmpp/component";
import { createGateway } from "../src/createGateway.js";
import { createMemoryStore } from "../src/store/memoryStore.js";
import { createCallLog } from "../src/demo/callLog.js";
import { parseFixture } from "../src/demo/fixture.js";
import { createFixtureNetwork } from "../src/demo/fixtureNetwork.js";
import { startProsody } from "../src/testbed/prosody.js";
import { type Row, median, row } from "./stats.js";

const SIZES = [10, 100, 1000];
const JOINS = 15;
const HEAP_ROOMS = 20;
const MUC = "http://jabber.org/protocol/muc";

function gc() {
  (globalThis as { gc?: () => void }).gc?.();
}

/** A bare component that answers any join with `n` occupant presences, the self-presence and a subject. */
async function startPushComponent(service: string, secret: string) {
  const entity = component({ service, domain: "push.localhost", password: secret });
  entity.on("error", () => {});
  entity.on("stanza", (s) => {
    if (!s.is("presence") || s.attrs.type === "unavailable") return;
    const [bare, nick] = (s.attrs.to as string).split("/");
    const n = Number(bare!.split("@")[0]!.slice(1));
    const to = s.attrs.from as string;
    for (let i = 1; i <= n; i++) {
      void entity.send(xml("presence", { from: `${bare}/p${i}`, to }, xml("x", { xmlns: `${MUC}#user` }, xml("item", { affiliation: "member", role: "participant" }))));
    }
    void entity.send(xml("presence", { from: `${bare}/${nick}`, to, id: s.attrs.id }, xml("x", { xmlns: `${MUC}#user` }, xml("item", { affiliation: "member", role: "participant" }), xml("status", { code: "110" }))));
    void entity.send(xml("message", { from: bare, to, type: "groupchat" }, xml("subject", {}, "s")));
  });
  await entity.start();
  // The gateway's connection sets TCP_NODELAY; so does the baseline, for a fair comparison.
  (entity.socket as unknown as { setNoDelay(on: boolean): void }).setNoDelay(true);
  return entity;
}

/** Runs the join benchmark. */
export async function joinBench(): Promise<Row[]> {
  const prosody = await startProsody({ components: ["muc.localhost", "push.localhost"] });
  const rows: Row[] = [];
  try {
    await prosody.registerUser("alice", "pw");
    const fixture = parseFixture({
      users: ["alice@localhost"],
      rooms: [
        ...SIZES.map((n) => ({ id: `r${n}`, generatedParticipants: n, userNick: "alice" })),
        { id: "r10000", generatedParticipants: 10_000, userNick: "alice" },
        ...Array.from({ length: HEAP_ROOMS }, (_, i) => ({ id: `heap${i}`, generatedParticipants: 1000 })),
      ],
    });
    const gateway = createGateway({
      domain: "muc.localhost",
      secret: prosody.secret,
      service: prosody.service,
      plugin: createFixtureNetwork(fixture, createCallLog(undefined)),
      store: createMemoryStore({ retentionDays: Number.POSITIVE_INFINITY }),
    });
    await gateway.start();
    const push = await startPushComponent(prosody.service, prosody.secret);
    const xmpp = client({ service: `xmpp://127.0.0.1:${prosody.c2sPort}`, domain: "localhost", username: "alice", password: "pw", resource: "bench" });
    xmpp.on("error", () => {});
    let onSubject: (() => void) | undefined;
    xmpp.on("stanza", (s) => {
      if (s.is("message") && s.getChild("subject")) onSubject?.();
    });
    await xmpp.start();
    // Like the gateway's own socket: no Nagle delay on the client's small writes.
    (xmpp as unknown as { socket?: { setNoDelay?: (on: boolean) => void } }).socket?.setNoDelay?.(true);
    const join = async (room: string) => {
      const done = new Promise<void>((r) => (onSubject = r));
      const t0 = performance.now();
      await xmpp.send(clientXml("presence", { to: `${room}/alice` }, clientXml("x", { xmlns: MUC })));
      await done;
      const ms = performance.now() - t0;
      await xmpp.send(clientXml("presence", { to: `${room}/alice`, type: "unavailable" }));
      await new Promise((r) => setTimeout(r, 20));
      return ms;
    };
    for (const n of SIZES) {
      const first = await join(`r${n}@muc.localhost`);
      const ours: number[] = [];
      const bare: number[] = [];
      for (let i = 0; i < JOINS; i++) {
        bare.push(await join(`r${n}@push.localhost`));
        ours.push(await join(`r${n}@muc.localhost`));
      }
      rows.push(row("join", `${n} occupants, warm join (median of ${JOINS})`, median(ours), "ms", median(bare), "baseline: bare push component"));
      rows.push(row("join", `${n} occupants, first join (updateInfo + fill)`, first, "ms"));
    }
    // join-10k: the event loop must not stall while 10,000 presences stream out.
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const first10k = await join("r10000@muc.localhost");
    const warm10k = await join("r10000@muc.localhost");
    loop.disable();
    rows.push(row("join-10k", "10,000 occupants, first / warm join", first10k, "ms", undefined, `warm ${warm10k.toFixed(0)} ms`));
    rows.push(row("join-10k", "max event-loop delay during the joins", loop.max / 1e6, "ms", undefined, "target ≤ 50 ms"));
    // Heap of a filled 1,000-participant room: HEAP_ROOMS more rooms, filled, after gc.
    const session = (await gateway.sessions.get("alice@localhost"))!;
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < HEAP_ROOMS; i++) await (await gateway.registry.get(session, `heap${i}`)).ensureParticipants();
    gc();
    const perRoom = (process.memoryUsage().heapUsed - before) / HEAP_ROOMS;
    rows.push(row("join", "heap of a filled 1,000-participant room", perRoom / 2 ** 20, "MiB", undefined, `${(perRoom / 1000).toFixed(0)} B per participant, ${HEAP_ROOMS} rooms`));
    rows.push(row("join", "gateway process RSS", process.memoryUsage().rss / 2 ** 20, "MiB"));
    await xmpp.stop();
    await push.stop();
    await gateway.stop();
  } finally {
    await prosody.stop({ removeDir: true });
  }
  return rows;
}
