/**
 * A test bed for the edges of the transport: a real Prosody, a gateway whose one room per user
 * records what reaches `onText` and can fan out a burst from a participant, and, when asked, a
 * TCP proxy between the gateway and Prosody's component port that the test can cut.
 */
import { type Socket, connect, createServer } from "node:net";
import { join } from "node:path";
import { type Gateway, type GatewayOptions, createGateway } from "../../src/createGateway.js";
import { LegacyRoom } from "../../src/legacy/LegacyRoom.js";
import { LegacySession } from "../../src/legacy/LegacySession.js";
import { type ProsodyHandle, startProsody } from "../../src/testbed/prosody.js";

/** A room that records the bodies reaching `onText`; `bob` can send bursts. */
export class EdgeRoom extends LegacyRoom {
  readonly texts: string[] = [];
  override async updateInfo() {
    this.name = this.legacyId;
    this.type = "channel";
  }
  override async fillParticipants() {
    await this.getParticipant("bob");
  }
  override async onText(text: string) {
    this.texts.push(text);
    return undefined;
  }
  /** `bob` sends `count` messages `${prefix}${i}` (legacy ids the same), `perTurn` per event-loop turn. */
  async burst(count: number, prefix: string, perTurn = 200): Promise<void> {
    const bob = await this.getParticipant("bob");
    for (let i = 0; i < count; i++) {
      bob.sendText(`${prefix}${i}`, { legacyId: `${prefix}${i}` });
      if (i % perTurn === perTurn - 1) await new Promise((r) => setImmediate(r));
    }
  }
}

class EdgeSession extends LegacySession {
  readonly rooms = new Map<string, EdgeRoom>();
  override createRoom(legacyId: string) {
    const room = new EdgeRoom(this, legacyId);
    this.rooms.set(legacyId, room);
    return room;
  }
}

/** A TCP proxy to `port` on loopback whose connections the test can cut. */
export interface CuttableProxy {
  port: number;
  /** Connections made through it so far. */
  readonly connections: number;
  /** Closes every connection at once: both sides, dropping what the proxy has not forwarded. */
  cut(): void;
  close(): Promise<void>;
}

/** Starts a {@link CuttableProxy} in front of `127.0.0.1:targetPort`. */
export async function startProxy(targetPort: number): Promise<CuttableProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let connections = 0;
  const server = createServer((client) => {
    connections++;
    const upstream = connect(targetPort, "127.0.0.1");
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of pair) {
      s.setNoDelay(true);
      s.on("error", end);
      s.on("close", end);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    get connections() {
      return connections;
    },
    cut() {
      for (const [client, upstream] of [...pairs]) {
        // An abortive close towards the gateway: its socket dies with whatever it wrote in flight.
        client.resetAndDestroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Options of {@link startEdgeBed}. */
export interface EdgeBedOptions {
  domain: string;
  users: string[];
  /** Prosody's c2s_stanza_size_limit (to let a client send a big stanza). */
  c2sStanzaSizeLimit?: number;
  /** Connect the gateway through a {@link CuttableProxy}. */
  proxy?: boolean;
  gateway?: Partial<GatewayOptions>;
}

/** Prosody, users `users` (password "pw"), and a gateway with {@link EdgeRoom}s. */
export async function startEdgeBed(options: EdgeBedOptions) {
  const prosody: ProsodyHandle = await startProsody({ components: [options.domain], c2sStanzaSizeLimit: options.c2sStanzaSizeLimit });
  for (const user of options.users) await prosody.registerUser(user, "pw");
  const proxy = options.proxy ? await startProxy(prosody.componentPort) : undefined;
  const sessions = new Map<string, EdgeSession>();
  const warnings: string[] = [];
  const drops: string[] = [];
  const errors: unknown[] = [];
  const gateway: Gateway = createGateway({
    domain: options.domain,
    secret: prosody.secret,
    service: proxy ? `xmpp://127.0.0.1:${proxy.port}` : prosody.service,
    store: join(prosody.dir, "mucstate.sqlite"),
    plugin: {
      createSession(user) {
        const session = new EdgeSession(user);
        sessions.set(user, session);
        return session;
      },
    },
    onWarning: (message) => warnings.push(message),
    onDrop: (stanza, reason) => drops.push(`${reason}: ${stanza.name} ${stanza.attrs.id ?? ""}`),
    onError: (error) => errors.push(error),
    ...options.gateway,
  });
  let onlines = 0;
  gateway.connection.entity.on("online", () => onlines++);
  await gateway.start();
  return {
    prosody,
    proxy,
    gateway,
    warnings,
    drops,
    errors,
    /** How often the component came online (1 without a reconnect). */
    onlines: () => onlines,
    /** The room `legacyId` of `user` (bare JID), once a stanza created it. */
    room: (user: string, legacyId: string) => sessions.get(user)?.rooms.get(legacyId),
    async stop() {
      await gateway.stop().catch(() => {});
      await proxy?.close();
      await prosody.stop({ removeDir: true });
    },
  };
}
