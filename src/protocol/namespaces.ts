/**
 * XML namespaces used on the wire, named after the specifications that define them.
 */
export const NS = {
  /** RFC 6120 §4.8.3: the client stream namespace, which every forwarded stanza carries (XEP-0297 §3). */
  CLIENT: "jabber:client",
  /** XEP-0297: Stanza Forwarding. */
  FORWARD: "urn:xmpp:forward:0",
  /** RFC 6120 §8.3: stanza error conditions. */
  STANZAS: "urn:ietf:params:xml:ns:xmpp-stanzas",
  /** XEP-0045: Multi-User Chat, join element. */
  MUC: "http://jabber.org/protocol/muc",
  /** XEP-0045: occupant-facing extension. */
  MUC_USER: "http://jabber.org/protocol/muc#user",
  /** XEP-0045: owner use cases. */
  MUC_OWNER: "http://jabber.org/protocol/muc#owner",
  /** XEP-0045: admin use cases. */
  MUC_ADMIN: "http://jabber.org/protocol/muc#admin",
  /** XEP-0045 §15.5.4: room information form type. */
  MUC_ROOMINFO: "http://jabber.org/protocol/muc#roominfo",
  /** XEP-0045 §15.5.3: room configuration form type. */
  MUC_ROOMCONFIG: "http://jabber.org/protocol/muc#roomconfig",
  /** XEP-0030: Service Discovery. */
  DISCO_INFO: "http://jabber.org/protocol/disco#info",
  /** XEP-0030: Service Discovery items. */
  DISCO_ITEMS: "http://jabber.org/protocol/disco#items",
  /** XEP-0004: Data Forms. */
  DATA: "jabber:x:data",
  /** XEP-0359: Unique and Stable Stanza IDs. */
  SID: "urn:xmpp:sid:0",
  /** XEP-0421: Anonymous unique occupant identifiers. */
  OCCUPANT_ID: "urn:xmpp:occupant-id:0",
  /** XEP-0085: Chat State Notifications. */
  CHAT_STATES: "http://jabber.org/protocol/chatstates",
  /** XEP-0333: Displayed Markers. */
  CHAT_MARKERS: "urn:xmpp:chat-markers:0",
  /** XEP-0203: Delayed Delivery. */
  DELAY: "urn:xmpp:delay",
  /** XEP-0172: User Nickname. */
  NICK: "http://jabber.org/protocol/nick",
  /** XEP-0199 / XEP-0410: ping and MUC self-ping. */
  PING: "urn:xmpp:ping",
  /** XEP-0054: vcard-temp. */
  VCARD: "vcard-temp",
  /** XEP-0153: vCard-based avatars in presence. */
  VCARD_UPDATE: "vcard-temp:x:update",
} as const;
