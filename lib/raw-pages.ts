// Preserved pages (`keepRaw`): every fetched body is stored gzipped under the batch that
// fetched it, named by the SHA-256 of its bytes, so the same bytes are stored once per
// batch and deleted with the batch's prefix when its retention runs out. Per batch, not
// per tenant: a tenant-wide store would need reference counts across batches with
// different retentions, where a prefix delete is exact and needs none.
import { r2Keys } from "./r2-keys";
import type { RawRef } from "./schemas";

/** What storing and reading bodies needs of a bucket; an R2 binding satisfies it. */
export interface RawBucket {
  head(key: string): Promise<unknown | null>;
  get(key: string): Promise<{ body: ReadableStream<Uint8Array> } | null>;
  put(key: string, value: ReadableStream | Uint8Array, options?: R2PutOptions): Promise<unknown>;
}

/** The lower-case hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** `bytes` gzipped (CompressionStream: the runtime's own zlib, no library). */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A gzip stream's bytes, decompressed. */
export async function gunzip(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
}

/** The reference a record keeps for `body` fetched by batch `batchId`: its key is named by the bytes' SHA-256. */
export async function rawRefOf(batchId: string, body: Uint8Array, date: string | null): Promise<RawRef> {
  const sha256 = await sha256Hex(body);
  return { key: r2Keys.raw(batchId, sha256), sha256, bytes: body.byteLength, date };
}

/**
 * Stores a body at its content-addressed `key` unless the same bytes are already there
 * (a create-only put settles two consumers storing the same bytes at once).
 */
export async function putRaw(bucket: RawBucket, key: string, body: Uint8Array): Promise<void> {
  if ((await bucket.head(key)) !== null) return;
  await bucket.put(key, await gzip(body), {
    onlyIf: { etagDoesNotMatch: "*" },
    httpMetadata: { contentType: "application/gzip" },
  });
}

/** Whether the stored body `ref` names is still there (its batch may have expired). */
export async function hasRaw(bucket: RawBucket, ref: RawRef): Promise<boolean> {
  return (await bucket.head(ref.key)) !== null;
}

/** The bytes of a stored body, as received; null when it is gone. */
export async function readRaw(bucket: RawBucket, ref: RawRef): Promise<Uint8Array | null> {
  const object = await bucket.get(ref.key);
  return object ? gunzip(object.body) : null;
}
