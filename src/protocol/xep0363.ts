/**
 * XEP-0363: HTTP File Upload, version 1.2.0
 * https://xmpp.org/extensions/xep-0363.html
 *
 * Discovering the upload service (§3), requesting a slot (§4) and reading the slot's PUT and
 * GET URLs with the headers the PUT may carry (§4, §5).
 */
import { type Element, xml } from "@xmpp/component";
import { NS } from "./namespaces.js";

/** The HTTP file upload namespace. */
export const NS_UPLOAD = "urn:xmpp:http:upload:0";

/** The only headers a slot may ask the PUT to carry (§4); the others are ignored. */
const ALLOWED_HEADERS = new Set(["authorization", "cookie", "expires"]);

/** What the disco#info of an upload service says (§3): the largest file it takes, when it says. */
export interface UploadServiceInfo {
  maxFileSize: number | undefined;
}

/**
 * Reads a disco#info result: undefined unless it lists the upload feature; else the
 * `max-file-size` of its `urn:xmpp:http:upload:0` form, if any.
 */
export function parseUploadService(result: Element): UploadServiceInfo | undefined {
  const query = result.getChild("query", NS.DISCO_INFO);
  if (!query?.getChildren("feature").some((f) => f.attrs.var === NS_UPLOAD)) return undefined;
  for (const form of query.getChildren("x", NS.DATA)) {
    const fields = new Map(form.getChildren("field").map((f) => [f.attrs.var as string, f.getChildText("value")] as const));
    if (fields.get("FORM_TYPE") !== NS_UPLOAD) continue;
    const max = fields.get("max-file-size")?.trim();
    if (max && /^\d+$/.test(max)) return { maxFileSize: Number(max) };
  }
  return { maxFileSize: undefined };
}

/** What a slot is requested for. */
export interface SlotRequest {
  filename: string;
  size: number;
  contentType?: string;
}

/** The slot request iq (§4) from `from` to the upload service `to`. */
export function slotRequest(from: string, to: string, request: SlotRequest): Element {
  const attrs = { xmlns: NS_UPLOAD, filename: request.filename, size: String(request.size), "content-type": request.contentType };
  return xml("iq", { type: "get", from, to, id: "" }, xml("request", attrs));
}

/** An upload slot: where to PUT the bytes, with which headers, and where they can then be fetched. */
export interface UploadSlot {
  putUrl: string;
  /** The allowed headers of §4 (`Authorization`, `Cookie`, `Expires`), newlines removed. */
  headers: Record<string, string>;
  getUrl: string;
}

/** Reads the slot of a slot request's result; throws a TypeError when it has no PUT or GET URL. */
export function parseSlot(result: Element): UploadSlot {
  const slot = result.getChild("slot", NS_UPLOAD);
  const put = slot?.getChild("put");
  const putUrl = put?.attrs.url as string | undefined;
  const getUrl = slot?.getChild("get")?.attrs.url as string | undefined;
  if (!putUrl || !getUrl) throw new TypeError("The upload service answered without a put and a get URL");
  const headers: Record<string, string> = {};
  for (const header of put?.getChildren("header") ?? []) {
    const name = String(header.attrs.name ?? "");
    if (ALLOWED_HEADERS.has(name.toLowerCase())) headers[name] = header.getText().replace(/[\r\n]/g, "");
  }
  return { putUrl, headers, getUrl };
}
