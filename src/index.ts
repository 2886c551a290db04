/**
 * mucstate: an XMPP group chat (XEP-0045) gateway runtime in which every bridged room is an
 * XState v5 actor.
 */
export { createGateway } from "./createGateway.js";
export type { Gateway, GatewayOptions, GatewayOwnership, ShutdownTally } from "./createGateway.js";
export type {
  LiveRoom,
  RoomEnding,
  RoomLifecycle,
  RoomLifecycleEvent,
  RoomLifecycleEvents,
  RoomLifecycleEventType,
  RoomLifecycleListener,
  RoomStateValue,
} from "./createGateway.js";
export { ROOM_DELAYS, ROOM_EXTENSION_ACTIONS, type RoomMachine } from "./machines/roomExtension.js";
export { LegacyRoom } from "./legacy/LegacyRoom.js";
export type { BackfillBound, BackfillBounds, GetParticipantOptions, IncomingTextOptions, RoomType } from "./legacy/LegacyRoom.js";
export { LegacyParticipant } from "./legacy/LegacyParticipant.js";
export type { ParticipantInit, ParticipantPresence, SendTextOptions } from "./legacy/LegacyParticipant.js";
export { findMentions } from "./legacy/replies.js";
export type { IncomingReply, Mention, OutgoingReply } from "./legacy/replies.js";
export type { FileByData, FileByUrl, IncomingFile, OutgoingFile } from "./legacy/files.js";
export { LegacySession } from "./legacy/LegacySession.js";
export type { RemoveRoomOptions, RoomListing } from "./legacy/LegacySession.js";
export type { GatewayPlugin } from "./legacy/plugin.js";
export { NotImplementedError, XMPPError, toStanzaError } from "./legacy/errors.js";
export { SignalTimeoutError } from "./actors/signalLanes.js";
export { roomMachine } from "./machines/roomMachine.js";
export { fromRequestRunner, type RequestRunnerLogic } from "./machines/requestRunner.js";
export type { SettledParams } from "./machines/roomSetup.js";
export { hasEnded, isIdle, isJoined, isStopped, participantsKnown, type RoomSnapshot } from "./machines/roomStatus.js";
export type {
  Audience,
  PluginTrafficKind,
  QueuedRequest,
  RequestKind,
  RequestOutcome,
  RoomContext,
  RoomEmitted,
  RoomEvent,
  RoomInput,
  RunEvent,
  RunnerEvent,
  RunnerOutcome,
} from "./machines/roomEvents.js";
export type { StanzaErrorCondition } from "./protocol/conditions.js";
export type { StanzaErrorData, StanzaErrorType } from "./protocol/rfc6120.js";
export type { Affiliation, Role } from "./protocol/xep0045.js";
export { deriveOccupantId } from "./protocol/xep0421.js";
export { toResourcepart } from "./protocol/resourcepart.js";
export { escapeLocalpart, unescapeLocalpart } from "./protocol/xep0106.js";
export { toChartJson, toDot, toMermaid, toSvg } from "./inspect/index.js";
export type { ChartEdge, ChartJson, ChartState, ChartStateType } from "./inspect/index.js";
export { createMemoryStore, openSqliteStore, MAM_MAX_PAGE, createPostgresStore, fromSyncStore, isStoreFull } from "./store/index.js";
export type { AsyncStore, GatewayStore, PostgresStoreOptions } from "./store/index.js";
export type { Store, StoreOptions, StoredAvatar, RoomRecord, ParticipantRecord, ArchivedMessage, LostMessage, MamQuery, MamResult } from "./store/index.js";
export type { AvatarSource, BookmarkOptions } from "./legacy/roomServiceTypes.js";
export { createInspector } from "./inspect/index.js";
export type { CallInFlight, EventCategory, InspectedEvent, Inspector, InspectorOptions, RoomStatus, RoomView, TimelineBar, UserGroup } from "./inspect/index.js";
export { DEFAULT_MAX_STANZA_BYTES } from "./protocol/stanzaSize.js";
export type { DropReason, OutboxStats } from "./transport/outbox.js";
// Types that the exports above refer to, so that the API reference (npm run docs) shows them.
export type { Connection } from "./transport/connection.js";
export type { Outbox } from "./transport/outbox.js";
export type { PendingJoin, PendingRead, ReadNeeds, RoomHandle } from "./machines/roomEvents.js";
export { ABANDONED, SHUTTING_DOWN } from "./machines/roomErrors.js";
export { STANZA_ERROR_CONDITIONS } from "./protocol/conditions.js";
export { isValidResourcepart, type ResourcepartResult } from "./protocol/resourcepart.js";
export { LeaseLostError, StoreItemNotFound, StoreRoomNotFound } from "./store/index.js";
export type { FencingTokens } from "./store/index.js";
export { createLeases } from "./cluster/leases.js";
export type { AcquireResult, LeaseEvents, LeaseOptions, Leases } from "./cluster/leases.js";
export { createOwnershipGate, decideOwnership } from "./cluster/ownershipGate.js";
export type { Admission, OwnershipDecision, OwnershipFacts, OwnershipGate, OwnershipGateOptions } from "./cluster/ownershipGate.js";
export { createOwnership } from "./cluster/gatewayOwnership.js";
export type { ArchiveInput, ArchiveSource, HoleBound, HoleBounds, ParticipantInput, RoomFlags, RoomKey, StoredRoomType } from "./store/types.js";
export type { ArchiveMark, ArchiveMetadata } from "./store/mam.js";
