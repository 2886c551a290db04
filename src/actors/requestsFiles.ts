/**
 * A file the user sends to a room: the XEP-0447, XEP-0385 and XEP-0066 forms read into one
 * {@link IncomingFile}, and the request that hands it to `onFile`. It runs in the room's mailbox
 * like text, and is echoed and archived like text (the echo keeps the client's elements).
 */
import type { Element } from "@xmpp/component";
import type { IncomingFile } from "../legacy/files.js";
import { parseOob } from "../protocol/xep0066.js";
import { parseMediaSharing } from "../protocol/xep0385.js";
import { parseFileSharing } from "../protocol/xep0447.js";
import type { RequestHandler } from "./RoomActor.js";
import { type Traffic, sentEcho } from "./requests.js";

/**
 * The file a groupchat message carries, or undefined when it carries none. XEP-0447 is preferred
 * to XEP-0385, and both to XEP-0066 (whose URL clients add as a fallback). Throws a TypeError
 * when an element is there but names no URL.
 */
export function parseAttachment(message: Element): IncomingFile | undefined {
  const oob = parseOob(message);
  const shared = parseFileSharing(message) ?? parseMediaSharing(message);
  const url = shared?.url ?? oob?.url;
  if (url === undefined) return undefined;
  const file: IncomingFile = { url };
  const name = shared?.name ?? nameInUrl(url);
  if (name) file.name = name;
  if (shared?.mime) file.mime = shared.mime;
  if (shared?.size !== undefined) file.size = shared.size;
  const description = shared?.desc ?? oob?.desc;
  if (description) file.description = description;
  const caption = captionOf(message.getChildText("body") ?? "", [url, oob?.url]);
  if (caption) file.caption = caption;
  return file;
}

/** The last segment of a URL's path, decoded; undefined when there is none. */
function nameInUrl(url: string): string | undefined {
  try {
    const last = new URL(url).pathname.split("/").pop();
    return last ? decodeURIComponent(last) : undefined;
  } catch {
    return undefined;
  }
}

/** The body without the file's URLs, trimmed: what the user wrote with the file, if anything. */
function captionOf(body: string, urls: (string | undefined)[]): string | undefined {
  let text = body;
  for (const url of new Set(urls)) if (url) text = text.split(url).join("");
  return text.trim() || undefined;
}

/**
 * A file from the user: `onFile(file, { xmppId })`, then the echo to every joined resource,
 * archived under the returned legacy id (or a new stanza-id), like a text message.
 */
export function fileMessage(message: Element, file: IncomingFile, traffic: Traffic): RequestHandler {
  return async (room) => {
    return sentEcho(room, message, traffic, await room.onFile(file, { xmppId: message.attrs.id }));
  };
}
