/**
 * The gateway's XEP-0363 client, against a fake server: discovery of the upload service, the size
 * bound, the slot request from the component's JID, the PUT with the slot's allowed headers only,
 * and what it says when there is no service.
 */
import { type Element, xml } from "@xmpp/component";
import { describe, expect, it } from "vitest";
import { XMPPError } from "../../src/protocol/xmppError.js";
import { HttpUpload, type HttpUploadOptions } from "../../src/transport/httpUpload.js";
import { qualifiedTree } from "../helpers/stanzas.js";

const DISCO_INFO = "http://jabber.org/protocol/disco#info";
const DISCO_ITEMS = "http://jabber.org/protocol/disco#items";
const UPLOAD = "urn:xmpp:http:upload:0";

/** The disco#info result of an upload service taking files up to `max` bytes. */
function uploadInfo(max: number): Element {
  const form = xml(
    "x",
    { xmlns: "jabber:x:data", type: "result" },
    xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, UPLOAD)),
    xml("field", { var: "max-file-size" }, xml("value", {}, String(max))),
  );
  return xml("iq", { type: "result" }, xml("query", { xmlns: DISCO_INFO }, xml("feature", { var: UPLOAD }), form));
}

/** A fake server: answers disco and slot requests, records every iq and PUT. */
function fakeServer(items: string[], infos: Record<string, Element>) {
  const iqs: Element[] = [];
  const puts: { url: string; init: RequestInit }[] = [];
  const iqCaller = {
    request: async (iq: Element) => {
      iqs.push(iq);
      const query = iq.getChildElements()[0]!;
      if (query.attrs.xmlns === DISCO_ITEMS) return xml("iq", { type: "result" }, xml("query", { xmlns: DISCO_ITEMS }, ...items.map((jid) => xml("item", { jid }))));
      if (query.attrs.xmlns === DISCO_INFO) return infos[String(iq.attrs.to)] ?? xml("iq", { type: "result" }, xml("query", { xmlns: DISCO_INFO }));
      const put = xml(
        "put",
        { url: "https://up.example.org/put/1/a.txt" },
        xml("header", { name: "Authorization" }, "Bearer t0k3n"),
        xml("header", { name: "X-Evil" }, "no"),
      );
      return xml("iq", { type: "result" }, xml("slot", { xmlns: UPLOAD }, put, xml("get", { url: "https://up.example.org/get/1/a.txt" })));
    },
  };
  const fetch = (async (url: string, init: RequestInit) => {
    puts.push({ url, init });
    return new Response(null, { status: 201 });
  }) as unknown as typeof globalThis.fetch;
  return { iqs, puts, iqCaller, fetch };
}

const file = { data: new TextEncoder().encode("hello"), name: "a.txt", mime: "text/plain" };

function uploader(server: ReturnType<typeof fakeServer>, extra: Partial<HttpUploadOptions> = {}) {
  const warnings: string[] = [];
  const up = new HttpUpload({ domain: "muc.example.org", service: undefined, iqCaller: server.iqCaller, fetch: server.fetch, warn: (m) => void warnings.push(m), ...extra });
  return { up, warnings };
}

describe("the XEP-0363 uploader", () => {
  it("finds the service among the server's disco#items, skipping the gateway itself, asks it for a slot from the component's JID and PUTs with the allowed headers", async () => {
    const server = fakeServer(["muc.example.org", "pubsub.example.org", "upload.example.org"], { "upload.example.org": uploadInfo(1000) });
    const { up, warnings } = uploader(server);
    expect(await up.discover()).toEqual({ jid: "upload.example.org", maxFileSize: 1000 });
    expect(await up.upload(file)).toBe("https://up.example.org/get/1/a.txt");
    expect(server.iqs.map((iq) => `${iq.attrs.from} -> ${iq.attrs.to}`)).toEqual([
      "muc.example.org -> example.org",
      "muc.example.org -> pubsub.example.org",
      "muc.example.org -> upload.example.org",
      "muc.example.org -> upload.example.org",
    ]);
    const slot = server.iqs[3]!;
    expect(qualifiedTree(slot, "jabber:component:accept")).toEqual(["{jabber:component:accept}iq", `  {${UPLOAD}}request`]);
    expect(slot.getChild("request", UPLOAD)!.attrs).toMatchObject({ filename: "a.txt", size: "5", "content-type": "text/plain" });
    expect(server.puts.map((p) => [p.url, p.init.method, p.init.headers])).toEqual([
      ["https://up.example.org/put/1/a.txt", "PUT", { Authorization: "Bearer t0k3n", "Content-Type": "text/plain" }],
    ]);
    expect(warnings).toEqual([]);
  });

  it("refuses a file larger than the service's max-file-size before asking for a slot (not-acceptable)", async () => {
    const server = fakeServer(["upload.example.org"], { "upload.example.org": uploadInfo(4) });
    const { up } = uploader(server);
    const error = await up.upload(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(XMPPError);
    expect([(error as XMPPError).condition, (error as XMPPError).text]).toEqual(["not-acceptable", "a.txt is 5 bytes; the upload service upload.example.org takes at most 4"]);
    expect(server.iqs.some((iq) => iq.getChild("request", UPLOAD))).toBe(false);
    expect(server.puts).toEqual([]);
  });

  it("with no service: warns at discovery, and an upload fails with service-unavailable saying why", async () => {
    const server = fakeServer(["pubsub.example.org"], {});
    const { up, warnings } = uploader(server);
    expect(await up.discover()).toBeUndefined();
    expect(warnings).toEqual([expect.stringContaining("no XEP-0363 upload service among the disco#items of example.org")]);
    await expect(up.upload(file)).rejects.toMatchObject({ condition: "service-unavailable", text: expect.stringContaining("the server offers no XEP-0363 upload service") });
    const off = uploader(server, { service: false });
    expect(await off.up.discover()).toBeUndefined();
    expect(off.warnings).toEqual([]);
    await expect(off.up.upload(file)).rejects.toThrow("uploadService: false");
  });

  it("uses a named service without looking among the items, and reports a failed PUT", async () => {
    const server = fakeServer([], { "files.example.net": uploadInfo(100) });
    server.fetch = (async () => new Response(null, { status: 413 })) as unknown as typeof fetch;
    const { up } = uploader(server, { service: "files.example.net" });
    expect(await up.discover()).toEqual({ jid: "files.example.net", maxFileSize: 100 });
    await expect(up.upload(file)).rejects.toThrow("The upload of a.txt to files.example.net failed: HTTP 413");
  });
});
