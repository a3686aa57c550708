/**
 * SSRF guard for the fetcher: decides whether a URL may be requested, on the first
 * request and again on every redirect hop (the fetcher uses `redirect: "manual"`).
 *
 * It judges the URL only. Workers cannot resolve DNS, so a public-looking name that
 * resolves to a private address (`127.0.0.1.nip.io`, a hosts-file name, DNS rebinding)
 * is not caught by the text. Where the runtime refuses such addresses at connect time
 * (Cloudflare's `global_fetch_strictly_public`, or a self-hosted workerd whose network
 * allows public addresses only) the allow list says so and names are fetched; anywhere
 * else, and always in local mode, `checkFetchTarget` refuses every host name outside
 * the allowed origins, so only IP literals, whose address the text does tell, are
 * fetched.
 *
 * Host spellings are judged after WHATWG URL parsing, which already folds decimal
 * (`2130706433`), octal (`0177.0.0.1`), hex (`0x7f.1`) and short (`127.1`) IPv4 forms
 * into dotted decimal, lowercases names, maps full-width characters and compresses
 * IPv6. Working on that canonical form is what lets the checks below stay small.
 */

import { type Failure, fail, ok, type Result } from "./result";

/** Origins (scheme + host + port) exempted from the address checks; dev and tests only. */
export interface AllowList {
  readonly origins: ReadonlySet<string>;
  /**
   * Whether host names may be fetched: only where the runtime checks the address a name
   * resolves to before connecting ("platform-checked"); otherwise (or absent) names are refused.
   */
  readonly names?: "platform-checked" | "refused";
}

/** The URL a fetch may request, or why it may not. */
export type TargetCheck = Result<URL, Failure<"invalid_url" | "blocked_address">>;

/**
 * Parses `DEV_ALLOWED_ORIGINS` ("http://127.0.0.1:8790,http://localhost:8790"); throws on a
 * non-loopback or malformed entry. `strictlyPublicFetch` is the `STRICTLY_PUBLIC_FETCH`
 * setting: "true" declares that the runtime refuses non-public resolved addresses, which
 * lets names through unless origins are allowed (local mode, which never has that check).
 */
export function parseAllowList(setting: string | undefined, strictlyPublicFetch?: string): AllowList {
  const origins = new Set<string>();
  for (const entry of (setting ?? "").split(",")) {
    const trimmed = entry.trim();
    if (trimmed === "") continue;
    const url = safeParse(trimmed);
    // A misconfigured escape hatch must be loud, not silently ignored or widened.
    if (
      url === null ||
      (url.protocol !== "http:" && url.protocol !== "https:") ||
      url.username !== "" ||
      url.password !== "" ||
      url.pathname !== "/" ||
      url.search !== "" ||
      url.hash !== ""
    ) {
      throw new Error(`allowed origin "${trimmed}" is not a bare http(s) origin`);
    }
    // Only loopback may be exempted: a stray production setting then cannot open
    // the metadata service or a private network.
    if (!isLoopbackHost(url.hostname)) {
      throw new Error(`allowed origin "${trimmed}" is not a loopback origin`);
    }
    origins.add(url.origin);
  }
  const names = strictlyPublicFetch === "true" && origins.size === 0 ? "platform-checked" : "refused";
  return { origins, names };
}

/** Decides whether the fetcher may request `rawUrl`; returns the parsed URL when it may. */
export function checkTarget(rawUrl: string, allow: AllowList): TargetCheck {
  const url = safeParse(rawUrl);
  if (url === null) return refuse("invalid_url", "not an absolute URL");
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return refuse("invalid_url", `scheme ${url.protocol} is not http or https`);
  }
  // Credentials would be sent to whoever the URL (or a redirect) names.
  if (url.username !== "" || url.password !== "") {
    return refuse("blocked_address", "credentials in URL");
  }
  // Judge the host without its trailing dots: "127.0.0.2.." and "2130706433.." are names
  // to WHATWG (one trailing dot folds, two do not) but reach the same address.
  const judged = withoutTrailingDots(url);
  if (judged === null) return refuse("invalid_url", "host is empty or unparseable without its trailing dots");
  if (allow.origins.has(judged.origin)) return ok(url);

  const lengthProblem = dnsLengthProblem(judged.hostname);
  if (lengthProblem !== null) return refuse("invalid_url", lengthProblem);
  const reason = hostProblem(judged.hostname);
  return reason === null ? ok(url) : refuse("blocked_address", reason);
}

/**
 * Decides whether a fetch may connect to `rawUrl`: `checkTarget`, and then, unless the
 * runtime checks resolved addresses, a host name outside the allowed origins is refused,
 * since nothing here can know which address it reaches.
 */
export function checkFetchTarget(rawUrl: string, allow: AllowList): TargetCheck {
  const check = checkTarget(rawUrl, allow);
  if (!check.ok || allow.names === "platform-checked") return check;
  const judged = withoutTrailingDots(check.value);
  if (judged === null || allow.origins.has(judged.origin)) return check;
  if (judged.hostname.startsWith("[") || parseDottedIpv4(judged.hostname) !== null) return check;
  return refuse(
    "blocked_address",
    `host name ${judged.hostname} is not fetched here: this runtime does not check the address it resolves to`,
  );
}

/** The URL with its host's trailing dots removed and the host parsed again; null when nothing parseable is left. */
function withoutTrailingDots(url: URL): URL | null {
  if (!url.hostname.endsWith(".")) return url;
  const host = url.hostname.replace(/\.+$/, "");
  if (host === "") return null;
  // Parsed afresh (not via the hostname setter, which ignores a bad value) so that
  // numeric spellings fold to dotted decimal exactly as on first parse.
  return safeParse(`${url.protocol}//${host}${url.port === "" ? "" : `:${url.port}`}/`);
}

// RFC 1035 §2.3.4: a label is at most 63 octets, a name at most 255 on the wire, which
// is 253 in text without the trailing dot. A longer name cannot resolve, so it fails
// here, at submission, rather than as a network error retried at fetch time.
const MAX_LABEL = 63;
const MAX_NAME = 253;

/** Why a host name (ASCII, IDNA-encoded by WHATWG) can never resolve, or null; IP literals pass. */
function dnsLengthProblem(hostname: string): string | null {
  if (hostname.startsWith("[") || parseDottedIpv4(hostname) !== null) return null;
  if (hostname.length > MAX_NAME) return `host name longer than ${MAX_NAME} characters`;
  for (const label of hostname.split(".")) {
    if (label === "") return "host name with an empty label";
    if (label.length > MAX_LABEL) return `host name label longer than ${MAX_LABEL} characters`;
  }
  return null;
}

function refuse(code: "invalid_url" | "blocked_address", message: string): TargetCheck {
  return fail(code, message);
}

function safeParse(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

/** Why `hostname` (as serialised by WHATWG URL) may not be fetched, or null if it may. */
function hostProblem(hostname: string): string | null {
  if (hostname.startsWith("[")) {
    const groups = parseIpv6(hostname.slice(1, -1));
    return groups === null ? "unparseable IPv6 address" : ipv6Problem(groups);
  }
  const v4 = parseDottedIpv4(hostname);
  if (v4 !== null) return ipv4Problem(v4);
  return nameProblem(hostname);
}

const BLOCKED_NAMES = new Set(["localhost", "metadata", "instance-data"]);
// Reserved or private-use suffixes: they never name a public site, and some
// (".internal") name cloud metadata services (metadata.google.internal).
const BLOCKED_SUFFIXES = [".localhost", ".local", ".internal", ".localdomain", ".home.arpa"];

function nameProblem(hostname: string): string | null {
  // "localhost." is the same name as "localhost"; several trailing dots too.
  const name = hostname.replace(/\.+$/, "");
  if (name === "") return "empty host";
  if (BLOCKED_NAMES.has(name)) return `reserved host name ${name}`;
  for (const suffix of BLOCKED_SUFFIXES) {
    if (name.endsWith(suffix)) return `reserved host name suffix ${suffix}`;
  }
  return null;
}

function isLoopbackHost(hostname: string): boolean {
  const name = hostname.replace(/\.+$/, "");
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  if (name === "[::1]") return true;
  const v4 = parseDottedIpv4(name);
  return v4 !== null && v4 >>> 24 === 127;
}

/** Parses the canonical dotted-decimal form WHATWG emits; other spellings are names. */
function parseDottedIpv4(host: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (m === null) return null;
  let value = 0;
  for (const part of m.slice(1)) {
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

// [network, prefix length, reason], first match wins: the IANA IPv4 special-purpose
// registry. None of these ranges hosts a public web page.
const IPV4_BLOCKED: ReadonlyArray<readonly [number, number, string]> = [
  [ipv4(0, 0, 0, 0), 8, "unspecified address (0.0.0.0/8)"],
  [ipv4(10, 0, 0, 0), 8, "private address (10.0.0.0/8)"],
  [ipv4(100, 64, 0, 0), 10, "carrier-grade NAT address (100.64.0.0/10)"],
  [ipv4(127, 0, 0, 0), 8, "loopback address (127.0.0.0/8)"],
  [ipv4(169, 254, 169, 254), 32, "cloud metadata address (169.254.169.254)"],
  [ipv4(169, 254, 0, 0), 16, "link-local address (169.254.0.0/16)"],
  [ipv4(172, 16, 0, 0), 12, "private address (172.16.0.0/12)"],
  [ipv4(192, 0, 0, 0), 24, "IETF protocol assignment (192.0.0.0/24)"],
  [ipv4(192, 0, 2, 0), 24, "documentation address (192.0.2.0/24)"],
  [ipv4(192, 88, 99, 0), 24, "6to4 relay anycast (192.88.99.0/24)"],
  [ipv4(192, 168, 0, 0), 16, "private address (192.168.0.0/16)"],
  [ipv4(198, 18, 0, 0), 15, "benchmarking address (198.18.0.0/15)"],
  [ipv4(198, 51, 100, 0), 24, "documentation address (198.51.100.0/24)"],
  [ipv4(203, 0, 113, 0), 24, "documentation address (203.0.113.0/24)"],
  [ipv4(224, 0, 0, 0), 4, "multicast address (224.0.0.0/4)"],
  [ipv4(255, 255, 255, 255), 32, "broadcast address"],
  [ipv4(240, 0, 0, 0), 4, "reserved address (240.0.0.0/4)"],
];

/** The refused IPv4 ranges in CIDR notation ("10.0.0.0/8"), for a network deny list that must match this policy. */
export function refusedIpv4Ranges(): string[] {
  return IPV4_BLOCKED.map(([n, prefix]) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${prefix}`);
}

function ipv4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

function ipv4Problem(address: number): string | null {
  for (const [network, prefix, reason] of IPV4_BLOCKED) {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    if ((address & mask) >>> 0 === network) return reason;
  }
  return null;
}

/** Parses the compressed, all-hex IPv6 form WHATWG emits into eight 16-bit groups. */
function parseIpv6(text: string): number[] | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] === "" || halves[0] === undefined ? [] : halves[0].split(":");
  const tail = halves.length === 2 && halves[1] !== "" && halves[1] !== undefined ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups: number[] = [];
  for (const part of [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail]) {
    if (!/^[0-9a-f]{1,4}$/i.test(part)) return null;
    groups.push(Number.parseInt(part, 16));
  }
  return groups;
}

/** The IPv4 address held in the low 32 bits of an IPv6 address. */
function lowIpv4(g: readonly number[]): number {
  return (((g[6] ?? 0) << 16) | (g[7] ?? 0)) >>> 0;
}

function ipv6Problem(g: readonly number[]): string | null {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0] = g;
  // NAT64 well-known prefix 64:ff9b::/96 reaches whatever IPv4 address it wraps.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    const inner = ipv4Problem(lowIpv4(g));
    return inner === null ? null : `NAT64 address wrapping ${inner}`;
  }
  // 6to4 2002:AABB:CCDD::/48 reaches the IPv4 address AA.BB.CC.DD.
  if (g0 === 0x2002) {
    const inner = ipv4Problem(((g1 << 16) | g2) >>> 0);
    return inner === null ? null : `6to4 address wrapping ${inner}`;
  }
  // Only global unicast (2000::/3) reaches the public internet. Everything else —
  // ::, ::1, IPv4-mapped/compatible/translated, NAT64 local-use 64:ff9b:1::/48,
  // discard 100::/64, ULA fc00::/7 (incl. fd00:ec2::254), link-local fe80::/10,
  // site-local, multicast ff00::/8 — is refused by this one test.
  if ((g0 & 0xe000) !== 0x2000) return ipv6OutsideGlobalReason(g);
  if (g0 === 0x2001 && g1 < 0x200) return "IETF protocol assignment (2001::/23, incl. Teredo)";
  if (g0 === 0x2001 && g1 === 0xdb8) return "documentation address (2001:db8::/32)";
  if ((g0 & 0xfff0) === 0x3ff0) return "documentation address (3fff::/20)";
  return null;
}

function ipv6OutsideGlobalReason(g: readonly number[]): string {
  const g0 = g[0] ?? 0;
  const upperZero = g.slice(0, 5).every((x) => x === 0);
  if (upperZero && g[5] === 0xffff) return "IPv4-mapped IPv6 address";
  if (upperZero && g[5] === 0 && g[6] === 0 && (g[7] === 0 || g[7] === 1)) {
    return g[7] === 0 ? "unspecified address (::)" : "loopback address (::1)";
  }
  if (upperZero && g[5] === 0) return "IPv4-compatible IPv6 address";
  if ((g0 & 0xfe00) === 0xfc00) {
    return g0 === 0xfd00 && g[1] === 0xec2
      ? "cloud metadata address (fd00:ec2::/32)"
      : "unique-local address (fc00::/7)";
  }
  if ((g0 & 0xffc0) === 0xfe80) return "link-local address (fe80::/10)";
  if ((g0 & 0xff00) === 0xff00) return "multicast address (ff00::/8)";
  return "non-global IPv6 address";
}
