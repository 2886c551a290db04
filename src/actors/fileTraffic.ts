/**
 * What `participant.sendFile` becomes: a checked file, its bytes uploaded first (XEP-0363), then
 * a message report like `sendText`'s whose body is the URL and which carries the XEP-0066 and
 * XEP-0447 elements. While a file uploads, the room's later reports wait behind it, so that the
 * user sees what the participant sent in the order the plugin sent it.
 */
import type { Element } from "@xmpp/component";
import type { LegacyParticipant, SendTextOptions } from "../legacy/LegacyParticipant.js";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import type { OutgoingFile } from "../legacy/files.js";
import type { PluginTraffic } from "../legacy/RoomHost.js";
import { oobElement } from "../protocol/xep0066.js";
import { type SharedFile, fileSharingElement } from "../protocol/xep0447.js";
import { XMPPError } from "../protocol/xmppError.js";
import type { FileUploader } from "../transport/httpUpload.js";

/** The media type of bytes sent without one. */
const OCTET_STREAM = "application/octet-stream";

/** An uploader for a gateway without one (e.g. unit tests): every upload fails and says why. */
export const NO_UPLOADS: FileUploader = {
  upload: (file) => Promise.reject(new XMPPError("service-unavailable", `Cannot upload ${file.name}: this gateway has no XEP-0363 upload service`)),
};

/** Checks what a plugin gave `sendFile`; throws a TypeError that says what is wrong. */
function checkOutgoingFile(file: OutgoingFile): void {
  if (typeof file !== "object" || file === null) throw new TypeError("sendFile: expected { url } or { data, name }");
  const optional = (key: "name" | "mime", value: unknown) => {
    if (value !== undefined && (typeof value !== "string" || value === "")) throw new TypeError(`sendFile: ${key} must be a non-empty string`);
  };
  optional("name", file.name);
  optional("mime", file.mime);
  if (file.size !== undefined && !(Number.isInteger(file.size) && file.size >= 0)) throw new TypeError("sendFile: size must be a non-negative integer");
  if ("data" in file) {
    if (!(file.data instanceof Uint8Array)) throw new TypeError("sendFile: data must be a Uint8Array (or a Buffer)");
    if (typeof file.name !== "string" || file.name === "" || file.name.includes("/")) throw new TypeError("sendFile: data needs a name without /");
    if (file.size !== undefined && file.size !== file.data.byteLength) {
      throw new TypeError(`sendFile: size is ${file.size} but data has ${file.data.byteLength} bytes`);
    }
    if ("url" in file) throw new TypeError("sendFile: give url or data, not both");
  } else if (typeof file.url !== "string" || file.url.trim() === "") {
    throw new TypeError("sendFile: expected a url (a non-empty string) or data");
  }
}

/** The elements that go with a file's URL in the body: XEP-0066, and XEP-0447 when something is known of the file. */
export function fileElements(file: SharedFile): Element[] {
  const { url, ...metadata } = file;
  const known = Object.values(metadata).some((v) => v !== undefined);
  return [oobElement({ url }), ...(known ? [fileSharingElement(file)] : [])];
}

/**
 * Keeps a room's reports in order while files upload: a report made while a file ahead of it
 * uploads waits for it; each waiting file is told when its upload ends (or dropped if it failed).
 */
export class ReportOrder {
  readonly #room: Pick<LegacyRoom, "_host">;
  #queue: { ready: boolean; traffic: PluginTraffic | undefined }[] = [];
  #draining = false;

  /**
   * Reports go to the room's host of the moment: the adapter again, a new activation's (the room
   * was passivated meanwhile), or none (it was stopped: they are dropped like any late report).
   */
  constructor(room: Pick<LegacyRoom, "_host">) {
    this.#room = room;
  }

  /** True, and the report is kept, when a file ahead of it is still uploading. */
  holds(traffic: PluginTraffic): boolean {
    if (this.#draining || this.#queue.length === 0) return false;
    this.#queue.push({ ready: true, traffic });
    return true;
  }

  /** Reports what `work` resolves to once it and everything ahead of it are done. */
  after(work: Promise<PluginTraffic>): Promise<void> {
    const entry: { ready: boolean; traffic: PluginTraffic | undefined } = { ready: false, traffic: undefined };
    this.#queue.push(entry);
    return work
      .then((traffic) => {
        entry.traffic = traffic;
      })
      .finally(() => {
        entry.ready = true;
        this.#drain();
      });
  }

  #drain(): void {
    this.#draining = true;
    try {
      while (this.#queue[0]?.ready) {
        const { traffic } = this.#queue.shift() as { traffic: PluginTraffic | undefined };
        if (traffic) this.#room._host?.tell(traffic);
      }
    } finally {
      this.#draining = false;
    }
  }
}

/**
 * Sends a participant's file (see the module comment): by URL at once (after any upload still
 * ahead of it), by bytes once `uploader` has uploaded them. Resolves when the message is reported;
 * rejects, and reports nothing, when the upload fails.
 */
export function sendFile(
  order: ReportOrder,
  uploader: FileUploader,
  participant: LegacyParticipant,
  file: OutgoingFile,
  options: SendTextOptions,
): Promise<void> {
  try {
    checkOutgoingFile(file);
  } catch (error) {
    return Promise.reject(error);
  }
  const report = (shared: SharedFile): PluginTraffic => ({ kind: "message", participant, body: shared.url, options, file: shared });
  if (!("data" in file)) {
    // Through the queue even when nothing uploads: a report made right after it waits for it.
    return order.after(Promise.resolve(report({ url: file.url.trim(), name: file.name, mime: file.mime, size: file.size })));
  }
  const mime = file.mime ?? OCTET_STREAM;
  const upload = uploader.upload({ data: file.data, name: file.name, mime });
  return order.after(upload.then((url) => report({ url, name: file.name, mime, size: file.data.byteLength })));
}
