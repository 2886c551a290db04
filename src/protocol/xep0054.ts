/**
 * XEP-0054: vcard-temp, version 1.2 (PHOTO only)
 * https://xmpp.org/extensions/xep-0054.html
 * XEP-0153: vCard-Based Avatars, version 1.1
 * https://xmpp.org/extensions/xep-0153.html
 */
import { type Element, xml } from "@xmpp/component";
import { NS } from "./namespaces.js";

/** A `<vCard/>` with a PHOTO when an avatar with bytes is given, else empty. */
export function vcardPhoto(avatar?: { mime?: string; data?: Uint8Array }): Element {
  if (!avatar?.data || !avatar.mime) return xml("vCard", { xmlns: NS.VCARD });
  return xml(
    "vCard",
    { xmlns: NS.VCARD },
    xml("PHOTO", {}, xml("TYPE", {}, avatar.mime), xml("BINVAL", {}, Buffer.from(avatar.data).toString("base64"))),
  );
}

/** Reads the PHOTO of a vCard set: null data means "remove the avatar". */
export function parseVcardPhoto(vcard: Element): { data: Uint8Array | null; mime: string | null } | { error: string } {
  const photo = vcard.getChild("PHOTO");
  const binval = photo?.getChildText("BINVAL")?.replace(/\s+/g, "") ?? "";
  if (!photo || binval === "") return { data: null, mime: null };
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(binval) || binval.length % 4 !== 0) return { error: "BINVAL is not base64" };
  return { data: new Uint8Array(Buffer.from(binval, "base64")), mime: photo.getChildText("TYPE") || null };
}

/** The XEP-0153 `<x xmlns="vcard-temp:x:update"><photo/></x>`; an empty photo means no avatar. */
export function photoUpdate(hash: string | undefined): Element {
  return xml("x", { xmlns: NS.VCARD_UPDATE }, xml("photo", {}, hash ?? ""));
}
