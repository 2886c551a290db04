/**
 * The components of the roundtrip benchmark in a process of their own, as a gateway runs in
 * production (and as bench/joinComponents.ts does for the join): the measuring client then does
 * not share an event loop with what it measures. It hosts
 *
 * - the fixture gateway on `muc.localhost`, on the SQLite store (a file), default options,
 * - the same gateway on `mem.localhost` with the in-memory store, and
 * - a bare component on `echo.localhost` that echoes every groupchat message from
 *   `room/<sender's local part>` with a stanza-id and an occupant-id: the baseline.
 *
 * Options come as JSON in `ROUNDTRIP_COMPONENTS`. It sends `"ready"` once all three are online,
 * answers `{ op: "cpu" }` with its CPU time so far (µs, user + system), and stops when the
 * parent goes.
 */
import { type Component, xml } from "@xmpp/component";
import { createMemoryStore } from "../src/store/memoryStore.js";
import { openSqliteStore } from "../src/store/sqliteStore.js";
import type { ProsodyHandle } from "../src/testbed/prosody.js";
import { type BenchRoom, startComponent, startFixtureGateway, stopComponent, stopGateway } from "./xmpp.js";

/** What the parent passes. */
export interface RoundtripComponentsOptions {
  service: string;
  secret: string;
  /** The SQLite file of the `muc.localhost` gateway. */
  store: string;
  rooms: BenchRoom[];
}

/** A bare component on `domain` that echoes groupchat messages from `room/<sender's local part>`. */
export async function startEchoComponent(prosody: Pick<ProsodyHandle, "service" | "secret">, domain = "echo.localhost"): Promise<Component> {
  const entity = await startComponent(prosody as ProsodyHandle, domain);
  let n = 0;
  entity.on("stanza", (s) => {
    if (!s.is("message") || s.attrs.type !== "groupchat") return;
    const room = s.attrs.to as string;
    const from = s.attrs.from as string;
    const sid = `echo-${++n}`;
    void entity
      .send(
        xml(
          "message",
          { from: `${room}/${from.split("@")[0]}`, to: from, type: "groupchat", id: s.attrs.id },
          xml("body", {}, s.getChildText("body") ?? ""),
          xml("stanza-id", { xmlns: "urn:xmpp:sid:0", id: sid, by: room }),
          xml("occupant-id", { xmlns: "urn:xmpp:occupant-id:0", id: "Yq3iHBWvTu0NfdbRMPB8w2eK" }),
        ),
      )
      .catch(() => {});
  });
  return entity;
}

/** CPU time of this process so far, µs. */
const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

if (process.env.ROUNDTRIP_COMPONENTS && process.send) {
  const options = JSON.parse(process.env.ROUNDTRIP_COMPONENTS) as RoundtripComponentsOptions;
  const prosody = { service: options.service, secret: options.secret };
  const store = openSqliteStore(options.store, { retentionDays: Number.POSITIVE_INFINITY });
  const users = ["alice@localhost"];
  const gateway = await startFixtureGateway(prosody as ProsodyHandle, "muc.localhost", users, options.rooms, store);
  const memory = await startFixtureGateway(prosody as ProsodyHandle, "mem.localhost", users, options.rooms, createMemoryStore({ retentionDays: Number.POSITIVE_INFINITY }));
  const echo = await startEchoComponent(prosody);
  process.on("message", (command: { op: "cpu" }) => {
    if (command.op === "cpu") process.send?.({ cpu: cpuMicros() });
  });
  process.on("disconnect", () => {
    void Promise.all([stopComponent(echo), stopGateway(gateway), stopGateway(memory)]).finally(() => {
      store.close();
      process.exit(0);
    });
  });
  process.send("ready");
}
