/**
 * The sessions of the gateway's users: one {@link LegacySession} per XMPP user the plugin
 * allows, created on the user's first stanza. Refusals are remembered for a while, so a
 * stranger's traffic does not reach the plugin on every stanza.
 */
import { LRUCache } from "lru-cache";
import type { LegacySession } from "../legacy/LegacySession.js";
import type { GatewayPlugin } from "../legacy/plugin.js";

/** Finds and creates sessions. */
export class SessionDirectory {
  readonly #plugin: GatewayPlugin;
  readonly #sessions = new Map<string, LegacySession>();
  readonly #creating = new Map<string, Promise<LegacySession | null>>();
  readonly #refused = new LRUCache<string, true>({ max: 10_000, ttl: 60_000 });

  readonly #onCreate: (session: LegacySession) => void;

  /** `onCreate` runs once for every new session, before anything uses it. */
  constructor(plugin: GatewayPlugin, onCreate: (session: LegacySession) => void = () => {}) {
    if (typeof plugin?.createSession !== "function") throw new TypeError("plugin.createSession must be a function");
    this.#plugin = plugin;
    this.#onCreate = onCreate;
  }

  /** The session if known: a session, null when refused, undefined when not asked yet. */
  peek(user: string): LegacySession | null | undefined {
    return this.#sessions.get(user) ?? (this.#refused.has(user) ? null : undefined);
  }

  /** The user's session, asking the plugin on first use; null when the plugin refuses the user. */
  async get(user: string): Promise<LegacySession | null> {
    const known = this.peek(user);
    if (known !== undefined) return known;
    let pending = this.#creating.get(user);
    if (!pending) {
      pending = Promise.resolve(this.#plugin.createSession(user)).then(
        (session) => {
          if (session) {
            this.#sessions.set(user, session);
            this.#onCreate(session);
          }
          else this.#refused.set(user, true);
          return session ?? null;
        },
      ).finally(() => this.#creating.delete(user));
      this.#creating.set(user, pending);
    }
    return pending;
  }

  /** Forgets `user`'s session (another process serves the user now) and returns it; the next stanza asks the plugin again. */
  forget(user: string): LegacySession | undefined {
    const session = this.#sessions.get(user);
    this.#sessions.delete(user);
    return session;
  }

  /** Every session created so far. */
  all(): LegacySession[] {
    return [...this.#sessions.values()];
  }
}
