// The browser for UI tests, found without any download: CHROMIUM_PATH if set, else a
// system Chromium or Chrome, else the Chromium build that ships inside the npm package
// @sparticuz/chromium (a devDependency, so `npm install` brings it). Where none of them
// exists the test fails with one line saying how to provide one, never a silent skip.
import { existsSync } from "node:fs";
import { arch, platform } from "node:os";
import { type Browser, chromium } from "playwright-core";

const SYSTEM_BROWSERS = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
];

// Headless on a closed network: without the background-networking flags Chromium keeps
// trying Google's hosts, and each refused connection is noise in the test's log.
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const NO_BROWSER =
  "no browser for the UI tests: set CHROMIUM_PATH to a Chromium or Chrome binary, install one (Debian: apt-get install chromium), or run `npm install` on Linux x64 to get @sparticuz/chromium";

/** Where the UI tests' browser is, and where it came from; throws NO_BROWSER when there is none. */
export async function findBrowser(
  env: Record<string, string | undefined> = process.env,
): Promise<{ path: string; source: string }> {
  if (env.CHROMIUM_PATH) {
    if (!existsSync(env.CHROMIUM_PATH))
      throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} does not exist; ${NO_BROWSER}`);
    return { path: env.CHROMIUM_PATH, source: "CHROMIUM_PATH" };
  }
  const system = SYSTEM_BROWSERS.find((path) => existsSync(path));
  if (system) return { path: system, source: "system" };
  if (platform() === "linux" && arch() === "x64") {
    // The package unpacks its brotli-compressed build into the temp folder on first use.
    const { default: packaged } = await import("@sparticuz/chromium");
    return { path: await packaged.executablePath(), source: "@sparticuz/chromium" };
  }
  throw new Error(NO_BROWSER);
}

/** Launches the UI tests' headless browser (see findBrowser for where it comes from). */
export async function launchBrowser(): Promise<Browser> {
  const { path } = await findBrowser();
  return chromium.launch({ executablePath: path, args: FLAGS });
}
