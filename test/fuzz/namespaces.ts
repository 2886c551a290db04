/**
 * The namespaces the fuzzer's stanzas use, spelled out as they stand on the wire (not imported
 * from the code under test, so that a typo there is not copied here).
 */
export const FNS = {
  MUC: "http://jabber.org/protocol/muc",
  MUC_USER: "http://jabber.org/protocol/muc#user",
  MUC_OWNER: "http://jabber.org/protocol/muc#owner",
  MUC_ADMIN: "http://jabber.org/protocol/muc#admin",
  DISCO_INFO: "http://jabber.org/protocol/disco#info",
  DISCO_ITEMS: "http://jabber.org/protocol/disco#items",
  DATA: "jabber:x:data",
  VCARD: "vcard-temp",
  VCARD_UPDATE: "vcard-temp:x:update",
  PING: "urn:xmpp:ping",
  MAM: "urn:xmpp:mam:2",
  RSM: "http://jabber.org/protocol/rsm",
  REGISTER: "jabber:iq:register",
  STANZAS: "urn:ietf:params:xml:ns:xmpp-stanzas",
  SID: "urn:xmpp:sid:0",
  CHAT_STATES: "http://jabber.org/protocol/chatstates",
  MARKERS: "urn:xmpp:chat-markers:0",
  REACTIONS: "urn:xmpp:reactions:0",
  CORRECT: "urn:xmpp:message-correct:0",
  RETRACT: "urn:xmpp:message-retract:1",
  RETRACT_0: "urn:xmpp:message-retract:0",
  FASTEN: "urn:xmpp:fasten:0",
  MODERATE: "urn:xmpp:message-moderate:1",
  MODERATE_0: "urn:xmpp:message-moderate:0",
  OOB: "jabber:x:oob",
  SFS: "urn:xmpp:sfs:0",
  URL_DATA: "http://jabber.org/protocol/url-data",
  FILE_METADATA: "urn:xmpp:file:metadata:0",
  SIMS: "urn:xmpp:sims:1",
  JINGLE_FT: "urn:xmpp:jingle:apps:file-transfer:5",
  REFERENCE: "urn:xmpp:reference:0",
  REPLY: "urn:xmpp:reply:0",
  FALLBACK: "urn:xmpp:fallback:0",
  CONFERENCE: "jabber:x:conference",
  CAPS: "http://jabber.org/protocol/caps",
  HINTS: "urn:xmpp:hints",
} as const;

/** Every namespace above, plus a few that no handler knows, for "wrong namespace" mutations. */
export const NAMESPACE_POOL: readonly string[] = [...Object.values(FNS), "", "jabber:client", "jabber:server", "urn:example:unknown", "http://jabber.org/protocol/muc#unknown"];
