/** Per-document bounds, from the deployment's settings and the batch's `maxPages`. */
export interface DocumentLimits {
  /** Pages read; past them the record says `truncated`. */
  maxPages: number;
  /** Time one document may take, checked between pages and parts: past it, `document_timeout`. */
  timeBudgetMs: number;
  /** Bytes a DOCX's parts may inflate to, all together (a zip bomb stops here). */
  maxInflatedBytes: number;
}

/** The bounds when nobody names any (the settings' defaults). */
export const DEFAULT_DOCUMENT_LIMITS: DocumentLimits = {
  maxPages: 500,
  timeBudgetMs: 10_000,
  maxInflatedBytes: 50 * 1024 * 1024,
};

/** Thrown (and caught by the readers) when a document ran past its time budget. */
export class DocumentTimeout extends Error {}

/** Rejects with DocumentTimeout when `work` is not done by `deadline` (epoch ms); the work itself is left to its owner to stop. */
export async function beforeDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DocumentTimeout("time budget spent")), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Lets timers run and, on Workers, the clock move on: its time advances only between events. */
export function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
