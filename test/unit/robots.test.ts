import robotsParser from "robots-parser";
import { describe, expect, it } from "vitest";
import {
  crawlDelaySeconds,
  isAllowed,
  patternMatches,
  productToken,
  ROBOTS_MAX_BYTES,
  RobotsRules,
  robotsUrlFor,
  rulesFromFailure,
  rulesFromResponse,
} from "../../lib/robots";

const UA = "TrawlBot/0.1 (+https://github.com/trawl/trawl; batch extraction)";
const rules = (text: string) => rulesFromResponse(200, text);
const allowed = (text: string, path: string, ua = UA) => isAllowed(rules(text), `https://example.com${path}`, ua);

describe("productToken", () => {
  it.each([
    [UA, "TrawlBot"],
    ["TrawlBot", "TrawlBot"],
    ["  TrawlBot (+https://x)", "TrawlBot"],
    ["Mozilla/5.0 (compatible; TrawlBot/0.1)", "Mozilla"],
    ["", "*"],
    ["   ", "*"],
  ])("of %j is %j", (ua, token) => {
    expect(productToken(ua)).toBe(token);
  });
});

describe("group matching", () => {
  const text = [
    "User-agent: *",
    "Disallow: /",
    "",
    "User-agent: trawlbot",
    "Disallow: /private",
    "",
    "User-agent: OtherBot",
    "Allow: /",
  ].join("\n");

  it("uses the group naming our product token, case-insensitively", () => {
    expect(allowed(text, "/public")).toBe(true);
    expect(allowed(text, "/private/x")).toBe(false);
  });

  it("falls back to * when no group names us", () => {
    expect(allowed(text, "/public", "SomeBot/2.0")).toBe(false);
    const starOnly = "User-agent: *\nDisallow: /admin\n";
    expect(allowed(starOnly, "/admin/users")).toBe(false);
    expect(allowed(starOnly, "/blog")).toBe(true);
  });

  it("does not fall back to * when our group exists but is empty", () => {
    expect(allowed("User-agent: *\nDisallow: /\n\nUser-agent: TrawlBot\nDisallow:\n", "/anything")).toBe(true);
  });

  it("does not match a token that merely starts with ours", () => {
    const text2 = "User-agent: TrawlBotExtra\nDisallow: /\n\nUser-agent: *\nAllow: /\n";
    expect(allowed(text2, "/page")).toBe(true);
  });

  it("combines groups that name the same agent, and shared groups", () => {
    const text2 = [
      "User-agent: TrawlBot",
      "Disallow: /a",
      "User-agent: *",
      "Disallow: /",
      "User-agent: OtherBot",
      "User-agent: TrawlBot",
      "Disallow: /b",
    ].join("\n");
    expect(allowed(text2, "/a")).toBe(false);
    expect(allowed(text2, "/b")).toBe(false);
    expect(allowed(text2, "/c")).toBe(true);
    expect(allowed(text2, "/b", "OtherBot")).toBe(false);
    expect(allowed(text2, "/c", "OtherBot")).toBe(true);
  });

  // robots-parser trims each line with String#trim, which also drops a UTF-8 BOM.
  it("ignores comments, blank lines, CRLF, odd case and a leading BOM", () => {
    const text2 = "\uFEFFuser-AGENT: TrawlBot # us\r\n\r\nDISALLOW: /x # no\r\n";
    expect(allowed(text2, "/x")).toBe(false);
    expect(allowed(text2, "/y")).toBe(true);
  });

  it("allows everything for an empty or rule-less file", () => {
    expect(allowed("", "/anything")).toBe(true);
    expect(allowed("<html><body>Not a robots file</body></html>", "/x")).toBe(true);
    expect(isAllowed(rulesFromResponse(200, null), "https://example.com/x", UA)).toBe(true);
  });
});

describe("rule precedence and patterns", () => {
  it("lets the longest matching rule win", () => {
    const text = "User-agent: *\nDisallow: /shop\nAllow: /shop/public\nDisallow: /shop/public/secret\n";
    expect(allowed(text, "/shop/cart")).toBe(false);
    expect(allowed(text, "/shop/public/item")).toBe(true);
    expect(allowed(text, "/shop/public/secret/1")).toBe(false);
    expect(allowed(text, "/shopping")).toBe(false);
    expect(allowed(text, "/about")).toBe(true);
  });

  it("prefers Allow when an Allow and a Disallow are equally long", () => {
    expect(allowed("User-agent: *\nDisallow: /page\nAllow: /page\n", "/page")).toBe(true);
    expect(allowed("User-agent: *\nAllow: /page\nDisallow: /page\n", "/page")).toBe(true);
  });

  it("matches * as any run of characters", () => {
    const text = "User-agent: *\nDisallow: /*.pdf\nDisallow: /a*/edit\n";
    expect(allowed(text, "/docs/file.pdf")).toBe(false);
    expect(allowed(text, "/docs/file.pdf?download=1")).toBe(false);
    expect(allowed(text, "/docs/file.html")).toBe(true);
    expect(allowed(text, "/articles/42/edit")).toBe(false);
    expect(allowed(text, "/b/edit")).toBe(true);
  });

  it("anchors a pattern ending in $ to the end of the path", () => {
    const text = "User-agent: *\nDisallow: /*.php$\nDisallow: /exact$\n";
    expect(allowed(text, "/index.php")).toBe(false);
    expect(allowed(text, "/index.php?x=1")).toBe(true);
    expect(allowed(text, "/index.php5")).toBe(true);
    expect(allowed(text, "/exact")).toBe(false);
    expect(allowed(text, "/exact/more")).toBe(true);
  });

  it("matches the query string and ignores the fragment", () => {
    const text = "User-agent: *\nDisallow: /*?sessionid=\n";
    expect(allowed(text, "/page?sessionid=1")).toBe(false);
    expect(allowed(text, "/page#?sessionid=1")).toBe(true);
  });

  it("matches percent-encoded and raw non-ASCII paths alike", () => {
    const text = "User-agent: *\nDisallow: /café\n";
    expect(allowed(text, "/caf%C3%A9/menu")).toBe(false);
    expect(allowed(text, "/café/menu")).toBe(false);
    expect(allowed(text, "/cafe/menu")).toBe(true);
  });

  it("always allows /robots.txt itself", () => {
    expect(allowed("User-agent: *\nDisallow: /\n", "/robots.txt")).toBe(true);
    expect(isAllowed(rulesFromResponse(503, null), "https://example.com/robots.txt", UA)).toBe(true);
  });

  it("refuses a URL it cannot parse", () => {
    expect(isAllowed(rules(""), "not a url", UA)).toBe(false);
  });

  it("judges the same rules for any host's URLs by path", () => {
    const r = rules("User-agent: *\nDisallow: /x\n");
    expect(isAllowed(r, "http://a.example:8080/x", UA)).toBe(false);
    expect(isAllowed(r, "https://b.example/y", UA)).toBe(true);
  });
});

describe("crawl-delay", () => {
  it("reads the delay of our group", () => {
    const text = "User-agent: *\nCrawl-delay: 10\n\nUser-agent: TrawlBot\nCrawl-delay: 2.5\nDisallow: /x\n";
    expect(crawlDelaySeconds(rules(text), UA)).toBe(2.5);
    expect(crawlDelaySeconds(rules(text), "OtherBot/1.0")).toBe(10);
  });

  it("does not borrow * delay when our group has none", () => {
    const text = "User-agent: *\nCrawl-delay: 10\n\nUser-agent: TrawlBot\nDisallow: /x\n";
    expect(crawlDelaySeconds(rules(text), UA)).toBeNull();
  });

  it("is null without a delay, for a bad delay, and for unavailable or unreachable files", () => {
    expect(crawlDelaySeconds(rules("User-agent: *\nDisallow: /x\n"), UA)).toBeNull();
    expect(crawlDelaySeconds(rules("User-agent: *\nCrawl-delay: soon\n"), UA)).toBeNull();
    expect(crawlDelaySeconds(rules("User-agent: *\nCrawl-delay: -3\n"), UA)).toBeNull();
    expect(crawlDelaySeconds(rules("User-agent: *\nCrawl-delay: Infinity\n"), UA)).toBeNull();
    expect(crawlDelaySeconds(rulesFromResponse(404, null), UA)).toBeNull();
    expect(crawlDelaySeconds(rulesFromResponse(500, null), UA)).toBeNull();
  });

  it("reads a zero delay as zero", () => {
    expect(crawlDelaySeconds(rules("User-agent: *\nCrawl-delay: 0\n"), UA)).toBe(0);
  });
});

describe("fetch outcomes", () => {
  const strict = "User-agent: *\nDisallow: /\n";

  it.each([400, 401, 403, 404, 410, 451, 499])("treats %d as unavailable: allow all", (status) => {
    const r = rulesFromResponse(status, strict);
    expect(r.outcome).toBe("unavailable");
    expect(isAllowed(r, "https://example.com/x", UA)).toBe(true);
  });

  it.each([0, 429, 500, 502, 503, 504, 599, 100, 600])("treats %d as unreachable: disallow all", (status) => {
    const r = rulesFromResponse(status, strict);
    expect(r.outcome).toBe("unreachable");
    expect(isAllowed(r, "https://example.com/x", UA)).toBe(false);
  });

  it.each([300, 301, 302, 304, 307, 308])("treats a final %d the fetcher could not follow as allow all", (status) => {
    expect(isAllowed(rulesFromResponse(status, null), "https://example.com/x", UA)).toBe(true);
  });

  it.each([200, 203, 206])("parses the body of a %d", (status) => {
    const r = rulesFromResponse(status, strict);
    expect(r).toEqual({ outcome: "parsed", status, text: strict, truncated: false });
    expect(isAllowed(r, "https://example.com/x", UA)).toBe(false);
  });
});

describe("fetches that end without a body", () => {
  const allowsAll = (r: ReturnType<typeof rulesFromFailure>) => isAllowed(r, "https://example.com/x", UA);

  // RFC 9309 §2.3.1.2: past five redirects a crawler MAY treat robots.txt as unavailable.
  it.each([
    ["too_many_redirects", null],
    ["too_many_redirects", 302],
    ["blocked_address", null],
    ["invalid_url", 301],
  ] as const)("treats a redirect chain that ends in %s as unavailable: allow all", (code, status) => {
    const r = rulesFromFailure(code, status);
    expect(r.outcome).toBe("unavailable");
    expect(allowsAll(r)).toBe(true);
  });

  // The status was 200, but no complete file was read: an empty one would allow everything.
  it.each(["timeout", "network_error", "decoding_failed", "too_large"] as const)(
    "treats a 200 whose body ended in %s as unreachable: disallow all",
    (code) => {
      const r = rulesFromFailure(code, 200);
      expect(r).toEqual({ outcome: "unreachable", status: 0 });
      expect(allowsAll(r)).toBe(false);
    },
  );

  it("judges an HTTP error by its status, as for a response", () => {
    expect(rulesFromFailure("http_error", 404).outcome).toBe("unavailable");
    expect(rulesFromFailure("http_error", 500).outcome).toBe("unreachable");
    expect(rulesFromFailure("rate_limited", 429).outcome).toBe("unreachable");
    expect(rulesFromFailure("rate_limited", 503).outcome).toBe("unreachable");
  });

  it("treats a robots.txt that is not text as unavailable: allow all", () => {
    expect(allowsAll(rulesFromFailure("unsupported_content_type", 200))).toBe(true);
  });
});

describe("oversize body", () => {
  const rule = "Disallow: /private-area\n";

  it("keeps only the first 500 KiB, cut at a line break", () => {
    const head = "User-agent: *\n";
    const body = head + rule.repeat(Math.ceil(ROBOTS_MAX_BYTES / rule.length) + 10);
    const r = rulesFromResponse(200, body);
    if (r.outcome !== "parsed") throw new Error("expected parsed rules");
    expect(r.truncated).toBe(true);
    expect(new TextEncoder().encode(r.text).length).toBeLessThanOrEqual(ROBOTS_MAX_BYTES);
    expect(r.text.length).toBeGreaterThan(ROBOTS_MAX_BYTES - rule.length);
    expect(r.text.endsWith(rule)).toBe(true);
  });

  it("ignores rules past the limit and never widens a rule it cut", () => {
    // Pad so that the limit falls inside "Disallow: /private-area": a naive cut would
    // leave "Disallow: /" and block the whole site.
    const prefix = "User-agent: *\n";
    const padLine = "# padding\n";
    const target = ROBOTS_MAX_BYTES - prefix.length - "Disallow: /".length;
    const padding = `${padLine.repeat(Math.floor(target / padLine.length))}${"#".repeat((target % padLine.length) - 1)}\n`;
    const body = `${prefix}${padding}${rule}Disallow: /late\n`;
    const r = rulesFromResponse(200, body);
    expect(r.outcome === "parsed" && r.truncated).toBe(true);
    expect(isAllowed(r, "https://example.com/elsewhere", UA)).toBe(true);
    expect(isAllowed(r, "https://example.com/late", UA)).toBe(true);
  });

  it("counts bytes, not characters", () => {
    // 200 Ki three-byte characters: 600 KiB of UTF-8 in 200 Ki UTF-16 units.
    const body = `User-agent: *\nDisallow: /x\n${"# ".concat("€".repeat(1023), "\n").repeat(200)}`;
    const r = rulesFromResponse(200, body);
    expect(r.outcome === "parsed" && r.truncated).toBe(true);
    expect(isAllowed(r, "https://example.com/x", UA)).toBe(false);
  });

  it("drops the half line at the end of a body the fetcher cut short", () => {
    // The fetcher stopped inside "Disallow: /private-area"; kept, "Disallow: /" would block the site.
    const r = rulesFromResponse(200, "User-agent: *\nDisallow: /secret/\nDisallow: /", true);
    expect(r).toMatchObject({ outcome: "parsed", truncated: true, text: "User-agent: *\nDisallow: /secret/\n" });
    expect(isAllowed(r, "https://example.com/elsewhere", UA)).toBe(true);
    expect(isAllowed(r, "https://example.com/secret/page", UA)).toBe(false);
  });

  it("leaves a body at exactly the limit untouched", () => {
    const body = `User-agent: *\n${"#".repeat(ROBOTS_MAX_BYTES - 15)}\n`;
    expect(new TextEncoder().encode(body).length).toBe(ROBOTS_MAX_BYTES);
    expect(rulesFromResponse(200, body)).toMatchObject({ truncated: false, text: body });
  });
});

describe("RobotsRules schema", () => {
  it("round-trips every outcome through JSON", () => {
    for (const r of [
      rules("User-agent: *\nDisallow: /x\n"),
      rulesFromResponse(404, null),
      rulesFromResponse(0, null),
    ]) {
      const back = RobotsRules.parse(JSON.parse(JSON.stringify(r)));
      expect(back).toEqual(r);
      expect(isAllowed(back, "https://example.com/x", UA)).toBe(isAllowed(r, "https://example.com/x", UA));
    }
  });

  it("rejects a tampered cache entry", () => {
    expect(RobotsRules.safeParse({ outcome: "parsed", status: 200 }).success).toBe(false);
    expect(RobotsRules.safeParse({ outcome: "maybe", status: 200 }).success).toBe(false);
  });
});

describe("robotsUrlFor", () => {
  it.each([
    ["https://example.com/a/b?c=d#e", "https://example.com/robots.txt"],
    ["http://example.com:8080/x", "http://example.com:8080/robots.txt"],
    ["https://example.com:443/x", "https://example.com/robots.txt"],
    ["https://user:pass@Example.COM/x", "https://example.com/robots.txt"],
    ["https://sub.example.com/", "https://sub.example.com/robots.txt"],
    ["https://münchen.de/x", "https://xn--mnchen-3ya.de/robots.txt"],
    ["http://[2001:db8::1]:81/x", "http://[2001:db8::1]:81/robots.txt"],
  ])("for %s is %s", (url, expected) => {
    expect(robotsUrlFor(url)).toBe(expected);
  });

  it.each(["ftp://example.com/x", "not a url", "/relative"])("throws for %j", (url) => {
    expect(() => robotsUrlFor(url)).toThrow(TypeError);
  });
});

describe("bounded matching work", () => {
  /** A tiny seeded generator, so a failure names a case that can be replayed. */
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
  }
  const pick = (next: () => number, alphabet: string, length: number) =>
    Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join("");

  it("decides as robots-parser does on random wildcard rules and paths", () => {
    const next = random(19);
    for (let n = 0; n < 3000; n++) {
      const lines = Array.from({ length: 1 + Math.floor(next() * 4) }, () => {
        const pattern = `/${pick(next, "ab/*.", Math.floor(next() * 7))}${next() < 0.3 ? "$" : ""}`;
        return `${next() < 0.5 ? "Allow" : "Disallow"}: ${pattern}`;
      });
      const text = `User-agent: *\n${lines.join("\n")}\n`;
      const path = `/${pick(next, "ab/.$*", Math.floor(next() * 9))}`;
      const url = `https://example.com${path}`;
      const reference = robotsParser("https://example.com/robots.txt", text).isAllowed(url, "TrawlBot") !== false;
      expect(isAllowed(rulesFromResponse(200, text, false), url, "TrawlBot/0.1"), `${text}${path}`).toBe(reference);
    }
  });

  it("decides a URL against 500 KiB of wildcard rules as robots-parser does (its cost: npm run bench:robots)", () => {
    const line = "Disallow: /*a*b*c*d*e*f*g*h*i*j*k*l*m*n*o*p*q*r*s*t*u*v*w*x*y*z*\n";
    const text = `User-agent: *\n${line.repeat(Math.floor(ROBOTS_MAX_BYTES / line.length) - 1)}`;
    const rules = rulesFromResponse(200, text, false);
    expect(isAllowed(rules, `https://example.com/${"abcdefghijklmnopqrstuvwxy".repeat(80)}`, "TrawlBot/0.1")).toBe(
      true,
    );
    expect(isAllowed(rules, `https://example.com/${"abcdefghijklmnopqrstuvwxyz".repeat(2)}`, "TrawlBot/0.1")).toBe(
      false,
    );
  });

  it.each([
    ["/a*b$", "/xxab", false],
    ["/a*b$", "/axxb", true],
    ["/*.pdf$", "/x.pdf?y", false],
    ["/*.pdf", "/x.pdf?y", true],
    ["/a$", "/a", true],
    ["/a$", "/ab", false],
    ["*", "/", true],
    ["/a**b", "/ab", true],
  ])("pattern %s on %s: %s", (pattern, path, expected) => {
    expect(patternMatches(pattern, path)).toBe(expected);
  });
});
