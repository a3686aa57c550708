import { createMiddleware } from "hono/factory";
import { parseApiKeys } from "../lib/settings";
import { ApiError } from "./errors";
import type { AppEnv } from "./types";

const encoder = new TextEncoder();

async function digest(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", encoder.encode(text));
}

/** Bearer-key auth: the key names the tenant; every comparison is constant-time. */
export const requireTenant = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) throw new ApiError(401, "unauthorized", "Authorization: expected `Bearer <api key>`");
  const presented = await digest(match[1]);
  let tenant: string | null = null;
  for (const [key, owner] of parseApiKeys(c.env.API_KEYS ?? "")) {
    if (crypto.subtle.timingSafeEqual(presented, await digest(key))) tenant = owner;
  }
  if (!tenant) throw new ApiError(401, "unauthorized", "Authorization: unknown API key");
  c.set("tenant", tenant);
  await next();
});
