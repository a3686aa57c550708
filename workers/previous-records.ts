import type { PreviousState } from "../lib/changes";
import { decodePart } from "../lib/result-parts";
import type { ResultRecord } from "../lib/schemas";

/**
 * The previous run's records, read from its parts when a 304 says a page's content is
 * the one we have: each part once per chunk (a consumer's part is one chunk's records).
 */
export class PreviousRecords {
  private readonly parts = new Map<string, Promise<Map<number, ResultRecord>>>();

  constructor(private readonly bucket: R2Bucket) {}

  /** The record `state` points at; null when it is gone (its run expired or was deleted). */
  async load(state: PreviousState): Promise<ResultRecord | null> {
    if (state.part === null) return null;
    let part = this.parts.get(state.part);
    if (!part) {
      part = this.read(state.part);
      this.parts.set(state.part, part);
    }
    return (await part).get(state.index) ?? null;
  }

  private async read(key: string): Promise<Map<number, ResultRecord>> {
    const object = await this.bucket.get(key);
    const records = object ? decodePart(await object.text()) : [];
    return new Map(records.map((record) => [record.index, record]));
  }
}
