/**
 * `addToBookmarks`: publishes an XEP-0402 bookmark of the room into the user's PEP through an
 * XEP-0356 privileged iq, and falls back to an XEP-0249 invitation from the gateway when the
 * server granted no such privilege or refused the publish.
 */
import type { Element } from "@xmpp/component";
import { nanoid } from "nanoid";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import type { BookmarkOptions } from "../legacy/roomServiceTypes.js";
import { NS_PRIVILEGE_V1, privilegedIq, unwrapPrivileged } from "../protocol/xep0356.js";
import { bookmarkItemQuery, bookmarkPublish, conferenceOf } from "../protocol/xep0402.js";
import { invitationMessage } from "../protocol/xep0249.js";
import { XMPPError } from "../protocol/xmppError.js";
import type { IqCaller } from "../transport/iqCaller.js";
import type { FileUploader } from "../transport/httpUpload.js";
import type { Privileges } from "../transport/privileges.js";

const NS_PUBSUB = "http://jabber.org/protocol/pubsub";

/** What the gateway lends rooms for talking to the user's server. */
export interface GatewayServices {
  /** The component domain. */
  domain: string;
  /** Sends the privileged iqs and awaits their answers (the transport's {@link IqCaller}). */
  iqCaller: Pick<IqCaller, "request">;
  /** What each server granted (the transport's {@link Privileges}). */
  privileges: Pick<Privileges, "canIq" | "namespaceOf">;
  send(stanza: Element): void;
  /** Something went wrong that the user may want to know about; the gateway goes on. */
  warn(message: string, error?: unknown): void;
  /** Uploads the bytes participants send (XEP-0363); none: `sendFile` with bytes fails. */
  uploads?: FileUploader;
  /** The gateway's `maxStanzaBytes`: a plugin text that could not be sent within it throws at its call. */
  maxStanzaBytes?: number;
}

/**
 * Services with no privileges and no warnings: bookmarks fall back to invitations, so no iq is
 * ever sent through them.
 */
export function defaultServices(domain: string, sink: { send(stanza: Element): void }): GatewayServices {
  const send = (stanza: Element) => sink.send(stanza);
  const iqCaller = { request: () => Promise.reject(new XMPPError("forbidden", "No privileged iqs without XEP-0356 privileges")) };
  return { domain, iqCaller, privileges: { canIq: () => false, namespaceOf: () => undefined }, send, warn: () => {} };
}

/** Publishes the bookmark (or invites); never throws. Resolves true when the bookmark was published. */
export async function addToBookmarks(room: LegacyRoom, options: BookmarkOptions, services: GatewayServices): Promise<boolean> {
  let published = false;
  try {
    published = await publish(room, options, services);
  } catch (error) {
    services.warn(`bookmark of ${room.jid} for ${room.session.user} was not published`, error);
  }
  if (!published || options.invite) {
    const reason = published ? undefined : "This group could not be added to your bookmarks automatically";
    services.send(invitationMessage(services.domain, room.session.user, { jid: room.jid, reason }));
  }
  return published;
}

async function publish(room: LegacyRoom, options: BookmarkOptions, services: GatewayServices): Promise<boolean> {
  const user = room.session.user;
  const server = user.slice(user.indexOf("@") + 1);
  if (!services.privileges.canIq(server, NS_PUBSUB, "set")) {
    const why =
      services.privileges.namespaceOf(server) === NS_PRIVILEGE_V1
        ? `advertised XEP-0356 privileges in ${NS_PRIVILEGE_V1}, which has no iq permission (ejabberd before 24.10)`
        : "granted no XEP-0356 pubsub iq privilege";
    services.warn(`${server} ${why}: inviting ${user} to ${room.jid} instead of bookmarking`);
    return false;
  }
  const call = (type: "get" | "set", payload: Element) =>
    services.iqCaller.request(privilegedIq({ from: services.domain, user, type, id: "", innerId: nanoid(), payload }));
  let autojoin = options.autoJoin ?? true;
  let keep: Element[] = [];
  let name: string | undefined;
  if ((options.preserve ?? true) && services.privileges.canIq(server, NS_PUBSUB, "get")) {
    const existing = await call("get", bookmarkItemQuery(room.jid)).then(
      (result) => conferenceOf(unwrapPrivileged(result) ?? result),
      () => undefined, // no such item (or no node yet)
    );
    if (existing) {
      autojoin = existing.attrs.autojoin === "true" || existing.attrs.autojoin === "1";
      keep = existing.getChildElements().filter((c) => c.name !== "nick");
      name = existing.attrs.name;
    }
  }
  const result = await call("set", bookmarkPublish(room.jid, { autojoin, nick: room.userNick, name, keep }));
  const inner = unwrapPrivileged(result);
  if (inner?.attrs.type === "error") throw new Error(`the user's server refused the publish: ${inner.toString()}`);
  return true;
}
