// A DOCX is a zip of XML parts. Before a zip library opens one, this reads its central
// directory and inflates every XML part itself, counting the bytes that come out (not the
// sizes the archive declares, which a bomb lies about), and refuses XML that declares a
// DTD (the billion-laughs entity bomb; Word never writes one).
import { concatChunks } from "../bytes";
import type { ErrorCode } from "../error-codes";
import { type Failure, fail, ok, type Result } from "../result";

/** Bounds on one archive. */
export interface ZipBounds {
  /** Bytes all XML parts together may inflate to. */
  maxInflatedBytes: number;
  /** Entries the central directory may list. */
  maxEntries: number;
}

/** The inflated XML parts of an archive, by name (images and other binaries are left unread). */
export type XmlParts = Map<string, string>;

interface Entry {
  name: string;
  method: number;
  compressedSize: number;
  /** The inflated size the archive declares (not trusted: inflating counts again). */
  size: number;
  offset: number;
}

/** Inflates a zip's XML parts within `bounds`: malformed archives and bombs fail with their code. */
export async function inflateXmlParts(
  bytes: Uint8Array,
  bounds: ZipBounds,
): Promise<Result<XmlParts, Failure<ErrorCode>>> {
  const listed = centralDirectory(bytes, bounds.maxEntries);
  if (!listed.ok) return listed;
  // What the archive declares is checked first (an honest bomb ends here, at no cost);
  // the bytes that come out are counted below (a bomb that understates its sizes ends there).
  const declared = listed.value.reduce((sum, entry) => sum + entry.size, 0);
  if (declared > bounds.maxInflatedBytes)
    return fail(
      "document_too_complex",
      `the parts declare ${declared} bytes inflated, over ${bounds.maxInflatedBytes} (a zip bomb?)`,
    );
  const parts: XmlParts = new Map();
  let budget = bounds.maxInflatedBytes;
  for (const entry of listed.value) {
    if (!/\.(xml|rels)$/i.test(entry.name)) continue;
    const data = localData(bytes, entry);
    if (data === null) return fail("document_malformed", `zip entry ${entry.name.slice(0, 100)} lies outside the file`);
    const inflated = await inflate(data, entry.method, budget);
    if (inflated === "too_big")
      return fail("document_too_complex", `the parts inflate past ${bounds.maxInflatedBytes} bytes (a zip bomb?)`);
    if (inflated === null)
      return fail("document_malformed", `zip entry ${entry.name.slice(0, 100)} cannot be inflated`);
    budget -= inflated.byteLength;
    const xml = new TextDecoder("utf-8").decode(inflated);
    if (/<!(DOCTYPE|ENTITY)/i.test(xml.slice(0, 4096)))
      return fail("document_too_complex", `${entry.name.slice(0, 100)} declares a DTD (an XML entity bomb?)`);
    parts.set(entry.name, xml);
  }
  return ok(parts);
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function centralDirectory(bytes: Uint8Array, maxEntries: number): Result<Entry[], Failure<ErrorCode>> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  // The end record is 22 bytes plus a comment of up to 65,535.
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--)
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  if (eocd < 0) return fail("document_malformed", "not a zip archive (no end of central directory; truncated?)");
  const count = view.getUint16(eocd + 10, true);
  const start = view.getUint32(eocd + 16, true);
  if (count === 0xffff || start === 0xffffffff) return fail("document_too_complex", "zip64 archives are not read");
  if (count > maxEntries)
    return fail("document_too_complex", `the archive lists ${count} entries (at most ${maxEntries})`);
  const entries: Entry[] = [];
  let at = start;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL)
      return fail("document_malformed", "the zip's central directory is broken");
    const nameLength = view.getUint16(at + 28, true);
    const skip = nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    entries.push({
      name: new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength)),
      method: view.getUint16(at + 10, true),
      compressedSize: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      offset: view.getUint32(at + 42, true),
    });
    at += 46 + skip;
  }
  return ok(entries);
}

function localData(bytes: Uint8Array, entry: Entry): Uint8Array | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.offset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== LOCAL) return null;
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const end = start + entry.compressedSize;
  return end <= bytes.length ? bytes.subarray(start, end) : null;
}

/** Inflates one entry, stopping as soon as it passes `budget` bytes. */
async function inflate(data: Uint8Array, method: number, budget: number): Promise<Uint8Array | "too_big" | null> {
  if (method === 0) return data.byteLength > budget ? "too_big" : data;
  if (method !== 8) return null;
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > budget) {
        await reader.cancel().catch(() => {});
        return "too_big";
      }
      chunks.push(value);
    }
  } catch {
    return null;
  }
  return concatChunks(chunks, size);
}
