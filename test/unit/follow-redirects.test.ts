import { afterEach, describe, expect, it, vi } from "vitest";
import { fetchPage } from "../../fetch/fetcher";

/** Answers each URL from `routes` and records the headers every request carried. */
function stubOrigins(routes: Record<string, () => Response>): { url: string; headers: Headers }[] {
  const seen: { url: string; headers: Headers }[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    seen.push({ url, headers: new Headers(init?.headers) });
    return (routes[url] ?? (() => new Response("missing", { status: 404 })))();
  });
  return seen;
}

const redirect = (location: string) => () => new Response(null, { status: 301, headers: { location } });
const page = () => new Response("<html><body><p>hello</p></body></html>", { headers: { "content-type": "text/html" } });
const limits = {
  maxRedirects: 5,
  // Host names are fetched only where the runtime checks the address they resolve to.
  allow: { origins: new Set<string>(), names: "platform-checked" as const },
  timeoutMs: 5000,
  maxBytes: 1_000_000,
  userAgent: "TrawlBot/test",
};
const validators = { "if-none-match": '"v1"', "if-modified-since": "Mon, 07 Dec 2026 10:00:00 GMT" };

afterEach(() => {
  vi.restoreAllMocks();
});

describe("conditional requests across redirects", () => {
  it("sends validators on every hop of the original origin, and to no other origin", async () => {
    const seen = stubOrigins({
      "https://shop.example/a": redirect("/b"),
      "https://shop.example/b": redirect("https://cdn.example/b"),
      "https://cdn.example/b": redirect("https://shop.example/c"),
      "https://shop.example/c": page,
    });
    const outcome = await fetchPage("https://shop.example/a", limits, validators);
    expect(outcome.ok).toBe(true);
    expect(seen.map((s) => [s.url, s.headers.get("if-none-match"), s.headers.get("if-modified-since")])).toEqual([
      ["https://shop.example/a", '"v1"', validators["if-modified-since"]],
      ["https://shop.example/b", '"v1"', validators["if-modified-since"]],
      ["https://cdn.example/b", null, null],
      ["https://shop.example/c", '"v1"', validators["if-modified-since"]],
    ]);
  });

  it("does not take another origin's 304 for the page not modified: it was sent no validators", async () => {
    stubOrigins({
      "https://shop.example/a": redirect("https://cdn.example/a"),
      "https://cdn.example/a": () => new Response(null, { status: 304 }),
    });
    const outcome = await fetchPage("https://shop.example/a", limits, validators);
    expect(outcome.ok && outcome.notModified).toBe(false);
  });
});
