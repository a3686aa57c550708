// Where the UI tests' browser comes from: the order test/support/browser.ts promises.
import { describe, expect, it } from "vitest";
import { findBrowser, NO_BROWSER } from "../support/browser";

describe("findBrowser", () => {
  it("takes CHROMIUM_PATH first when it names a file", async () => {
    expect(await findBrowser({ CHROMIUM_PATH: process.execPath })).toEqual({
      path: process.execPath,
      source: "CHROMIUM_PATH",
    });
  });

  it("fails with the one line that says how to provide a browser when CHROMIUM_PATH is wrong", async () => {
    await expect(findBrowser({ CHROMIUM_PATH: "/nowhere/chromium" })).rejects.toThrow(NO_BROWSER);
  });

  it("finds a browser on this machine without CHROMIUM_PATH (system or the npm package's)", async () => {
    const found = await findBrowser({});
    expect(["system", "@sparticuz/chromium"]).toContain(found.source);
  });
});
