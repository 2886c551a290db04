/**
 * The one place where a cluster worker chooses the store it gives its gateway.
 *
 * With `postgres` in its configuration a worker keeps rooms, participants and archives in the
 * cluster's PostgreSQL database, shared by every worker, its writes fenced by its leases: a user's
 * rooms come back on the process that takes the user's lease with their archive. Without it (no
 * leases either) the worker keeps its own SQLite file.
 */
import type { GatewayOptions } from "../createGateway.js";
import { createPostgresStore } from "../store/postgresStore.js";
import type { Leases } from "./leases.js";
import type { WorkerConfig } from "./workerMessages.js";

/** A worker's store and how to close it after the gateway stopped. */
export interface WorkerStore {
  store: GatewayOptions["store"];
  /** Where it is, for the log. */
  where: string;
  close(): Promise<void>;
}

/** Opens the store of a worker: see the module notes. */
export async function openWorkerStore(config: WorkerConfig, leases: Leases | undefined): Promise<WorkerStore> {
  if (config.postgres) {
    const store = await createPostgresStore({ connectionString: config.postgres, fencing: leases });
    return { store, where: "PostgreSQL (shared)", close: () => store.close() };
  }
  return { store: config.store, where: config.store, close: async () => {} };
}
