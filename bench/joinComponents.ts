/**
 * The components of the join benchmark in a process of their own, as a gateway runs in
 * production: the measuring client then does not share an event loop with the gateway (Prosody,
 * the native baseline, has a process of its own too). It hosts
 *
 * - the fixture gateway on `muc.localhost`, on the SQLite store, and
 * - a relay on `push.localhost` that answers a join with the stanzas the gateway sends (the
 *   occupants' presences, the self-presence, the subject), serialized once per room and joining
 *   address and written in one socket write: the floor for moving those stanzas through Prosody.
 *
 * Options come as JSON in `JOIN_COMPONENTS`; it sends `"ready"` once both are online, answers
 * `{ op: "heap" }` with the heap of a filled 1,000-participant room, and stops when the parent
 * goes.
 */
import { randomBytes } from "node:crypto";
import { type Component, xml } from "@xmpp/component";
import type { ProsodyHandle } from "../src/testbed/prosody.js";
import { openSqliteStore } from "../src/store/sqliteStore.js";
import { type BenchRoom, MUC, gc, startComponent, startFixtureGateway, stopComponent, stopGateway } from "./xmpp.js";

/** What the parent passes. */
export interface JoinComponentsOptions {
  service: string;
  secret: string;
  store: string;
  rooms: BenchRoom[];
  /** Rooms `heap0..` whose filled heap `{ op: "heap" }` measures. */
  heapRooms: number;
}

const occupantId = () => randomBytes(18).toString("base64url");
const userX = (...children: ReturnType<typeof xml>[]) => xml("x", { xmlns: `${MUC}#user` }, ...children);

/** The relay on `push.localhost`: room `rN` has N occupants; see the module comment. */
async function startRelay(prosody: Pick<ProsodyHandle, "service" | "secret">): Promise<Component> {
  const entity = await startComponent(prosody as ProsodyHandle, "push.localhost");
  const occupants = new Map<string, string>();
  /** The occupants' presences of a room to one address, serialized once. */
  const occupantsOf = (bare: string, to: string) => {
    const key = `${bare} ${to}`;
    let text = occupants.get(key);
    if (text === undefined) {
      const n = Number(bare.split("@")[0]!.slice(1));
      text = "";
      for (let i = 1; i <= n; i++) {
        const item = xml("item", { affiliation: "member", role: "participant" });
        text += xml("presence", { from: `${bare}/p${i}`, to }, userX(item), xml("occupant-id", { xmlns: "urn:xmpp:occupant-id:0", id: occupantId() })).toString();
      }
      occupants.set(key, text);
    }
    return text;
  };
  entity.on("stanza", (s) => {
    if (!s.is("presence")) return;
    const [bare, nick] = (s.attrs.to as string).split("/") as [string, string];
    const to = s.attrs.from as string;
    const self = (type?: string, id?: string) =>
      xml(
        "presence",
        { from: `${bare}/${nick}`, to, id, type },
        userX(xml("item", { affiliation: "member", role: type ? "none" : "participant", jid: to }), xml("status", { code: "100" }), xml("status", { code: "110" })),
        xml("occupant-id", { xmlns: "urn:xmpp:occupant-id:0", id: "bench-self-occupant-id-0" }),
      ).toString();
    if (s.attrs.type === "unavailable") return void entity.write(self("unavailable"));
    const subject = xml("message", { from: bare, to, type: "groupchat" }, xml("subject")).toString();
    void entity.write(occupantsOf(bare, to) + self(undefined, s.attrs.id) + subject);
  });
  return entity;
}

if (process.env.JOIN_COMPONENTS && process.send) {
  const options = JSON.parse(process.env.JOIN_COMPONENTS) as JoinComponentsOptions;
  const store = openSqliteStore(options.store, { retentionDays: Number.POSITIVE_INFINITY });
  const prosody = { service: options.service, secret: options.secret } as ProsodyHandle;
  const gateway = await startFixtureGateway(prosody, "muc.localhost", ["alice@localhost"], options.rooms, store);
  const relay = await startRelay(prosody);
  process.on("message", async (command: { op: "heap" }) => {
    if (command.op !== "heap") return;
    const session = (await gateway.sessions.get("alice@localhost"))!;
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < options.heapRooms; i++) {
      // After updateInfo: while it runs the room is muted, and getParticipants() does not wait for the fill.
      const actor = await gateway.registry.get(session, `heap${i}`);
      await actor.read("info");
      await actor.room.getParticipants();
    }
    gc();
    process.send?.({ heapPerRoom: (process.memoryUsage().heapUsed - before) / options.heapRooms });
  });
  process.on("disconnect", () => {
    void Promise.all([stopComponent(relay), stopGateway(gateway)]).finally(() => {
      store.close();
      process.exit(0);
    });
  });
  process.send("ready");
}
