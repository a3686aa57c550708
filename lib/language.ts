// The language a page's main text is written in, by eld (Efficient Language Detector):
// byte n-gram tables in plain JS, loaded statically (no file or network read, so it runs in
// workerd), ISO 639-1 codes like the `lang` attributes pages declare, a score per language
// and a reliability flag. The "small" tables (60 languages) scored as well as the large
// ones on the corpora's declared languages at a third of the size (see the README).
// The tables are 1.6 MB of JavaScript: they load on first use (loadLanguageDetector), so
// an isolate that never analyses a page (the API, the coordinator) never evaluates them.
type Detector = typeof import("eld/small")["default"];
let eld: Detector | null = null;

/** Loads the detector's tables once per isolate; extraction awaits it before analysing a page. */
export async function loadLanguageDetector(): Promise<void> {
  eld ??= (await import("eld/small")).default;
}

/** Characters of text the detector reads: enough for a stable answer, bounded cost on long pages. */
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
  if (!eld) throw new Error("detectLanguage before loadLanguageDetector()");
  const result = eld.detect(sample);
  if (!result.language || !result.isReliable()) return null;
  const score = result.getScores()[result.language] ?? 0;
  return { language: result.language, confidence: Math.round(Math.min(1, Math.max(0, score)) * 1000) / 1000 };
}

/** The text's start without Markdown link targets, images and code, which are not its language. */
function sampleOf(text: string): string {
  const head = text.slice(0, SAMPLE_CHARS * 2);
  return head
    .replace(/```[\s\S]*?(```|$)/g, " ")
    .replace(/!\[[^\]]*\]\([^)]*\)/g, " ")
    .replace(/\]\([^)]*\)/g, " ")
    .replace(/https?:\/\/\S+/g, " ")
    .slice(0, SAMPLE_CHARS);
}
