/**
 * What the supervisor and its workers say to each other over the IPC channel of
 * `child_process.fork`, and how a worker is configured.
 */

/** A worker's configuration, passed in the `MUCSTATE_WORKER` environment variable as JSON. */
export interface WorkerConfig {
  /** The supervisor's number for this worker; shown in the gateway's disco#info name. */
  id: number;
  /** The component domain (the same for every worker). */
  domain: string;
  /** `xmpp://host:port` of ejabberd's component listener. */
  service: string;
  secret: string;
  /** The demo fixture (JSON file). */
  fixture: string;
  /** The users the fixture network accepts, replacing the fixture's own list when given. */
  users?: string[];
  /** The cluster start's run id (the gateway's `run` option), the same in every worker. */
  run?: string;
  /** Where this worker keeps its own SQLite store when it has no `postgres`. */
  store: string;
  /**
   * The cluster's PostgreSQL database: the users' leases (the gateway serves only the users it
   * holds, `createOwnership`) and the store shared by every worker, its writes fenced by the
   * leases. None: no leases, and the worker's own SQLite file (`store`).
   */
  postgres?: string;
  /** The lease time, in ms. @defaultValue 10 000 */
  leaseTtlMs?: number;
  /** @defaultValue 1000 */
  heartbeatMs?: number;
  /** A folder for the workers' call logs of the fixture network (`calls-worker-<id>.jsonl`); none: no log. */
  callLogDir?: string;
  /** Self-addressed messages per slot probe. @defaultValue 32 */
  probes?: number;
}

/**
 * From the supervisor to a worker. `connect` may name the lease owners of dead workers whose
 * slot this worker takes: once it holds the slot, it adopts their users (`Leases.adopt`).
 */
export type SupervisorMessage = { type: "connect"; adopt?: string[] } | { type: "stop" };

/** From a worker to the supervisor. `ready` names the worker's lease owner, if it has leases. */
export type WorkerMessage =
  | { type: "ready"; owner?: string }
  | { type: "adopted"; users: number; from: string[] }
  | { type: "heartbeat" }
  | { type: "online" }
  | { type: "slot"; held: boolean; probesBack: number; probes: number; attempt: number }
  | { type: "first-stanza"; from: string }
  | { type: "lease-lost"; user: string }
  | { type: "error"; message: string };

/** The disco#info name of worker `id`'s gateway: how a client can tell which process serves it. */
export const workerName = (id: number) => `mucstate demo (worker ${id})`;
