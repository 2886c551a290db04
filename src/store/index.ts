/**
 * Persistence behind one interface: rooms, participants and archives, in memory or in SQLite
 * ({@link Store}, synchronous), or in PostgreSQL ({@link AsyncStore}).
 *
 * @module
 */
export type { AsyncStore } from "./asyncTypes.js";
export type { GatewayStore } from "./eitherStore.js";
export { fromSyncStore } from "./asyncTypes.js";
export { isStoreFull, LeaseLostError, StoreItemNotFound, StoreRoomNotFound } from "./errors.js";
export type { FencingTokens } from "./postgresFencing.js";
export type { ArchiveMark, ArchiveMetadata, MamQuery, MamResult } from "./mam.js";
export { MAM_MAX_PAGE } from "./mam.js";
export { createMemoryStore } from "./memoryStore.js";
export { MIGRATIONS, migrate, SCHEMA_VERSION, schemaVersion } from "./migrations.js";
export type { RetentionOptions } from "./retention.js";
export { DEFAULT_RETENTION_DAYS, DEFAULT_RETENTION_INTERVAL_MS, PURGE_STEP, startRetention } from "./retention.js";
export { openSqliteStore } from "./sqliteStore.js";
export type { PostgresStoreOptions } from "./postgresStore.js";
export { createPostgresStore } from "./postgresStore.js";
export { migratePostgres, PG_MIGRATIONS, PG_SCHEMA_VERSION, pgSchemaVersion } from "./postgresMigrations.js";
export type {
  ArchivedMessage,
  ArchiveInput,
  ArchiveSource,
  HoleBound,
  HoleBounds,
  LostMessage,
  ParticipantInput,
  ParticipantRecord,
  RoomFlags,
  RoomKey,
  RoomRecord,
  Store,
  StoreOptions,
  StoredAvatar,
  StoredRoomType,
} from "./types.js";
