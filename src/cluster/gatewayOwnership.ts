/**
 * The gateway's side of the user leases: `createGateway({ ownership: createOwnership({ leases }) })`
 * makes a gateway serve only the users whose lease this process holds. See docs/scale-out.md,
 * "Ownership (leases)" and "Wiring it into a gateway".
 *
 * @module
 */
import type { GatewayOwnership } from "../createGateway.js";
import { createOwnershipGate, type OwnershipGateOptions } from "./ownershipGate.js";

/**
 * The {@link GatewayOwnership} of a process on its {@link Leases}: a user's stanzas pass the
 * {@link createOwnershipGate | ownership gate} (held while another process holds the lease, then
 * served with the lease taken, or answered with an error of type `wait`), the leases' `lost`
 * events stop the user's rooms, and their `adopted` events start the user's legacy session.
 *
 * @remarks
 * The gateway stops using the ownership at `gateway.stop()` (held stanzas are refused); close the
 * leases after it (`await leases.close()` gives every lease back, so other processes take the
 * users at once).
 *
 * @throws TypeError for a bad option (see {@link OwnershipGateOptions}).
 *
 * @example
 * ```ts
 * const leases = await createLeases({ connectionString, owner: `${hostname()}-${process.pid}-${Date.now()}` });
 * const gateway = createGateway({ domain, secret, service, plugin, ownership: createOwnership({ leases }) });
 * await gateway.start();
 * process.on("SIGTERM", async () => {
 *   await gateway.stop();
 *   await leases.close();
 * });
 * ```
 */
export function createOwnership(options: OwnershipGateOptions): GatewayOwnership {
  const gate = createOwnershipGate(options);
  const { leases } = options;
  return {
    owns: (user) => gate.owns(user),
    async admit(user) {
      const admission = await gate.admit(user);
      return admission.serve ? undefined : admission.error.toData();
    },
    onLost: (listener) => leases.on("lost", (user) => listener(user)),
    onAdopted: (listener) => leases.on("adopted", (user) => listener(user)),
    // A renewal reports the users it finds taken over as `lost`; if the database is away, the
    // timer's renewals go on, and the local deadline ends the lease in time.
    suspect: () => void leases.renew().catch(() => {}),
    close: () => gate.close(),
  };
}
