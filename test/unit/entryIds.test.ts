import { describe, expect, it } from "vitest";
import { newEntryId } from "../../src/actors/pendingEntries.js";

describe("the ids of joins, reads and requests", () => {
  it("never repeat, and share a random prefix drawn once per process", () => {
    const ids = Array.from({ length: 10_000 }, () => newEntryId());
    expect(new Set(ids).size).toBe(ids.length);
    // 8 random characters of nanoid's alphabet (which has "-" too), then "-".
    const prefix = ids[0]!.slice(0, 9);
    expect(prefix).toMatch(/^[A-Za-z0-9_-]{8}-$/);
    expect(ids.every((id) => id.startsWith(prefix))).toBe(true);
  });

  it("differ between two processes", async () => {
    const { execFileSync } = await import("node:child_process");
    const script = 'import { newEntryId } from "./src/actors/pendingEntries.ts"; console.log(newEntryId());';
    const run = () => execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" }).trim();
    const [a, b] = [run(), run()];
    expect(a).not.toBe(b);
    expect(a.endsWith("-1") && b.endsWith("-1")).toBe(true);
  }, 30_000);
});
