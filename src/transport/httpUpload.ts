/**
 * The gateway's XEP-0363 client: it finds the upload service when the gateway comes online and
 * uploads the bytes that participants send (`participant.sendFile({ data })`): a slot requested
 * from the component's JID, then an HTTP PUT with Node's `fetch`.
 */
import { XMPPError } from "../protocol/xmppError.js";
import { discoItemJids, discoQuery } from "../protocol/xep0030.js";
import { parseSlot, parseUploadService, slotRequest } from "../protocol/xep0363.js";
import type { IqCaller } from "./iqCaller.js";

/** Bytes to upload, with the name and media type of the slot. */
export interface FileToUpload {
  data: Uint8Array;
  name: string;
  mime: string;
}

/** What rooms need of the uploader. */
export interface FileUploader {
  /**
   * Uploads the bytes and resolves with the URL they can be fetched from. Rejects with an
   * {@link XMPPError} that says why: no upload service, the file is too big, the service refused
   * the slot, or the PUT failed.
   */
  upload(file: FileToUpload, signal?: AbortSignal): Promise<string>;
}

/** An upload service the gateway found. */
export interface UploadService {
  jid: string;
  /** The largest file it takes, in bytes, when its disco#info says. */
  maxFileSize: number | undefined;
}

/** Options of {@link HttpUpload}. */
export interface HttpUploadOptions {
  /** The component domain: slot requests come from it. */
  domain: string;
  /**
   * The upload service's JID; `false`: none; undefined: the first one among the disco#items of
   * the server's domain (the component domain without its first label).
   */
  service: string | false | undefined;
  iqCaller: Pick<IqCaller, "request">;
  /** Tells the operator that there is no upload service, at start-up. */
  warn(message: string, error?: unknown): void;
  /** The HTTP client. @defaultValue the global `fetch` */
  fetch?: typeof fetch;
  /** Timeout of one PUT, in ms. @defaultValue 60000 */
  putTimeoutMs?: number;
}

/** How long a disco query of the discovery waits for its answer. */
const DISCO_TIMEOUT_MS = 5_000;

/** The server domain a component domain belongs to: `muc.example.org` → `example.org`. */
function serverDomainOf(componentDomain: string): string {
  const dot = componentDomain.indexOf(".");
  return dot === -1 ? componentDomain : componentDomain.slice(dot + 1);
}

/** The gateway's uploader (see the module comment). */
export class HttpUpload implements FileUploader {
  readonly #options: HttpUploadOptions;
  #found: Promise<UploadService | undefined> | undefined;

  constructor(options: HttpUploadOptions) {
    this.#options = options;
  }

  /** Finds the upload service (again, after a reconnection); warns when there is none. */
  discover(): Promise<UploadService | undefined> {
    const found = this.#find().catch((error: unknown) => {
      this.#options.warn("looking for an XEP-0363 upload service failed: participant.sendFile with bytes will fail", error);
      return undefined;
    });
    this.#found = found;
    return found;
  }

  async #find(): Promise<UploadService | undefined> {
    const { domain, service, iqCaller, warn } = this.#options;
    if (service === false) return undefined;
    const info = (jid: string) => iqCaller.request(discoQuery(domain, jid, "info"), DISCO_TIMEOUT_MS).then(parseUploadService);
    if (service !== undefined) {
      const named = await info(service).catch((error: unknown) => {
        warn(`the upload service ${service} did not answer disco#info: uploads go to it without a size limit`, error);
        return { maxFileSize: undefined };
      });
      if (!named) warn(`${service} does not list urn:xmpp:http:upload:0 in its disco#info: uploads may fail`);
      return { jid: service, maxFileSize: named?.maxFileSize };
    }
    const server = serverDomainOf(domain);
    // The gateway itself is one of the server's items: it is not asked.
    const items = discoItemJids(await iqCaller.request(discoQuery(domain, server, "items"), DISCO_TIMEOUT_MS)).filter((jid) => jid !== domain);
    const infos = await Promise.all(items.map((jid) => info(jid).catch(() => undefined)));
    const index = infos.findIndex(Boolean);
    if (index === -1) {
      warn(
        `no XEP-0363 upload service among the disco#items of ${server}: participant.sendFile with bytes will fail ` +
          "(enable one on the server, e.g. Prosody's mod_http_file_share, or name it with the uploadService option)",
      );
      return undefined;
    }
    return { jid: items[index] as string, maxFileSize: infos[index]?.maxFileSize };
  }

  /** See {@link FileUploader.upload}; waits for the discovery under way (or starts one). */
  async upload(file: FileToUpload, signal?: AbortSignal): Promise<string> {
    const { domain, iqCaller } = this.#options;
    const service = await (this.#found ?? this.discover());
    if (!service) {
      const why = this.#options.service === false ? "the gateway was started with uploadService: false" : "the server offers no XEP-0363 upload service";
      throw new XMPPError("service-unavailable", `Cannot upload ${file.name}: ${why}; send the file by its url instead`);
    }
    const size = file.data.byteLength;
    if (service.maxFileSize !== undefined && size > service.maxFileSize) {
      throw new XMPPError("not-acceptable", `${file.name} is ${size} bytes; the upload service ${service.jid} takes at most ${service.maxFileSize}`);
    }
    const slot = parseSlot(await iqCaller.request(slotRequest(domain, service.jid, { filename: file.name, size, contentType: file.mime })));
    const timeout = AbortSignal.timeout(this.#options.putTimeoutMs ?? 60_000);
    const response = await (this.#options.fetch ?? fetch)(slot.putUrl, {
      method: "PUT",
      body: file.data,
      headers: { ...slot.headers, "Content-Type": file.mime },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    if (!response.ok) {
      throw new XMPPError("service-unavailable", `The upload of ${file.name} to ${service.jid} failed: HTTP ${response.status}`);
    }
    return slot.getUrl;
  }
}
