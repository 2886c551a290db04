/**
 * The layer check (`npm run lint:deps`, docs/architecture.md) passes on the code and refuses
 * imports that run backwards: each case copies src/ to a temporary folder, adds one import, and
 * runs dependency-cruiser there with the project's configuration.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, copyFileSync, cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const depcruise = join(root, "node_modules/.bin/depcruise");
const folders: string[] = [];
afterAll(() => {
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

function cruise(cwd: string): { status: number | null; output: string } {
  const run = spawnSync(depcruise, ["src", "--config", ".dependency-cruiser.cjs"], { cwd, encoding: "utf8" });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** A copy of src/ with `line` appended to `file`, cruised with the project's rules. */
function cruiseWith(file: string, line: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), "mucstate-layers-"));
  folders.push(dir);
  cpSync(join(root, "src"), join(dir, "src"), { recursive: true });
  for (const f of ["tsconfig.json", "package.json", ".dependency-cruiser.cjs"]) copyFileSync(join(root, f), join(dir, f));
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  appendFileSync(join(dir, file), `\n${line}\n`);
  return cruise(dir);
}

describe("layer check", () => {
  it("finds no backward import in src", () => {
    const { status, output } = cruise(root);
    expect(output).toContain("no dependency violations found");
    expect(status).toBe(0);
  });

  it("refuses transport importing the router from actors", () => {
    const { status, output } = cruiseWith(
      "src/transport/outbox.ts",
      'import { createRouter } from "../actors/router.js";\nexport const probe = createRouter;',
    );
    expect(output).toContain("error transport-imports-only-protocol+optionChecks: src/transport/outbox.ts → src/actors/router.ts");
    expect(status).not.toBe(0);
  });

  it("refuses actors importing a transport class as a value, not only its type", () => {
    const { status, output } = cruiseWith(
      "src/actors/bookmarks.ts",
      'import { IqCaller as Probe } from "../transport/iqCaller.js";\nexport const probe = Probe;',
    );
    expect(output).toContain("error actors-imports-only-types-from-transport: src/actors/bookmarks.ts → src/transport/iqCaller.ts");
    expect(status).not.toBe(0);
  });

  it("refuses the plugin API importing actor internals, even as types", () => {
    const { status, output } = cruiseWith(
      "src/legacy/RoomHost.ts",
      'import type { AvatarCache } from "../actors/avatars.js";\nexport type Probe = AvatarCache;',
    );
    expect(output).toContain("error legacy-imports-only-protocol+optionChecks: src/legacy/RoomHost.ts → src/actors/avatars.ts");
    expect(status).not.toBe(0);
  });

  it("refuses protocol code importing anything else in src", () => {
    const { status, output } = cruiseWith(
      "src/protocol/xep0045.ts",
      'import type { LegacyRoom } from "../legacy/LegacyRoom.js";\nexport type Probe = LegacyRoom;',
    );
    expect(output).toContain("error protocol-imports-only-itself: src/protocol/xep0045.ts → src/legacy/LegacyRoom.ts");
    expect(output).toContain("error no-cycle-between-folders");
    expect(status).not.toBe(0);
  });
});
