// An unknown field is answered with its exact path and the name that was probably meant,
// whichever way the request came: a JSON body, the `options` query of a streamed list.
import { describe, expect, it } from "vitest";
import type { ErrorResponse } from "../support/api-types";
import { api, json } from "./helpers";

const GOOD_URL = "https://example.com/a";

async function refusal(path: string, init: RequestInit): Promise<ErrorResponse["error"]> {
  const response = await api(path, { method: "POST", ...init });
  expect(response.status).toBe(400);
  return (await json<ErrorResponse>(response)).error;
}

const postJson = (body: unknown) =>
  refusal("/v1/batches", { headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("unknown fields", () => {
  it("names options.formts and suggests formats", async () => {
    const error = await postJson({ urls: [GOOD_URL], options: { formts: ["markdown"] } });
    expect(error.message).toBe("options.formts: unknown field; did you mean `formats`?");
    expect(error.details).toEqual([{ field: "options.formts", reason: "unknown field; did you mean `formats`?" }]);
  });

  it("points includeTags at includeSelectors on the native API", async () => {
    const error = await postJson({ urls: [GOOD_URL], options: { includeTags: ["main"] } });
    expect(error.details[0]?.field).toBe("options.includeTags");
    expect(error.message).toContain("`includeSelectors`");
  });

  it("says an option given at the top level goes in options", async () => {
    const error = await postJson({ urls: [GOOD_URL], onlyMainContent: false });
    expect(error.details[0]).toEqual({
      field: "onlyMainContent",
      reason: "unknown field here; it belongs in `options` (`options.onlyMainContent`)",
    });
  });

  it("names every unknown key, each with its own path", async () => {
    const error = await postJson({
      urls: [{ url: GOOD_URL, idd: "x" }],
      options: { imagse: false, webhook: { url: "https://example.com/h", evnets: [] } },
    });
    const fields = error.details.map((d) => d.field).sort();
    expect(fields).toEqual(["options.imagse", "options.webhook.evnets", "urls[0].idd"].sort());
    expect(error.details.find((d) => d.field === "options.imagse")?.reason).toContain("`images`");
  });

  it("does the same for the options query of a streamed list", async () => {
    const options = encodeURIComponent(JSON.stringify({ excludeTags: ["nav"] }));
    const error = await refusal(`/v1/batches?options=${options}`, {
      headers: { "content-type": "text/plain" },
      body: `${GOOD_URL}\n`,
    });
    expect(error.details[0]?.field).toBe("options.excludeTags");
    expect(error.message).toContain("`excludeSelectors`");
  });

  it("suggests on a schedule's misspelt field", async () => {
    const error = await postJson({ urls: [GOOD_URL], schedule: { dialy: "02:00" } });
    expect(error.details.map((d) => d.field)).toContain("schedule.dialy");
    expect(error.message).toMatch(/did you mean `daily`\?/);
  });
});
