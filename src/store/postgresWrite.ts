/**
 * What the PostgreSQL store's writer runs, and which of its errors are the store's own checks.
 * @internal
 * @module
 */
import type pg from "pg";
import { LeaseLostError, StoreRoomNotFound } from "./errors.js";

/** A write on the writer connection. @internal */
export type Write<R> = (client: pg.ClientBase) => Promise<R>;

/**
 * An error of the store's own checks (an unknown room, a stale lease token, a bad record):
 * nothing failed in the database, so the open transaction goes on. @internal
 */
export const isOurs = (error: unknown): boolean => error instanceof StoreRoomNotFound || error instanceof LeaseLostError || error instanceof TypeError;
