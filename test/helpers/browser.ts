/**
 * Debian's Chromium (/usr/bin/chromium, installed by `scripts/ensure-deps.sh --browser`) driven by
 * playwright-core, for the browser tests.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/** Debian's Chromium, which the browser tests drive. */
export const CHROMIUM = "/usr/bin/chromium";
/** Why a browser test is skipped, or undefined when Chromium is there. */
export const NO_CHROMIUM = existsSync(CHROMIUM)
  ? undefined
  : `SKIPPED: ${CHROMIUM} is missing (install it with 'apt-get install -y chromium'; scripts/ensure-deps.sh does)`;
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A headless Chromium with a throw-away profile; `close` also removes the profile. */
export async function openBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), "mucstate-chromium-"));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
