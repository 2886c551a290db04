/**
 * The plugin: what a gateway author gives {@link createGateway}.
 */
import type { LegacySession } from "./LegacySession.js";

/**
 * Decides which XMPP users may use the gateway and gives each a {@link LegacySession}.
 */
export interface GatewayPlugin {
  /**
   * Returns the session of the user with this bare JID, or null when they may not use the
   * gateway (their stanzas then get `registration-required`). Called once per user and run.
   */
  createSession(user: string): LegacySession | null | Promise<LegacySession | null>;
  /**
   * Users whose sessions start as soon as the gateway is online (their `login()` runs then);
   * others start on their first stanza.
   */
  users?(): Iterable<string> | Promise<Iterable<string>>;
  /** Name of the gateway in disco#info. */
  readonly name?: string;
}
