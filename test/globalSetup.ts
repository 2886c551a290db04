/**
 * Builds dist/ once before the tests, so that tests of the `mucstate` command run the code
 * under test, whichever way vitest was started.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  if (process.env.MUCSTATE_SKIP_BUILD) return;
  const root = fileURLToPath(new URL("..", import.meta.url));
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
}
