import { gatedFetch } from "../fetch/outbound-fetch";
import { checkFetchTarget, parseAllowList } from "../lib/address-policy";
import { coordinatorOf } from "../lib/batch-objects";
import { WEBHOOK_MAX_ATTEMPTS, webhookRetryDelay } from "../lib/retry-policy";
import { readSettings, type Settings } from "../lib/settings";
import {
  isReservedHeader,
  signFirecrawlWebhook,
  signWebhook,
  type WebhookAttempt,
  WebhookMessage,
  webhookSigningSecrets,
} from "../lib/webhooks";
import { consumeMessages } from "./queue-loop";

/** What one attempt came to: logged as it is, and retried unless `final`. */
interface AttemptResult {
  statusCode: number | null;
  delivered: boolean;
  error: string | null;
  /** Never worth another attempt (the address is refused). */
  final: boolean;
}

/**
 * The `trawl-webhooks` consumer: one POST per message, signed, with a timeout, no
 * redirects followed and the address policy checked again (a receiver's DNS or the
 * allow list may have changed since submission). Every attempt is logged with the
 * batch's coordinator; a failure is retried with a growing delay, up to
 * WEBHOOK_MAX_ATTEMPTS. The batch itself never waits on any of this.
 */
export async function deliverWebhooks(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const settings = readSettings(env);
  // Each tenant's secrets once per delivery batch: its directory says which generation.
  const secrets = new Map<string, Promise<string[]>>();
  const secretsOf = (tenant: string) => {
    let found = secrets.get(tenant);
    if (!found) {
      const signing = { current: settings.SIGNING_SECRET, previous: settings.SIGNING_SECRET_PREVIOUS };
      found = env.TENANT.getByName(tenant)
        .webhookSecretState()
        .then((state) => webhookSigningSecrets(signing, tenant, state, Date.now()));
      secrets.set(tenant, found);
    }
    return found;
  };
  const retryDelay = (attempts: number) => webhookRetryDelay(attempts, settings.WEBHOOK_RETRY_BASE_SECONDS);
  await consumeMessages(batch, {
    schema: WebhookMessage,
    concurrency: "all",
    malformed: (message, error) => {
      // Only where it failed: the body may hold the receiver's headers (its credentials).
      const problems = error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`);
      console.error(`dropping malformed webhook message ${message.id}`, problems.slice(0, 5).join("; "));
    },
    describe: (event) => `webhook ${event.eventId}`,
    retryDelay,
    handle: async (event, message) => {
      const coordinator = coordinatorOf(env, event.batchId);
      // A deleted batch's events are dropped, not delivered: its outbox went with it, and
      // these are the ones already on the queue (or waiting out a retry delay).
      let wanted: boolean;
      try {
        wanted = await coordinator.webhookWanted();
      } catch (error) {
        // Not knowing is not a reason to deliver or to drop: ask again after a delay.
        console.error(`webhook ${event.eventId}: batch not reachable; retrying`, error);
        return { retryAfterSeconds: retryDelay(message.attempts) };
      }
      if (!wanted) return "ack";
      const result = await attempt(event, settings, secretsOf);
      const entry: WebhookAttempt = {
        eventId: event.eventId,
        type: event.type,
        attempt: message.attempts,
        ...result,
        at: new Date().toISOString(),
      };
      try {
        await coordinator.logWebhookAttempt(entry);
      } catch (error) {
        // The log is for people; the delivery itself must not hinge on it.
        console.error(`webhook ${event.eventId}: attempt ${message.attempts} not logged`, error);
      }
      if (result.delivered || result.final || message.attempts >= WEBHOOK_MAX_ATTEMPTS) {
        if (!result.delivered) console.error(`webhook ${event.eventId}: given up after attempt ${message.attempts}`);
        return "ack";
      }
      return { retryAfterSeconds: retryDelay(message.attempts) };
    },
  });
}

async function attempt(
  event: WebhookMessage,
  settings: Settings,
  secretsOf: (tenant: string) => Promise<string[]>,
): Promise<AttemptResult> {
  const allow = parseAllowList(settings.DEV_ALLOWED_ORIGINS, settings.STRICTLY_PUBLIC_FETCH);
  const target = checkFetchTarget(event.url, allow);
  if (!target.ok)
    return { statusCode: null, delivered: false, error: `${target.error.code}: ${target.error.message}`, final: true };
  if (!settings.SIGNING_SECRET) {
    return { statusCode: null, delivered: false, error: "SIGNING_SECRET is not set", final: false };
  }
  try {
    const secrets = await secretsOf(event.tenant);
    const signature = await signWebhook(secrets, Math.floor(Date.now() / 1000), event.body);
    // Firecrawl's receivers check one signature of the body, with the current secret.
    const firecrawl: Record<string, string> =
      event.style === "firecrawl" && secrets[0]
        ? { "x-firecrawl-signature": await signFirecrawlWebhook(secrets[0], event.body) }
        : {};
    const gated = await gatedFetch(target.value.href, allow, {
      method: "POST",
      signal: AbortSignal.timeout(settings.WEBHOOK_TIMEOUT_MS),
      headers: {
        ...callerHeaders(event.headers),
        "content-type": "application/json",
        "user-agent": settings.USER_AGENT,
        "x-trawl-event": event.type,
        "x-trawl-event-id": event.eventId,
        "x-trawl-signature": signature,
        ...firecrawl,
      },
      body: event.body,
    });
    if (!gated.ok)
      return { statusCode: null, delivered: false, error: `${gated.error.code}: ${gated.error.message}`, final: true };
    const { response } = gated.value;
    await response.body?.cancel();
    const delivered = response.status >= 200 && response.status <= 299;
    const error = delivered
      ? null
      : response.status >= 300 && response.status <= 399
        ? "redirects are not followed"
        : `answered ${response.status}`;
    return { statusCode: response.status, delivered, error, final: false };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    const reason = timedOut ? `no answer within ${settings.WEBHOOK_TIMEOUT_MS} ms` : String(error).slice(0, 300);
    return { statusCode: null, delivered: false, error: reason, final: false };
  }
}

/** The receiver's own headers, less any reserved one a message queued before it was reserved may carry. */
function callerHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !isReservedHeader(name)));
}
