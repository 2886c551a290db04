/**
 * The live inspector: a small HTTP server (node:http, loopback by default) that shows every room
 * actor of a gateway, following them through `gateway.rooms` (`inspector.watch`). The model is
 * `inspectorState.ts`, the page `inspectorPage.ts`; this file validates the options, serves them
 * and pushes changes as server-sent events.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import { isIP } from "node:net";
import type { RoomLifecycle } from "../actors/roomLifecycle.js";
import { roomMachine } from "../machines/roomMachine.js";
import { SLOW_MS } from "./callTimeline.js";
import { toChartJson } from "./chart.js";
import { toStateDetails } from "./chartDetails.js";
import { inspectorPage } from "./inspectorPage.js";
import { InspectorModel, type RoomView } from "./inspectorState.js";
import { MAX_JID_LENGTH, SearchLimiter } from "./jidSearch.js";
import { toSvg } from "./svg.js";

export type { CallInFlight, EventCategory, InspectedEvent, RoomStatus, RoomView, TimelineBar } from "./inspectorViews.js";

/** Options of {@link createInspector}. */
export interface InspectorOptions {
  /** TCP port; 0 picks a free one (read it from {@link Inspector.url}). @defaultValue 0 */
  port?: number;
  /** Address to bind. Anything but a loopback address needs a `token`. @defaultValue `"127.0.0.1"` */
  host?: string;
  /**
   * A secret every request must carry, as `?token=` or `Authorization: Bearer`; without it: 401.
   * Required when `host` is not a loopback address. @defaultValue none
   */
  token?: string;
  /**
   * Full detail for local debugging: real JIDs, resources, error texts, whole events and the
   * machine context. By default the inspector shows event types, request kinds and ids, error
   * conditions, counts and timings, JIDs with hashed local parts and resources as hashes.
   * @defaultValue false
   */
  detail?: boolean;
  /** Events kept and shown per room. @defaultValue 50 */
  maxEvents?: number;
}

/** A running inspector; see {@link createInspector}. */
export interface Inspector {
  /**
   * Follows a gateway's rooms: `inspector.watch(gateway.rooms)` right after `createGateway`
   * (rooms created before are not shown). Returns the function that stops following new rooms.
   */
  watch(rooms: RoomLifecycle): () => void;
  /** The page's address, with the token when there is one. */
  readonly url: string;
  /** Tells that the gateway shuts down: rooms stopping from now on show as `stopped`, not `passivated`. */
  markShutdown(): void;
  /** Pushes the last changes, ends the event streams and closes the server. */
  close(): Promise<void>;
}

/** The rooms of one user, as `GET /api/rooms` lists them. */
export interface UserGroup {
  /** The user's JID, as {@link RoomView.user} shows it. */
  user: string;
  /** The user's rooms. */
  rooms: RoomView[];
}

/** Fewest milliseconds between two pushes to the page (at most 10 a second). */
const PUSH_INTERVAL_MS = 100;
const KEEPALIVE_MS = 15_000;

/**
 * Starts the live inspector: a page that lists every room actor by user with its lifecycle
 * state, mailbox depth, callback in flight and last events, and draws the selected room's chart
 * with its active states highlighted, updated live.
 *
 * @remarks
 * Routes: `GET /` the page (with the chart and the rooms as they are, so that it is complete
 * when loaded), `GET /api/rooms` the rooms grouped by user (JSON), `GET /api/chart` the room
 * machine as {@link toChartJson} data, `GET /api/states` each of its states as
 * `toStateDetails` (`chartDetails.ts`) describes it, `GET /chart.svg` its drawing, `GET /events`
 * server-sent events (`snapshot`, then `rooms` with the rooms that changed, at most 10 a
 * second). Without a token, requests whose `Host` is not a loopback name are refused (403), so
 * that a web page cannot reach the inspector through DNS rebinding.
 *
 * @throws TypeError for a bad option, and when `host` is not a loopback address and no `token` is given.
 *
 * @example
 * ```ts
 * const inspector = await createInspector({ port: 7777 });
 * const gateway = createGateway(options);
 * inspector.watch(gateway.rooms);
 * console.log(`inspector: ${inspector.url}`);
 * ```
 */
export async function createInspector(options: InspectorOptions = {}): Promise<Inspector> {
  const { port = 0, host = "127.0.0.1", token, detail = false, maxEvents = 50 } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError("port option must be an integer from 0 to 65535");
  if (typeof host !== "string" || host === "") throw new TypeError("host option must be a non-empty string");
  if (token !== undefined && (typeof token !== "string" || token === "")) throw new TypeError("token option must be a non-empty string");
  if (token === undefined && !isLoopback(host)) {
    throw new TypeError(`token option is required when host is not a loopback address (host: ${host})`);
  }
  if (!Number.isInteger(maxEvents) || maxEvents < 1) throw new TypeError("maxEvents option must be a positive integer");

  const chart = toChartJson(roomMachine);
  const chartJson = JSON.stringify(chart);
  const states = toStateDetails(chart);
  const statesJson = JSON.stringify(states);
  let svg: Promise<string> | undefined;
  const draw = () => (svg ??= toSvg(roomMachine));
  const schedule = () => {
    if (timer || closed) return;
    timer = setTimeout(flush, Math.max(0, lastPush + PUSH_INTERVAL_MS - Date.now()));
    timer.unref();
  };
  const model = new InspectorModel({ chart, detail, maxEvents, onObserved: schedule });
  const clients = new Set<ServerResponse>();
  const state = () => ({ at: Date.now(), detail, slowMs: SLOW_MS, users: groupByUser(model.rooms()) });
  const searches = new SearchLimiter();
  let timer: NodeJS.Timeout | undefined;
  let lastPush = 0;
  let closed = false;

  const flush = () => {
    timer = undefined;
    lastPush = Date.now();
    const rooms = model.takeChanged();
    if (rooms.length > 0) for (const res of clients) sendEvent(res, "rooms", { at: lastPush, rooms });
  };
  const keepalive = setInterval(() => {
    for (const res of clients) res.write(": keepalive\n\n");
  }, KEEPALIVE_MS);
  keepalive.unref();

  const server = createServer((req, res) => {
    const refusal = refuse(req, token);
    if (refusal) return void send(res, refusal.status, "text/plain", `${refusal.text}\n`, refusal.headers);
    const path = new URL(req.url ?? "/", "http://inspector").pathname;
    if (path === "/api/find") return void find(req, res, searches, (jid) => model.find(jid));
    if (req.method !== "GET" && req.method !== "HEAD") return void send(res, 405, "text/plain", "GET only\n", { Allow: "GET, HEAD" });
    switch (path) {
      case "/": {
        const nonce = randomBytes(16).toString("base64");
        const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
        const page = (chartSvg: string | undefined) => inspectorPage(nonce, { chart: chartSvg, states, initial: state() });
        return void draw().then(
          (text) => send(res, 200, "text/html; charset=utf-8", page(text), { "Content-Security-Policy": csp }),
          () => send(res, 200, "text/html; charset=utf-8", page(undefined), { "Content-Security-Policy": csp }),
        );
      }
      case "/api/rooms":
        return void send(res, 200, "application/json", JSON.stringify(state()));
      case "/api/chart":
        return void send(res, 200, "application/json", chartJson);
      case "/api/states":
        return void send(res, 200, "application/json", statesJson);
      case "/chart.svg":
        return void draw().then(
          (text) => send(res, 200, "image/svg+xml", text),
          () => send(res, 500, "text/plain", "Graphviz failed to draw the chart\n"),
        );
      case "/events":
        res.writeHead(200, { "Content-Type": "text/event-stream", ...HEADERS });
        res.write("retry: 1000\n\n");
        sendEvent(res, "snapshot", state());
        clients.add(res);
        req.on("close", () => clients.delete(res));
        return;
      default:
        return void send(res, 404, "text/plain", "Not found\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === "object" && address ? address.port : port;
  const query = token === undefined ? "" : `?token=${encodeURIComponent(token)}`;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${bound}/${query}`;

  return {
    watch: (rooms) => model.watch(rooms),
    url,
    markShutdown: () => model.markShutdown(),
    close() {
      closed = true;
      if (timer) {
        clearTimeout(timer);
        flush();
      }
      clearInterval(keepalive);
      for (const res of clients) res.end();
      clients.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Groups rooms by their user label; users and rooms sorted by label. */
export function groupByUser(rooms: readonly RoomView[]): UserGroup[] {
  const groups = new Map<string, RoomView[]>();
  for (const r of rooms) groups.set(r.user, [...(groups.get(r.user) ?? []), r]);
  return [...groups]
    .sort(([a], [b]) => compare(a, b))
    .map(([user, list]) => ({ user, rooms: list.sort((a, b) => compare(a.room, b.room)) }));
}

const HEADERS = { "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer" };

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body), ...HEADERS, ...headers });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

/**
 * `POST /api/find` with `{"jid": "…"}` (JSON only: a foreign page cannot send that without a
 * preflight, which is not answered): the ids of the rooms with that room or user JID, as
 * `{"found": [{"id", "as"}]}`; 429 beyond the search's rate (see jidSearch.ts).
 */
function find(req: IncomingMessage, res: ServerResponse, limiter: SearchLimiter, lookUp: (jid: string) => unknown[]): void {
  if (req.method !== "POST") return void send(res, 405, "text/plain", "POST only\n", { Allow: "POST" });
  if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) return void send(res, 415, "text/plain", "Send JSON\n");
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (chunk: string) => {
    body += chunk;
    if (body.length > MAX_JID_LENGTH + 100) req.destroy();
  });
  req.on("end", () => {
    let jid: unknown;
    try {
      jid = (JSON.parse(body) as { jid?: unknown }).jid;
    } catch {
      // Answered below.
    }
    if (typeof jid !== "string" || jid.trim() === "" || jid.length > MAX_JID_LENGTH) return void send(res, 400, "text/plain", "Give a JID as {\"jid\": \"…\"}\n");
    const wait = limiter.take();
    if (wait > 0) return void send(res, 429, "text/plain", "Too many searches; wait a moment\n", { "Retry-After": String(Math.ceil(wait / 1000)) });
    send(res, 200, "application/json", JSON.stringify({ found: lookUp(jid) }));
  });
}

function sendEvent(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** Why a request is refused: no or a wrong token (401), or, without a token, a foreign `Host` (403). */
function refuse(req: IncomingMessage, token: string | undefined): { status: number; text: string; headers?: Record<string, string> } | undefined {
  if (token === undefined) {
    let hostname = "";
    try {
      hostname = new URL(`http://${req.headers.host ?? ""}`).hostname;
    } catch {
      // An unparsable Host header is refused below.
    }
    return isLoopback(hostname) ? undefined : { status: 403, text: "Forbidden: the inspector answers loopback host names only" };
  }
  const given = new URL(req.url ?? "/", "http://inspector").searchParams.get("token") ?? bearer(req.headers.authorization);
  if (given !== undefined && sameSecret(given, token)) return undefined;
  return { status: 401, text: "Unauthorized: give the inspector's token", headers: { "WWW-Authenticate": "Bearer" } };
}

function bearer(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return match?.[1];
}

/** Compares two secrets in constant time (over their SHA-256 digests, so lengths do not leak). */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** True for `localhost`, 127.0.0.0/8 and ::1 (also bracketed, as in a URL). */
function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (h === "localhost" || h === "::1") return true;
  return isIP(h) === 4 && h.startsWith("127.");
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
