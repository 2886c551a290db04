/**
 * The XEP-0356 privileges each server granted this component, as advertised on connection.
 */
import type { GrantedPrivileges } from "../protocol/xep0356.js";

/** Privileges by server domain. */
export class Privileges {
  readonly #byServer = new Map<string, GrantedPrivileges>();

  /** Records what a server advertised (the latest advertisement wins). */
  grant(server: string, granted: GrantedPrivileges): void {
    this.#byServer.set(server.toLowerCase(), granted);
  }

  /** True when the server lets us send iqs of this type and namespace for its users. */
  canIq(server: string, ns: string, type: "get" | "set"): boolean {
    return this.#byServer.get(server.toLowerCase())?.iq.get(ns)?.[type] === true;
  }

  /** The XEP-0356 namespace the server advertised in, or undefined when it advertised nothing. */
  namespaceOf(server: string): GrantedPrivileges["namespace"] | undefined {
    return this.#byServer.get(server.toLowerCase())?.namespace;
  }
}
