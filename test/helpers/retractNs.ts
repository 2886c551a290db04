/**
 * The namespaces of retraction (XEP-0424) and moderation (XEP-0425) as they stand on the wire,
 * spelled out for the tests instead of imported from the code under test.
 */
export const RETRACT = "urn:xmpp:message-retract:1";
/** XEP-0424 0.2, inside an XEP-0422 `<apply-to/>`. */
export const RETRACT_0 = "urn:xmpp:message-retract:0";
export const MODERATE = "urn:xmpp:message-moderate:1";
/** XEP-0425 0.2, inside an XEP-0422 `<apply-to/>`. */
export const MODERATE_0 = "urn:xmpp:message-moderate:0";
export const FASTEN = "urn:xmpp:fasten:0";
