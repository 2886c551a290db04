/**
 * Errors that plugins throw and that mucstate turns into XMPP stanza errors. They are defined in
 * the protocol layer (`src/protocol/xmppError.ts`); the plugin API offers them from here.
 */
export { NotImplementedError, XMPPError, toStanzaError } from "../protocol/xmppError.js";
