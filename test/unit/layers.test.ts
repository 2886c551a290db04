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

  const backward = [
    {
      name: "refuses transport importing the router from actors",
      file: "src/transport/outbox.ts",
      line: 'import { createRouter } from "../actors/router.js";\nexport const probe = createRouter;',
      errors: ["error transport-imports-only-protocol+optionChecks: src/transport/outbox.ts → src/actors/router.ts"],
    },
    {
      name: "refuses actors importing a transport class as a value, not only its type",
      file: "src/actors/bookmarks.ts",
      line: 'import { IqCaller as Probe } from "../transport/iqCaller.js";\nexport const probe = Probe;',
      errors: ["error actors-imports-only-types-from-transport: src/actors/bookmarks.ts → src/transport/iqCaller.ts"],
    },
    {
      name: "refuses the plugin API importing actor internals, even as types",
      file: "src/legacy/RoomHost.ts",
      line: 'import type { AvatarCache } from "../actors/avatars.js";\nexport type Probe = AvatarCache;',
      errors: ["error legacy-imports-only-protocol+optionChecks: src/legacy/RoomHost.ts → src/actors/avatars.ts"],
    },
    {
      name: "refuses protocol code importing anything else in src",
      file: "src/protocol/xep0045.ts",
      line: 'import type { LegacyRoom } from "../legacy/LegacyRoom.js";\nexport type Probe = LegacyRoom;',
      errors: ["error protocol-imports-only-itself: src/protocol/xep0045.ts → src/legacy/LegacyRoom.ts", "error no-cycle-between-folders"],
    },
    {
      name: "refuses the machine importing a protocol builder, not only types",
      file: "src/machines/roomStatus.ts",
      line: 'import { errorReply } from "../protocol/rfc6120.js";\nexport const probe = errorReply;',
      errors: ["error machines-imports-only-types-from-protocol: src/machines/roomStatus.ts → src/protocol/rfc6120.ts"],
    },
  ];

  it.each(backward)("$name", ({ file, line, errors }) => {
    const { status, output } = cruiseWith(file, line);
    for (const error of errors) expect(output).toContain(error);
    expect(status).not.toBe(0);
  });
});
