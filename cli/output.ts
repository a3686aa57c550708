// Writing lines to stdout as fast as the reader takes them: a million error lines piped
// into `head` or a slow disk must not pile up in memory.
import { once } from "node:events";

/** Writes `text`, waiting for the stream to drain when its buffer is full. */
export async function writeOut(text: string, stream: NodeJS.WritableStream = process.stdout): Promise<void> {
  if (!stream.write(text)) await once(stream, "drain");
}
