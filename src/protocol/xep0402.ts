/**
 * XEP-0402: PEP Native Bookmarks, version 1.2
 * https://xmpp.org/extensions/xep-0402.html
 * (publish options of XEP-0060 §7.1.5 and XEP-0223)
 */
import { type Element, xml } from "@xmpp/component";
import { dataForm } from "./xep0004.js";

/** The bookmarks PEP node. */
export const NS_BOOKMARKS = "urn:xmpp:bookmarks:1";
const NS_PUBSUB = "http://jabber.org/protocol/pubsub";

/** Asks for the bookmark item of one room. */
export function bookmarkItemQuery(roomJid: string): Element {
  return xml("pubsub", { xmlns: NS_PUBSUB }, xml("items", { node: NS_BOOKMARKS }, xml("item", { id: roomJid })));
}

/** The `<conference/>` of a bookmark item in a pubsub items result, if present. */
export function conferenceOf(result: Element): Element | undefined {
  return result.getChild("pubsub", NS_PUBSUB)?.getChild("items")?.getChild("item")?.getChild("conference", NS_BOOKMARKS);
}

/**
 * Builds the publish of a bookmark: `<conference autojoin>` with `<nick>` and whatever the
 * existing item carried besides (its `<extensions/>` survive), with the publish options of
 * XEP-0402 §3: persist_items 1, max_items max, send_last_published_item never, access_model whitelist.
 */
export function bookmarkPublish(roomJid: string, conference: { autojoin: boolean; nick: string; name?: string; keep?: Element[] }): Element {
  return xml(
    "pubsub",
    { xmlns: NS_PUBSUB },
    xml(
      "publish",
      { node: NS_BOOKMARKS },
      xml(
        "item",
        { id: roomJid },
        xml(
          "conference",
          { xmlns: NS_BOOKMARKS, autojoin: conference.autojoin ? "true" : "false", name: conference.name },
          xml("nick", {}, conference.nick),
          ...(conference.keep ?? []),
        ),
      ),
    ),
    xml(
      "publish-options",
      {},
      dataForm("submit", "http://jabber.org/protocol/pubsub#publish-options", [
        { var: "pubsub#persist_items", values: ["true"] },
        { var: "pubsub#max_items", values: ["max"] },
        { var: "pubsub#send_last_published_item", values: ["never"] },
        { var: "pubsub#access_model", values: ["whitelist"] },
      ]),
    ),
  );
}
