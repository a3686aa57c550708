import { describe, expect, it } from "vitest";
import { createApp } from "../../api/app";
import { inlineMarkdown, renderDocsPage } from "../../api/docs-page";
import { referenceDocument } from "../../api/openapi-examples";

const page = renderDocsPage(referenceDocument(createApp()));

describe("/docs", () => {
  it("shows Markdown code spans as code, never as backticks", () => {
    expect(inlineMarkdown("use `includeSelectors` <b>")).toBe("use <code>includeSelectors</code> &lt;b&gt;");
    expect(page.replace(/<pre>[\s\S]*?<\/pre>/g, "")).not.toMatch(/`[a-zA-Z]/);
  });

  it("resolves every $ref into a table of fields, nested ones by their path", () => {
    expect(page).not.toContain("$ref");
    expect(page).toContain("<code>options.formats</code>");
    expect(page).toContain("<code>options.webhook.url</code>");
    expect(page).toContain("<code>counts.pending</code>");
    expect(page).toContain("Keep images in the Markdown");
  });

  it("shows an example for each route and says /v2 needs a key too", () => {
    expect(page.match(/<summary>Example<\/summary>/g)?.length ?? 0).toBeGreaterThan(30);
    expect(page).toContain("<code>/v2</code>");
  });
});
