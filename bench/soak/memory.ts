/**
 * Where the soak gateway's resident memory is: /proc/self/smaps summed by kind of mapping, and
 * what V8 says it has committed. Linux only; elsewhere every figure is 0.
 */
import { readFileSync } from "node:fs";
import { getHeapSpaceStatistics, getHeapStatistics } from "node:v8";

/** Resident memory by kind, in bytes. */
export interface MemoryBreakdown {
  /** The `[heap]` mapping: glibc's main arena, where the main thread's malloc (SQLite's page cache) lives. */
  mainArena: number;
  /** Anonymous mappings other than `[heap]` and stacks: V8's heap pages, other threads' malloc arenas, large mallocs. */
  anonymous: number;
  /** File-backed mappings: node, shared libraries, the store's `-shm` file. */
  files: number;
  /** V8's committed physical memory (all spaces), part of {@link anonymous}. */
  v8Physical: number;
  /** Committed size of V8's old space (the old generation's objects). */
  oldSpace: number;
}

/** The committed size of one of V8's heap spaces (`"old_space"`, `"new_space"` …), in bytes; 0 for an unknown one. */
export function heapSpaceSize(name: string): number {
  return getHeapSpaceStatistics().find((sp) => sp.space_name === name)?.space_size ?? 0;
}

/** Sums /proc/self/smaps by kind of mapping. */
export function memoryBreakdown(): MemoryBreakdown {
  const v8Physical = getHeapStatistics().total_physical_size;
  const oldSpace = heapSpaceSize("old_space");
  const out: MemoryBreakdown = { mainArena: 0, anonymous: 0, files: 0, v8Physical, oldSpace };
  let smaps: string;
  try {
    smaps = readFileSync("/proc/self/smaps", "utf8");
  } catch {
    return out;
  }
  let kind: "mainArena" | "anonymous" | "files" | undefined;
  for (const line of smaps.split("\n")) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      const name = header[1] ?? "";
      kind = name === "[heap]" ? "mainArena" : name === "" ? "anonymous" : name.startsWith("[") ? undefined : "files";
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && kind) out[kind] += Number(rss[1]) * 1024;
  }
  return out;
}
