/**
 * XEP-0447: Stateless file sharing, version 0.3.1 (§3.1 Sharing a file)
 * https://xmpp.org/extensions/xep-0447.html
 *
 * A `<file-sharing/>` with XEP-0446 file metadata and `<sources/>`; of the sources, the
 * XEP-0103 `<url-data target/>` ones are read and written (jingle-pub sources are ignored).
 */
import { type Element, xml } from "@xmpp/component";
import { type FileMetadata, NS_FILE_METADATA, fileMetadataElement, parseFileMetadata } from "./xep0446.js";

/** The stateless file sharing namespace. */
export const NS_SFS = "urn:xmpp:sfs:0";
/** XEP-0103: URL Address Information, the `<url-data/>` source. */
export const NS_URL_DATA = "http://jabber.org/protocol/url-data";

/** A shared file: its metadata and the first URL it can be fetched from. */
export interface SharedFile extends FileMetadata {
  url: string;
}

/**
 * Of a file's source URLs, the first http(s) one, else the first one; undefined when none is a
 * non-empty string.
 */
export function preferredUrl(urls: readonly unknown[] | undefined): string | undefined {
  const given = (urls ?? []).filter((u): u is string => typeof u === "string" && u.trim() !== "").map((u) => u.trim());
  return given.find((u) => /^https?:\/\//i.test(u)) ?? given[0];
}

/**
 * Reads the first `<file-sharing xmlns='urn:xmpp:sfs:0'/>` of a message, or undefined when it
 * has none. Throws a TypeError when it has no `<url-data target/>` source.
 */
export function parseFileSharing(message: Element): SharedFile | undefined {
  const sharing = message.getChild("file-sharing", NS_SFS);
  if (!sharing) return undefined;
  const url = preferredUrl(sharing.getChild("sources")?.getChildren("url-data", NS_URL_DATA).map((source) => source.attrs.target));
  if (!url) throw new TypeError("A file-sharing element needs a url-data source");
  const file = sharing.getChild("file", NS_FILE_METADATA);
  return { ...(file ? parseFileMetadata(file) : {}), url };
}

/** Builds `<file-sharing/>` with the file's metadata and its URL as the one source. */
export function fileSharingElement(file: SharedFile): Element {
  const { url, ...metadata } = file;
  return xml(
    "file-sharing",
    { xmlns: NS_SFS },
    fileMetadataElement(metadata),
    xml("sources", {}, xml("url-data", { xmlns: NS_URL_DATA, target: url })),
  );
}
