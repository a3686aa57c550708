// Reading a response body up to a byte cap, into one buffer. A body without a
// Content-Length (chunked, or decoded as it arrives) comes from workerd in pieces of a
// few KB: reading it piece by piece and joining the pieces cost about as much CPU per
// page as the HTML parse (bench:pipeline's profile). A BYOB reader fills a buffer we own
// instead, in few large reads, and the pieces are never joined.
import { concatChunks } from "../lib/bytes";

/** The body up to the cap; past it, `too_large`, or with `truncate` its first `maxBytes`. */
export type CappedRead = { kind: "ok"; body: Uint8Array; truncated: boolean } | { kind: "too_large" };

/** The first buffer's size; it doubles as the body grows, up to one byte past the cap. */
const FIRST_BUFFER_BYTES = 64 * 1024;

/** workerd's BYOB reader waits for at least `min` elements (or the stream's end) in one read; Node's has no such call. */
type FillingReader = Omit<ReadableStreamBYOBReader, "readAtLeast"> & {
  readAtLeast?<T extends ArrayBufferView>(min: number, view: T): Promise<ReadableStreamReadResult<T>>;
};

/**
 * Reads `stream` whole, up to `maxBytes`: throws what the stream throws (the caller tells
 * network from decoding errors), and stops at once when `signal` is aborted.
 */
export async function readCapped(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
  truncate: boolean,
  signal: AbortSignal,
): Promise<CappedRead> {
  let reader: FillingReader;
  try {
    reader = stream.getReader({ mode: "byob" }) as FillingReader;
  } catch {
    // Not a byte stream (a JavaScript-made one): piece by piece it is.
    return readPieces(stream, maxBytes, truncate, signal);
  }
  // One byte past the cap is enough to know the body is longer than the cap.
  const limit = maxBytes + 1;
  let buffer = new Uint8Array(Math.min(FIRST_BUFFER_BYTES, limit));
  let size = 0;
  try {
    for (;;) {
      if (signal.aborted) throw signal.reason;
      if (size === buffer.byteLength) {
        if (size === limit) break;
        const grown = new Uint8Array(Math.min(buffer.byteLength * 2, limit));
        grown.set(buffer);
        buffer = grown;
      }
      const capacity = buffer.byteLength;
      const view = buffer.subarray(size);
      const { done, value } = reader.readAtLeast
        ? await reader.readAtLeast(view.byteLength, view)
        : await reader.read(view);
      // The read takes the buffer (transferred) and hands it back in `value`: keep that one.
      if (value) {
        buffer = new Uint8Array(value.buffer, 0, capacity);
        size += value.byteLength;
      }
      if (done) break;
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    throw error;
  }
  if (size > maxBytes) {
    await reader.cancel().catch(() => {});
    if (!truncate) return { kind: "too_large" };
    return { kind: "ok", body: buffer.slice(0, maxBytes), truncated: true };
  }
  reader.releaseLock();
  // A buffer much larger than its body would be held as long as the body is: keep only the body.
  const body = buffer.byteLength - size > size / 4 ? buffer.slice(0, size) : buffer.subarray(0, size);
  return { kind: "ok", body, truncated: false };
}

/** The same, for a stream without BYOB reads: its pieces, joined once at the end. */
async function readPieces(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
  truncate: boolean,
  signal: AbortSignal,
): Promise<CappedRead> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  try {
    for (;;) {
      if (signal.aborted) throw signal.reason;
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.byteLength > maxBytes) {
        await reader.cancel().catch(() => {});
        if (!truncate) return { kind: "too_large" };
        chunks.push(value.subarray(0, maxBytes - size));
        size = maxBytes;
        truncated = true;
        break;
      }
      size += value.byteLength;
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    throw error;
  }
  return { kind: "ok", body: concatChunks(chunks, size), truncated };
}
