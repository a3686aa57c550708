/** Resolves a link or image reference against the page base; null for unusable ones. */
export function resolveUrl(raw: string | undefined, base: string): string | null {
  if (!raw) return null;
  const trimmed = raw.trim();
  if (!trimmed || (trimmed.startsWith("#") && trimmed.length === 1)) return null;
  try {
    const url = new URL(trimmed, base);
    // data: URIs bloat Markdown with bytes no model can read; script URLs are not links.
    if (url.protocol !== "http:" && url.protocol !== "https:" && url.protocol !== "mailto:" && url.protocol !== "tel:")
      return null;
    return url.href;
  } catch {
    return null;
  }
}

/** The base URL for relative links: the first <base href> resolved against the page URL. */
export function baseUrlFor(pageUrl: string, baseHref: string | undefined): string {
  if (!baseHref) return pageUrl;
  try {
    return new URL(baseHref.trim(), pageUrl).href;
  } catch {
    return pageUrl;
  }
}
