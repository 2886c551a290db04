/**
 * XEP-0446: File metadata element, version 0.2.0
 * https://xmpp.org/extensions/xep-0446.html
 *
 * The same children (`media-type`, `name`, `size`, `desc`) describe a file in the XEP-0234
 * `<file/>` that XEP-0385 (SIMS) carries, so one reader serves both.
 */
import { type Element, xml } from "@xmpp/component";

/** The file metadata namespace. */
export const NS_FILE_METADATA = "urn:xmpp:file:metadata:0";

/** What a file metadata element says about a file; every field is optional. */
export interface FileMetadata {
  name?: string;
  /** The media type, e.g. `image/png`. */
  mime?: string;
  /** Size in bytes. */
  size?: number;
  /** A description of the file. */
  desc?: string;
}

/**
 * Reads `<media-type/>`, `<name/>`, `<size/>` and `<desc/>` of a `<file/>` element, in the
 * element's own namespace. A size that is not a non-negative integer is left out.
 */
export function parseFileMetadata(file: Element): FileMetadata {
  const ns = file.attrs.xmlns as string | undefined;
  const text = (name: string) => file.getChild(name, ns)?.getText().trim() || undefined;
  const sizeText = text("size");
  const size = sizeText !== undefined && /^\d+$/.test(sizeText) ? Number(sizeText) : undefined;
  const metadata: FileMetadata = { name: text("name"), mime: text("media-type"), size, desc: text("desc") };
  for (const key of Object.keys(metadata) as (keyof FileMetadata)[]) if (metadata[key] === undefined) delete metadata[key];
  return metadata;
}

/** Builds `<file xmlns='urn:xmpp:file:metadata:0'/>` with the fields that are known. */
export function fileMetadataElement(metadata: FileMetadata): Element {
  return xml(
    "file",
    { xmlns: NS_FILE_METADATA },
    metadata.mime ? xml("media-type", {}, metadata.mime) : null,
    metadata.name ? xml("name", {}, metadata.name) : null,
    metadata.size !== undefined ? xml("size", {}, String(metadata.size)) : null,
    metadata.desc ? xml("desc", {}, metadata.desc) : null,
  );
}
