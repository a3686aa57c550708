// The language a page's main text is written in, by eld (Efficient Language Detector):
// byte n-gram tables, ISO 639-1 codes like the `lang` attributes pages declare, a score per
// language and a reliability flag. The "small" tables (60 languages) scored as well as the
// large ones on the corpora's declared languages at a third of the size (see the README).
// They are read in packed form (lib/language-detector.ts: 43 MB of heap as eld ships them,
// about a tenth packed), and load on first use (loadLanguageDetector), so an isolate that
// never analyses a page (the API, the coordinator) never unpacks them.
import { type PackedDetector, packedDetector } from "./language-detector";

let detector: PackedDetector | null = null;

/** Loads the detector's tables once per isolate; extraction awaits it before analysing a page. */
export async function loadLanguageDetector(): Promise<void> {
  detector ??= packedDetector(await import("./language-tables.generated"));
}

/** Characters of text the detector reads at most: bounded cost on long pages (see `sampleEnd`). */
const SAMPLE_CHARS = 1000;
/** A shorter sample says nothing reliable about a language. */
const MIN_CHARS = 24;

export interface DetectedLanguage {
  /** ISO 639-1 code, e.g. "en". */
  language: string;
  /** The detector's score for it, 0..1 (eld's normalised n-gram score). */
  confidence: number;
}

/** The language of a text (plain text or Markdown), or null when too short or unclear. */
export function detectLanguage(text: string): DetectedLanguage | null {
  const sample = sampleOf(text);
  if (sample.trim().length < MIN_CHARS) return null;
  if (!detector) throw new Error("detectLanguage before loadLanguageDetector()");
  const result = detector.detect(sample);
  if (!result.language || !result.reliable) return null;
  const score = result.scores.find(([language]) => language === result.language)?.[1] ?? 0;
  return { language: result.language, confidence: Math.round(Math.min(1, Math.max(0, score)) * 1000) / 1000 };
}

/** The text's start without Markdown link targets, images and code, which are not its language. */
function sampleOf(text: string): string {
  const head = text.slice(0, SAMPLE_CHARS * 2);
  const clean = head
    .replace(/```[\s\S]*?(```|$)/g, " ")
    .replace(/!\[[^\]]*\]\([^)]*\)/g, " ")
    .replace(/\]\([^)]*\)/g, " ")
    .replace(/https?:\/\/\S+/g, " ");
  return clean.slice(0, sampleEnd(clean));
}

/**
 * Where the sample ends: once its letters make SAMPLE_BYTES of UTF-8, or at SAMPLE_CHARS.
 * eld scores the 4-byte n-grams of at most its first 380 bytes of words, and its time
 * goes with their number; on both corpora 200 bytes of letters gave the same accuracy
 * against the declared languages as the 380 at about two thirds of the time (README,
 * "Near-duplicates, language and quality"). Letters are counted only where surely
 * letters (Latin, Cyrillic, CJK, kana, Hangul), so a text of other scripts gets more.
 */
function sampleEnd(sample: string): number {
  const end = Math.min(sample.length, SAMPLE_CHARS);
  let bytes = 0;
  for (let i = 0; i < end; i++) {
    bytes += letterBytes(sample.charCodeAt(i));
    if (bytes >= SAMPLE_BYTES) return i + 1;
  }
  return end;
}

/** Bytes of letters the detector is given. */
const SAMPLE_BYTES = 200;

/** UTF-8 bytes of a code unit that is surely a letter: Latin, Cyrillic, CJK, kana and Hangul; else 0. */
function letterBytes(c: number): number {
  if (c < 0x80) return (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a ? 1 : 0;
  if (c >= 0xc0 && c <= 0x24f) return c === 0xd7 || c === 0xf7 ? 0 : 2;
  if (c >= 0x410 && c <= 0x44f) return 2;
  if ((c >= 0x3041 && c <= 0x3096) || (c >= 0x30a1 && c <= 0x30fa)) return 3;
  if ((c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7a3)) return 3;
  return 0;
}
