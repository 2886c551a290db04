/**
 * Room avatars: loading from bytes, a file or an http(s) URL, hashing (SHA-1, as XEP-0153 and
 * XEP-0486 use), and a gateway-wide cache by unique id with lru-cache, bounded in bytes.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { LRUCache } from "lru-cache";
import type { Avatar, AvatarSource } from "../legacy/roomServiceTypes.js";
import { XMPPError } from "../protocol/xmppError.js";

/** The image type, from the first bytes. */
export function sniffMime(data: Uint8Array): string | undefined {
  const b = Buffer.from(data.subarray(0, 12));
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return "image/png";
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (b.subarray(0, 4).toString("latin1") === "GIF8") return "image/gif";
  if (b.subarray(0, 4).toString("latin1") === "RIFF" && b.subarray(8, 12).toString("latin1") === "WEBP") return "image/webp";
  return undefined;
}

/** SHA-1 of bytes, hex. */
export function sha1(data: Uint8Array): string {
  return createHash("sha1").update(data).digest("hex");
}

/** The unique id an avatar gets when the plugin gives none: the URL, the path, or the bytes' SHA-1. */
export function defaultUniqueId(source: AvatarSource): string {
  if (source instanceof Uint8Array) return sha1(source);
  return source.toString();
}

/** Options of {@link AvatarCache}. */
export interface AvatarCacheOptions {
  /** Bytes all cached avatars may take. @defaultValue 64 MiB */
  maxBytes?: number;
  /** Largest avatar accepted. @defaultValue 4 MiB */
  maxAvatarBytes?: number;
}

/** Loads avatars, once per unique id while they stay in the cache. */
export class AvatarCache {
  readonly #cache: LRUCache<string, Avatar>;
  readonly #maxAvatarBytes: number;

  constructor(options: AvatarCacheOptions = {}) {
    const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.#maxAvatarBytes = options.maxAvatarBytes ?? 4 * 1024 * 1024;
    if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new TypeError("maxBytes option must be a positive integer");
    this.#cache = new LRUCache<string, Avatar>({ maxSize: maxBytes, sizeCalculation: (a) => Math.max(1, a.data.byteLength) });
  }

  /** Number of cached avatars. */
  get size(): number {
    return this.#cache.size;
  }

  /** The cached avatar with this unique id, if any. */
  peek(uniqueId: string): Avatar | undefined {
    return this.#cache.peek(uniqueId);
  }

  /** The avatar for `uniqueId`, loaded from `source` unless cached. */
  async load(uniqueId: string, source: AvatarSource, signal?: AbortSignal): Promise<Avatar> {
    const cached = this.#cache.get(uniqueId);
    if (cached) return cached;
    const data = await readSource(source, signal);
    if (data.byteLength > this.#maxAvatarBytes) {
      throw new XMPPError("not-acceptable", `Avatars are limited to ${this.#maxAvatarBytes} bytes`);
    }
    const avatar: Avatar = { uniqueId, hash: sha1(data), mime: sniffMime(data) ?? "application/octet-stream", data };
    this.#cache.set(uniqueId, avatar);
    return avatar;
  }
}

async function readSource(source: AvatarSource, signal?: AbortSignal): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  const url = source instanceof URL ? source : /^(https?|file):\/\//.test(source) ? new URL(source) : undefined;
  if (!url) return new Uint8Array(await readFile(source, { signal }));
  if (url.protocol === "file:") return new Uint8Array(await readFile(url, { signal }));
  const response = await fetch(url, { signal });
  if (!response.ok) throw new Error(`avatar ${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}
