/**
 * `mucstate demo --web`: Converse.js (the npm package `converse.js`, MPL-2.0, its `dist/` folder
 * served as published) on a loopback HTTP port, with a page that logs the demo user in over the
 * demo Prosody's websocket and joins one room. Nothing on the page comes from another host.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, extname, join, normalize, sep } from "node:path";

/** Options of {@link startWebClient}. */
export interface WebClientOptions {
  /** The XMPP-over-websocket endpoint, e.g. `ws://127.0.0.1:5280/xmpp-websocket`. */
  websocketUrl: string;
  /** The account Converse logs in with. */
  jid: string;
  /** Its password (the page carries it: a demo on loopback only). */
  password: string;
  /** The room Converse joins once logged in. */
  room: string;
  /** Port on 127.0.0.1; default 0 (a free one). */
  port?: number;
}

/** The running web client. */
export interface WebClient {
  /** The page to open, `http://127.0.0.1:<port>/`. */
  url: string;
  /** Stops serving. */
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".gif": "image/gif",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".eot": "application/vnd.ms-fontobject",
  ".mp3": "audio/mpeg",
  ".ogg": "audio/ogg",
};

/** The folder of Converse's published build; throws, naming the install command, if it is missing. */
export function converseDist(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve("converse.js/dist/converse.min.js"));
  } catch {
    throw new Error("--web needs the npm package converse.js: run `npm ci` in mucstate (or `npm install converse.js@14.0.0`)");
  }
}

/** The start script: Converse's settings for this demo, with every fetch from another host turned off. */
export function webClientScript(options: WebClientOptions): string {
  const settings = {
    websocket_url: options.websocketUrl,
    discover_connection_methods: false,
    authentication: "login",
    jid: options.jid,
    password: options.password,
    auto_login: true,
    auto_reconnect: true,
    auto_join_rooms: [options.room],
    // The gateway also bookmarks the room with autojoin: one join is enough.
    muc_respect_autojoin: false,
    muc_nickname_from_jid: true,
    view_mode: "fullscreen",
    assets_path: "/dist/",
    i18n: "en",
    // OMEMO fetches a wasm file from the page root; the provider lists come from another host.
    blacklisted_plugins: ["converse-omemo"],
    autocomplete_providers_url: "",
    xmpp_providers_url: "",
    allow_registration: false,
    play_sounds: false,
    show_client_info: false,
  };
  return `import converse from "/dist/converse.min.js";\nconverse.initialize(${JSON.stringify(settings, null, 2)});\n`;
}

/** The page: Converse's style sheet and the start script, nothing inline. */
const PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>mucstate demo</title><link rel="icon" href="/dist/images/favicon.ico">
<link rel="stylesheet" href="/dist/converse.min.css"><script type="module" src="/start.js"></script>
</head><body></body></html>
`;

/**
 * What the page may load: this server, the websocket, and the files uploaded to the same Prosody
 * HTTP port (XEP-0363) only. Converse's login screen shows sponsor logos from its own website;
 * the browser does not fetch them.
 */
const policy = (websocketUrl: string) => {
  const prosody = new URL(websocketUrl).origin.replace(/^ws/, "http");
  return [
    "default-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob: ${prosody}`,
    `media-src 'self' data: blob: ${prosody}`,
    "font-src 'self' data:",
    `connect-src 'self' ${prosody.replace(/^http/, "ws")} ${prosody}`,
    "worker-src 'self' blob:",
    "frame-src 'none'",
  ].join("; ");
};

/** Serves the page at `/` and Converse's `dist/` at `/dist/`, on 127.0.0.1. */
export async function startWebClient(options: WebClientOptions): Promise<WebClient> {
  const dist = converseDist();
  const generated: Record<string, [string, string]> = {
    "/": ["text/html; charset=utf-8", PAGE],
    "/start.js": ["text/javascript; charset=utf-8", webClientScript(options)],
  };
  const csp = policy(options.websocketUrl);
  const server = createServer((request, response) => {
    response.setHeader("content-security-policy", csp);
    serve(request, response, dist, generated).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: options.port ?? 0 }, resolve);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serve(request: IncomingMessage, response: ServerResponse, dist: string, generated: Record<string, [string, string]>): Promise<void> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.writeHead(405, { allow: "GET, HEAD" }).end();
    return;
  }
  const path = decodeURIComponent(new URL(request.url ?? "/", "http://host").pathname);
  const own = generated[path];
  if (own) {
    response.writeHead(200, { "content-type": own[0], "cache-control": "no-store" });
    response.end(request.method === "HEAD" ? undefined : own[1]);
    return;
  }
  const file = path.startsWith("/dist/") ? normalize(join(dist, path.slice("/dist/".length))) : undefined;
  const info = file?.startsWith(dist + sep) ? await stat(file).catch(() => undefined) : undefined;
  if (!file || !info?.isFile()) {
    response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
    return;
  }
  response.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "content-length": info.size });
  if (request.method === "HEAD") response.end();
  else createReadStream(file).pipe(response);
}
