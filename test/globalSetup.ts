/**
 * Builds dist/ once before the tests, so that tests of the `mucstate` command run the code
 * under test, whichever way vitest was started; and removes the test-bed folders that earlier
 * runs killed midway left behind (older than 10 minutes, no Prosody running in them).
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { removeStaleRuntimeFolders } from "../src/testbed/processes.js";
import { TESTBED_BASE } from "../src/testbed/prosody.js";

export default async function setup(): Promise<void> {
  await removeStaleRuntimeFolders(TESTBED_BASE);
  if (process.env.MUCSTATE_SKIP_BUILD) return;
  const root = fileURLToPath(new URL("..", import.meta.url));
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
}
