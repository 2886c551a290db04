/**
 * The layer check (`npm run lint:deps`, docs/architecture.md) passes on the code and refuses
 * imports that run backwards: a copy of src/ gets every probe import below at once, and
 * dependency-cruiser runs there with the project's configuration; each probe must be refused
 * with its own error, naming its own file.
 *
 * A cruise parses all of src/ (about 2 s of CPU): the two cruises (src/ and the probed copy) run
 * side by side, started once, in child processes that do not block this worker.
 */
import { execFile } from "node:child_process";
import { appendFileSync, copyFileSync, cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const depcruise = join(root, "node_modules/.bin/depcruise");
const folders: string[] = [];
afterAll(() => {
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

type Cruise = { status: number | null; output: string };

function cruise(cwd: string): Promise<Cruise> {
  return new Promise((done) => {
    execFile(depcruise, ["src", "--config", ".dependency-cruiser.cjs"], { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === "number" ? error.code : null) : 0;
      done({ status, output: `${stdout}${stderr}` });
    });
  });
}

/** A copy of src/ with each probe's `line` appended to its `file`, cruised with the project's rules. */
function cruiseWith(probes: ReadonlyArray<{ file: string; line: string }>): Promise<Cruise> {
  const dir = mkdtempSync(join(tmpdir(), "mucstate-layers-"));
  folders.push(dir);
  cpSync(join(root, "src"), join(dir, "src"), { recursive: true });
  for (const f of ["tsconfig.json", "package.json", ".dependency-cruiser.cjs"]) copyFileSync(join(root, f), join(dir, f));
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  for (const { file, line } of probes) appendFileSync(join(dir, file), `\n${line}\n`);
  return cruise(dir);
}

/** The violations of a cruise's output, one string each (a cycle's path on one line). */
const violations = (output: string) =>
  output
    .split(/\n(?= {2}(?:error|warn) )/)
    .map((v) => v.replace(/\s*\n\s*/g, " ").trim())
    .filter((v) => /^(?:error|warn) /.test(v));

describe("layer check", { timeout: 120_000 }, () => {
  let clean: Promise<Cruise>;
  let probed: Promise<Cruise>;
  beforeAll(() => {
    clean = cruise(root);
    probed = cruiseWith(backward);
  });

  it("finds no backward import in src", async () => {
    const { status, output } = await clean;
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
      errors: ["error protocol-imports-only-itself: src/protocol/xep0045.ts → src/legacy/LegacyRoom.ts", "error no-cycle-between-folders: src/protocol/xep0045.ts → src/legacy/LegacyRoom.ts"],
    },
    {
      name: "refuses the machine importing a protocol builder, not only types",
      file: "src/machines/roomStatus.ts",
      line: 'import { errorReply } from "../protocol/rfc6120.js";\nexport const probe = errorReply;',
      errors: ["error machines-imports-only-types-from-protocol: src/machines/roomStatus.ts → src/protocol/rfc6120.ts"],
    },
  ];

  it.each(backward)("$name", async ({ errors }) => {
    const { status, output } = await probed;
    // A rule's error names the import; a cycle's names every step of it, the probe's among them.
    const found = violations(output);
    for (const error of errors) {
      const [rule, path] = error.split(": ");
      expect(found.filter((v) => v.startsWith(`${rule}:`) && v.includes(path!)), error).not.toEqual([]);
    }
    expect(status).not.toBe(0);
  });
});
