// Quick quality check on wcxb-dev (WCXB by Murrough Foley, CC-BY-4.0): extracts every page
// as text only and prints the corpus scorer's word F1, overall and per page type.
// Run: npx tsx bench/wcxb.ts [worst=20]   WCXB_DUMP=/tmp/dir also writes each page's text.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { extract } from "../lib/extract";
import { markdownToText } from "../lib/extract/text";
import { loadWcxb, scoreWcxb, wcxbDir } from "../test/support/corpora";

const dir = wcxbDir();
if (!dir) {
  console.log("wcxb-dev not found (../shared/corpus/wcxb-dev or TRAWL_WCXB): skipped");
  process.exit(0);
}
const dump = process.env.WCXB_DUMP;
if (dump) mkdirSync(dump, { recursive: true });
const predictions: Record<string, string> = {};
for (const p of loadWcxb(dir)) {
  const r = await extract({ body: p.bytes, contentType: "text/html", url: p.url, options: { images: false } });
  predictions[p.id] = r.ok ? markdownToText(r.value.markdown) : "";
  if (dump) writeFileSync(join(dump, `${p.id}.md`), r.ok ? r.value.markdown : `(${r.error.code})`);
}
process.stdout.write(scoreWcxb(dir, predictions, Number(process.argv[2] ?? 20)));
