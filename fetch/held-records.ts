import type { ResultRecord } from "../lib/schemas";

/**
 * The records an isolate holds until their chunks' parts are written. A record carries up
 * to 2 Mi characters of Markdown (and its HTML and text when asked for), so 25 of the
 * largest pages would fill a Worker's 128 MB on their own. Once the records held reach the
 * limit, a chunk's URLs not yet fetched go back to the queue uncounted (its part is then
 * written and its records let go), as DocumentBudget does for document time.
 */
export class HeldRecords {
  private held = 0;

  constructor(private readonly limitBytes: number) {}

  /** Whether the records held leave no room for another page. */
  full(): boolean {
    return this.held >= this.limitBytes;
  }

  /** Bytes held now (for tests). */
  get bytes(): number {
    return this.held;
  }

  /** One chunk's share: what it holds counts here until `release`, called once its part is written (or it failed). */
  chunk(): ChunkRecords {
    let mine = 0;
    return {
      full: () => this.full(),
      hold: (record) => {
        const weight = weightOf(record);
        mine += weight;
        this.held += weight;
      },
      release: () => {
        this.held -= mine;
        mine = 0;
      },
    };
  }
}

export interface ChunkRecords {
  full(): boolean;
  hold(record: ResultRecord): void;
  release(): void;
}

/** A record's heap at most: its long strings at two bytes a character (a two-byte script), and the rest. */
function weightOf(record: ResultRecord): number {
  let chars = (record.markdown?.length ?? 0) + (record.html?.length ?? 0) + (record.text?.length ?? 0);
  for (const link of record.links ?? []) chars += link.length + 16;
  for (const chunk of record.chunks ?? []) chars += chunk.text.length + 64;
  return 2 * chars + 2048;
}
