/**
 * The options of a {@link RoomRegistry}: its bounds, its store, its run, its hooks.
 */
import type { InspectionEvent } from "xstate";
import type { RoomMachine } from "../machines/roomExtension.js";
import type { GatewayStore } from "../store/eitherStore.js";
import type { GatewayServices } from "./bookmarks.js";
import type { RoomRegistry } from "./registry.js";
import type { StanzaSink } from "./roomFanOut.js";

/** Options of {@link RoomRegistry}. */
export interface RoomRegistryOptions {
  /** The component domain. */
  domain: string;
  outbox: StanzaSink;
  /** Bound of each room's mailbox. */
  mailboxSize: number;
  /** Timeout of each legacy callback, in milliseconds. */
  callbackTimeoutMs: number;
  /** Most active room actors; idle ones beyond it passivate (busy ones are parked until idle). */
  maxRooms: number;
  /** Milliseconds without a stanza after which an idle room passivates. @defaultValue 600000 (10 min) */
  idleMs?: number;
  /** Where rooms archive their messages and keep their state; none: no history, no MAM, no passivation. */
  store?: GatewayStore;
  /** What rooms use to talk to the user's server. @defaultValue no privileges */
  services?: GatewayServices;
  /** Bytes the avatar cache may hold. @defaultValue 64 MiB */
  avatarCacheBytes?: number;
  /** XState inspection observer passed to every room actor. */
  inspect?: (event: InspectionEvent) => void;
  /** Called for a bug in a room actor; a room that failed beyond recovery is forgotten. */
  onError?: (error: unknown) => void;
  /**
   * The gateway's run (`GatewayOptions.run`): rooms whose participants were filled and stored in
   * it, by this process or another, come back without `updateInfo` and `fillParticipants`.
   * None: only a room passivated in this process skips them.
   */
  run?: string;
  /** The room machine a gateway extended (see `machines/roomExtension.ts`), checked already. @defaultValue `roomMachine` */
  machine?: RoomMachine;
}
