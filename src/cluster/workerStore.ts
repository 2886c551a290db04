/**
 * The one place where a cluster worker chooses the store it gives its gateway.
 *
 * Today each worker keeps its own SQLite file: `createGateway` takes a synchronous `Store`, and
 * the PostgreSQL store is an `AsyncStore`. The leases are in PostgreSQL already. When the gateway
 * runtime accepts an `AsyncStore` (`createGateway({ store: await createPostgresStore(…) })`),
 * set {@link SHARED_STORE} to `true` and remove the cast marked below: every worker then keeps
 * rooms, participants and archives in the cluster's database, with writes fenced by the leases.
 */
import type { Leases } from "./leases.js";
import type { GatewayOptions } from "../createGateway.js";
import { createPostgresStore } from "../store/postgresStore.js";
import type { Store } from "../store/types.js";
import type { WorkerConfig } from "./workerMessages.js";

/**
 * Whether workers use the cluster's PostgreSQL database as their gateway's store (shared by all,
 * fenced by the leases) instead of a SQLite file each. The failover test counts archived messages
 * through MAM only when it is true.
 */
export const SHARED_STORE = false as boolean;

/** A worker's store and how to close it after the gateway stopped. */
export interface WorkerStore {
  store: GatewayOptions["store"];
  /** Where it is, for the log. */
  where: string;
  close(): Promise<void>;
}

/** Opens the store of a worker: see the module notes. */
export async function openWorkerStore(config: WorkerConfig, leases: Leases | undefined): Promise<WorkerStore> {
  if (SHARED_STORE && config.postgres) {
    const store = await createPostgresStore({ connectionString: config.postgres, fencing: leases });
    // MERGE(s5-async): remove this cast once GatewayOptions.store accepts an AsyncStore.
    return { store: store as unknown as Store, where: "PostgreSQL (shared)", close: () => store.close() };
  }
  return { store: config.store, where: config.store, close: async () => {} };
}
