import { afterEach, describe, expect, it } from "vitest";
import { type WebClient, startWebClient } from "../../src/demo/webClient.js";

describe("the demo's web client server", () => {
  let web: WebClient | undefined;
  afterEach(async () => {
    await web?.close();
  });

  it("serves the page, its start script and Converse's dist/ only, under a policy that keeps the page on loopback (and Prosody's uploads)", async () => {
    web = await startWebClient({ websocketUrl: "ws://127.0.0.1:5999/xmpp-websocket", jid: "alice@localhost", password: "pw", room: "lobby@muc.localhost" });
    const page = await fetch(web.url);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toContain("connect-src 'self' ws://127.0.0.1:5999 http://127.0.0.1:5999;");
    expect(page.headers.get("content-security-policy")).toContain("img-src 'self' data: blob: http://127.0.0.1:5999;");
    expect(await page.text()).not.toMatch(/https?:\/\//);
    const start = await (await fetch(new URL("start.js", web.url))).text();
    const settings = JSON.parse(start.slice(start.indexOf("(") + 1, start.lastIndexOf(")")));
    expect(settings).toMatchObject({
      websocket_url: "ws://127.0.0.1:5999/xmpp-websocket",
      discover_connection_methods: false,
      jid: "alice@localhost",
      password: "pw",
      auto_login: true,
      auto_join_rooms: ["lobby@muc.localhost"],
      muc_respect_autojoin: false,
      blacklisted_plugins: ["converse-omemo"],
    });
    const script = await fetch(new URL("dist/converse.min.js", web.url));
    expect([script.status, script.headers.get("content-type")]).toEqual([200, "text/javascript; charset=utf-8"]);
    await script.arrayBuffer();
    for (const path of ["dist/%2e%2e%2fpackage.json", "dist/images%2f..%2f..%2fpackage.json", "dist/", "package.json", "dist/nothing.js"]) {
      expect([path, (await fetch(new URL(path, web.url))).status]).toEqual([path, 404]);
    }
    expect((await fetch(web.url, { method: "POST" })).status).toBe(405);
  });
});
