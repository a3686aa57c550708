// The WARC download of a batch's stored pages (`keepRaw`): the result records stream in
// input order, and each one with a stored body becomes a response record and a metadata
// record, one gzip member each, after one warcinfo record. One body is held at a time.
import { readRaw } from "../lib/raw-pages";
import { type Manifest, ResultRecord } from "../lib/schemas";
import { gzipWarcRecord, pageRecords, warcDate, warcinfoRecord } from "../lib/warc";

/** Whether a batch's records point at stored bodies: it kept them, or it re-extracted a batch that did. */
export function keptRaw(manifest: Manifest): boolean {
  return manifest.options.keepRaw === true || manifest.reextractOf !== undefined;
}

/** The streamed `.warc.gz` of a published batch's stored pages. */
export function warcResponse(env: Env, manifest: Manifest, name: string, blocks: AsyncGenerator<string>): Response {
  const filename = `${name}.warc.gz`;
  async function* members(): AsyncGenerator<Uint8Array> {
    const info = warcinfoRecord(filename, {
      "trawl-batch": manifest.batchId,
      ...(manifest.reextractOf && { "trawl-reextract-of": manifest.reextractOf }),
    });
    yield gzipWarcRecord(info, warcDate(manifest.finishedAt));
    for await (const block of blocks) {
      for (const line of block.split("\n")) {
        if (!line) continue;
        const record = ResultRecord.parse(JSON.parse(line));
        if (!record.raw) continue;
        const body = await readRaw(env.RESULTS, record.raw);
        if (!body) continue; // its batch expired since: the WARC holds what is still stored
        const date = warcDate(record.fetchedAt);
        for (const warc of pageRecords(record, body, record.raw.sha256)) yield gzipWarcRecord(warc, date);
      }
    }
  }
  const iterator = members();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "application/warc",
      "content-disposition": `attachment; filename="${filename}"`,
    },
  });
}
