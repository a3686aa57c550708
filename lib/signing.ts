const encoder = new TextEncoder();

async function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

function toHex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Hex HMAC-SHA-256 of `message` under `secret`. */
export async function hmacHex(secret: string, message: string): Promise<string> {
  return toHex(await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(message)));
}

function fromHex(hex: string): Uint8Array | null {
  if (!/^(?:[0-9a-f]{2})+$/.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** HMAC-SHA-256 signature (hex) over one object name and its expiry (unix seconds). */
export async function signObject(secret: string, object: string, expires: number): Promise<string> {
  const key = await hmacKey(secret);
  return toHex(await crypto.subtle.sign("HMAC", key, encoder.encode(`${object}\n${expires}`)));
}

/** Checks a signature in constant time (crypto.subtle.verify) and that it has not expired. */
export async function verifyObject(
  secret: string,
  object: string,
  expires: number,
  signature: string,
  nowSeconds: number,
): Promise<"ok" | "expired" | "invalid"> {
  const bytes = fromHex(signature);
  if (!bytes || !Number.isSafeInteger(expires)) return "invalid";
  const key = await hmacKey(secret);
  const valid = await crypto.subtle.verify("HMAC", key, bytes, encoder.encode(`${object}\n${expires}`));
  if (!valid) return "invalid";
  return expires < nowSeconds ? "expired" : "ok";
}
