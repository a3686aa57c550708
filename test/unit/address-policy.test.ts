import { describe, expect, it } from "vitest";
import { checkFetchTarget, checkTarget, parseAllowList } from "../../lib/address-policy";

const none = parseAllowList(undefined);

describe("WHATWG URL parsing folds IPv4 spellings before we judge them", () => {
  it.each([
    ["http://2130706433/", "127.0.0.1"],
    ["http://0177.0.0.1/", "127.0.0.1"],
    ["http://0x7f.1/", "127.0.0.1"],
    ["http://0x7f000001/", "127.0.0.1"],
    ["http://127.1/", "127.0.0.1"],
    ["http://127.0.0.1./", "127.0.0.1"],
    ["http://0/", "0.0.0.0"],
    ["http://０x7f.1/", "127.0.0.1"],
    ["http://127。0。0。1/", "127.0.0.1"],
    ["http://[::ffff:127.0.0.1]/", "[::ffff:7f00:1]"],
    ["http://[0:0:0:0:0:0:0:1]/", "[::1]"],
    ["http://LOCALHOST/", "localhost"],
    ["http://%6c%6fcalhost/", "localhost"],
  ])("%s has hostname %s", (raw, hostname) => {
    expect(new URL(raw).hostname).toBe(hostname);
  });
});

describe("checkTarget refuses", () => {
  const blocked: string[] = [
    // loopback, every spelling
    "http://127.0.0.1/",
    "http://127.255.255.254/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0x7f.1/",
    "http://0x7f000001/",
    "http://127.1/",
    "http://127.0.0.1./",
    "http://127.0.0.2../",
    "http://2130706433../",
    "http://0x7f.1.../",
    "http://10.0.0.1../",
    "http://169.254.169.254../latest/meta-data/",
    "http://0177.0.0.01/",
    "https://127.0.0.1:8443/admin",
    "http://１２７.０.０.１/",
    "http://127。0。0。1/",
    "http://[::1]/",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::127.0.0.1]/",
    // localhost names
    "http://localhost/",
    "http://LOCALHOST:8080/",
    "http://localhost./",
    "http://localhost../",
    "http://api.localhost/",
    "http://%6c%6fcalhost/",
    "http://ｌｏｃａｌｈｏｓｔ/",
    // unspecified
    "http://0.0.0.0/",
    "http://0/",
    "http://0.1.2.3/",
    "http://[::]/",
    // private
    "http://10.0.0.1/",
    "http://10.255.255.255/",
    "http://172.16.0.1/",
    "http://172.31.255.255/",
    "http://192.168.1.1/",
    "http://3232235777/",
    "http://0xc0.0xa8.1.1/",
    // link-local, CGNAT, ULA
    "http://169.254.1.1/",
    "http://[fe80::1]/",
    "http://[febf::1]/",
    "http://100.64.0.1/",
    "http://100.127.255.255/",
    "http://100.100.100.200/",
    "http://[fc00::1]/",
    "http://[fdff:ffff::1]/",
    // cloud metadata
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://METADATA.GOOGLE.INTERNAL./",
    "http://metadata/",
    "http://instance-data/",
    "http://instance-data.ec2.internal/",
    // reserved suffixes
    "http://printer.local/",
    "http://db.corp.internal/",
    "http://router.home.arpa/",
    // multicast, reserved, broadcast, documentation, benchmarking
    "http://224.0.0.1/",
    "http://239.255.255.250/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://4294967295/",
    "http://192.0.0.170/",
    "http://192.0.2.1/",
    "http://198.18.0.1/",
    "http://203.0.113.5/",
    "http://[ff02::1]/",
    "http://[2001:db8::1]/",
    // IPv6 wrappers around IPv4
    "http://[::ffff:10.0.0.1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::ffff:8.8.8.8]/",
    "http://[::ffff:0:7f00:1]/",
    "http://[64:ff9b::127.0.0.1]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[64:ff9b::192.168.0.1]/",
    "http://[64:ff9b:1::808:808]/",
    "http://[2002:7f00:1::1]/",
    "http://[2002:c0a8:101::]/",
    "http://[2002:a9fe:a9fe::1]/",
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
    "http://[100::1]/",
  ];

  it("has a table of at least 40 spellings", () => {
    expect(blocked.length).toBeGreaterThanOrEqual(40);
  });

  it.each(blocked)("%s as blocked_address", (raw) => {
    const result = checkTarget(raw, none);
    expect(result).toMatchObject({ ok: false, error: { code: "blocked_address" } });
    if (!result.ok) expect(result.error.message).not.toBe("");
  });

  it.each([
    "file:///etc/passwd",
    "ftp://example.com/file",
    "data:text/html,<h1>x</h1>",
    "javascript:alert(1)",
    "gopher://example.com:70/",
    "ws://example.com/socket",
    "wss://example.com/socket",
    "blob:https://example.com/uuid",
    "mailto:someone@example.com",
    "about:blank",
    "not a url",
    "",
    "//example.com/path",
    "/relative/path",
    "http://",
    "http://[::1%25eth0]/",
    "http://1.2.3.4.5/",
    "http://256.0.0.1/",
    "http://exa mple.com/",
    `http://${"a".repeat(64)}.example.com/`,
    `http://${"a".repeat(64)}/`,
    `http://${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(58)}.com/`,
    "http://a..example.com/",
    "http://.example.com/",
    "http://../",
  ])("%j as invalid_url", (raw) => {
    expect(checkTarget(raw, none)).toMatchObject({ ok: false, error: { code: "invalid_url" } });
  });

  it.each([
    "http://user@example.com/",
    "http://user:pass@example.com/",
    "https://:secret@example.com/",
    "http://a%40b:c@example.com/",
  ])("credentials or a smuggled host in %s", (raw) => {
    const result = checkTarget(raw, none);
    expect(result.ok).toBe(false);
  });

  it.each([
    ["http://0x7f.1/", /loopback/],
    ["http://[::ffff:127.0.0.1]/", /IPv4-mapped/],
    ["http://169.254.169.254/", /metadata/],
    ["http://[fd00:ec2::254]/", /metadata/],
    ["http://[64:ff9b::10.1.2.3]/", /NAT64 .*10\.0\.0\.0\/8/],
    ["http://[2002:ac10:1::]/", /6to4 .*172\.16\.0\.0\/12/],
    ["http://100.64.0.1/", /carrier-grade NAT/],
    ["http://localhost./", /localhost/],
    ["http://127.0.0.2../", /loopback/],
    [`http://${"a".repeat(64)}.com/`, /label longer than 63/],
    [`http://${"a".repeat(250)}.com/`, /longer than 253/],
  ])("names why %s is refused", (raw, reason) => {
    const result = checkTarget(raw, none);
    expect(result.ok ? "" : result.error.message).toMatch(reason);
  });

  it("says the credentials are the reason", () => {
    expect(checkTarget("https://u:p@example.com/", none)).toEqual({
      ok: false,
      error: { code: "blocked_address", message: "credentials in URL" },
    });
  });
});

describe("checkTarget allows public URLs", () => {
  it.each([
    "https://example.com/",
    "http://example.com/path?q=1#frag",
    "https://www.wikipedia.org/wiki/Robots.txt",
    "https://EXAMPLE.COM./",
    "http://8.8.8.8/",
    "http://1.1.1.1:8080/dns-query",
    "https://93.184.215.14/",
    "http://172.32.0.1/",
    "http://100.128.0.1/",
    "http://192.169.0.1/",
    "http://[2606:4700:4700::1111]/",
    "http://[2a00:1450:4001:80b::200e]/",
    "http://[2002:808:808::1]/",
    "http://[64:ff9b::8.8.8.8]/",
    "https://münchen.de/",
    "http://intranet/",
    "https://localhost.example.com/",
    "https://local.example.com/",
    "https://example.internal.com/",
    "https://example.com../",
    `https://${"a".repeat(63)}.example.com/`,
    // 253 characters, the longest name DNS carries, with and without a trailing dot.
    `http://${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(57)}.com/`,
    `http://${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(57)}.com./`,
  ])("%s", (raw) => {
    const result = checkTarget(raw, none);
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(result.value.href).toBe(new URL(raw).href);
  });

  it("reads a backslash as a path separator, so the host is the public one", () => {
    const result = checkTarget("http://example.com\\@127.0.0.1/", none);
    expect(result.ok && result.value.hostname).toBe("example.com");
  });

  it("returns the normalised URL the fetcher should use", () => {
    const result = checkTarget("HTTPS://Example.COM:443/a/../b", none);
    expect(result.ok && result.value.href).toBe("https://example.com/b");
  });
});

describe("allow list", () => {
  const allow = parseAllowList("http://127.0.0.1:8790, http://localhost:8790/ ,,");

  it("allows a listed loopback origin", () => {
    expect(checkTarget("http://127.0.0.1:8790/page?x=1", allow)).toMatchObject({ ok: true });
    expect(checkTarget("http://localhost:8790/", allow)).toMatchObject({ ok: true });
  });

  it("matches the exact origin only", () => {
    for (const raw of [
      "http://127.0.0.1:8791/",
      "http://127.0.0.1/",
      "https://127.0.0.1:8790/",
      "http://127.0.0.2:8790/",
      "http://[::1]:8790/",
      "http://localhost:8791/",
      "http://169.254.169.254/",
    ]) {
      expect(checkTarget(raw, allow), raw).toMatchObject({ ok: false, error: { code: "blocked_address" } });
    }
  });

  it("matches other spellings of a listed origin", () => {
    expect(checkTarget("http://2130706433:8790/", allow)).toMatchObject({ ok: true });
    expect(checkTarget("http://127.0.0.1..:8790/", allow)).toMatchObject({ ok: true });
    expect(checkTarget("http://LOCALHOST:8790/", allow)).toMatchObject({ ok: true });
  });

  it("still refuses credentials on a listed origin", () => {
    expect(checkTarget("http://u:p@127.0.0.1:8790/", allow)).toMatchObject({
      ok: false,
      error: { code: "blocked_address" },
    });
  });

  it("still refuses other schemes", () => {
    expect(checkTarget("ws://127.0.0.1:8790/", allow)).toMatchObject({ ok: false, error: { code: "invalid_url" } });
  });

  it("is empty when the setting is empty or missing", () => {
    expect(parseAllowList("").origins.size).toBe(0);
    expect(parseAllowList(" , ").origins.size).toBe(0);
    expect(parseAllowList(undefined).origins.size).toBe(0);
    expect(checkTarget("http://127.0.0.1:8790/", parseAllowList(""))).toMatchObject({ ok: false });
  });

  it("accepts IPv6 loopback", () => {
    const v6 = parseAllowList("http://[::1]:8790");
    expect(checkTarget("http://[0:0:0:0:0:0:0:1]:8790/", v6)).toMatchObject({ ok: true });
  });

  it.each([
    "http://10.0.0.1:8790",
    "http://169.254.169.254",
    "https://example.com",
    "http://127.0.0.1:8790/path",
    "http://u:p@127.0.0.1:8790",
    "ftp://127.0.0.1",
    "127.0.0.1:8790",
  ])("rejects the setting entry %s", (entry) => {
    expect(() => parseAllowList(`http://127.0.0.1:8790,${entry}`)).toThrow(/allowed origin/);
  });
});

describe("checkFetchTarget: host names only where the runtime checks their address", () => {
  const local = parseAllowList("http://127.0.0.1:8790", "true");
  const edge = parseAllowList("", "true");
  const selfHosted = parseAllowList("", undefined);
  const names = [
    "http://vm:8790/",
    "http://runsc/",
    "http://internal-service.corp:8080/x",
    "http://127.0.0.1.nip.io/",
    "http://localtest.me/",
    "https://example.com/page",
    "http://xn--nxasmq6b.com/",
  ];

  it.each(names)("refuses %s in local mode, even with the platform flag declared", (url) => {
    expect(checkFetchTarget(url, local)).toMatchObject({ ok: false, error: { code: "blocked_address" } });
  });

  it.each(names)("refuses %s where nothing declares the platform check", (url) => {
    expect(checkFetchTarget(url, selfHosted)).toMatchObject({ ok: false, error: { code: "blocked_address" } });
    expect(checkFetchTarget(url, none)).toMatchObject({ ok: false, error: { code: "blocked_address" } });
  });

  it.each(names)("lets %s through where the platform checks resolved addresses", (url) => {
    expect(checkFetchTarget(url, edge)).toMatchObject({ ok: true });
  });

  it.each([
    "http://93.184.215.14/",
    "https://[2606:4700::6810:85e5]/",
    "http://127.0.0.1:8790/pages/1.html",
    "http://127.0.0.1.:8790/pages/1.html",
  ])("lets IP literals and allowed origins through in local mode: %s", (url) => {
    expect(checkFetchTarget(url, local)).toMatchObject({ ok: true });
  });

  it.each(["http://127.0.0.1:8791/", "http://10.0.0.1/", "http://[::1]/", "http://localhost:8790/"])(
    "still refuses what checkTarget refuses, everywhere: %s",
    (url) => {
      for (const allow of [local, edge, selfHosted]) {
        expect(checkFetchTarget(url, allow)).toMatchObject({ ok: false, error: { code: "blocked_address" } });
      }
    },
  );
});
