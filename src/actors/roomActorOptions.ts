/**
 * The options of a {@link RoomActor}: its room, where it sends and stores, its bounds, and hooks.
 */
import type { InspectionEvent } from "xstate";
import type { LegacyRoom } from "../legacy/LegacyRoom.js";
import type { PassivatedState } from "../machines/roomStatus.js";
import type { GatewayStore } from "../store/eitherStore.js";
import type { AvatarCache } from "./avatars.js";
import type { GatewayServices } from "./bookmarks.js";
import type { RoomMachine } from "../machines/roomExtension.js";
import type { RoomActor } from "./RoomActor.js";
import type { RoomLifecycle } from "./roomLifecycle.js";
import type { StanzaSink } from "./roomFanOut.js";

/** Options of {@link RoomActor}. */
export interface RoomActorOptions {
  room: LegacyRoom;
  outbox: StanzaSink;
  mailboxSize: number;
  callbackTimeoutMs: number;
  /** The gateway-wide avatar cache. */
  avatars: AvatarCache;
  /** For a room re-activated after passivation: the machine state it resumes from. */
  resumeFrom?: PassivatedState;
  /** Where the room's messages are archived; none when absent (no history, no MAM). */
  store?: GatewayStore;
  /** The gateway's run: the room's record is marked filled in it once the `fillParticipants` rows are stored. */
  run?: string;
  /** What rooms use to talk to the user's server (bookmarks). @defaultValue no privileges */
  services?: GatewayServices;
  inspect?: (event: InspectionEvent) => void;
  /** The room machine with the plugin's callbacks (`withLegacyActors`). @defaultValue the library's */
  machine?: RoomMachine;
  /** Where the room's lifecycle events go (`gateway.rooms`). */
  lifecycle?: RoomLifecycle;
  /** The machine took a step (the registry checks whether a parked room became idle). */
  onStep?: () => void;
  /** The machine reached a final state (`destroyed`, or `removed`): the room is gone. */
  onEnded?: () => void;
  /** A bug while turning a decision into stanzas; the room keeps running. */
  onError?: (error: unknown) => void;
  /** The actor failed beyond recovery (a bug); the registry should forget it. */
  onFailure?: (error: unknown) => void;
}

