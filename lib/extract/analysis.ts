// What the extractor adds about the content itself once the Markdown is made: its
// simhash (near-duplicates across a batch), its detected language and the quality score.
import { detectLanguage } from "../language";
import { pageSimhash } from "../simhash";
import { extractionQuality, markdownShape, type QualitySignals } from "./quality";

export interface ContentAnalysis {
  /** 64-bit simhash of the main text, 16 hex digits; null for a text without words. */
  simhash: string | null;
  /** ISO 639-1 code detected from the main text; null when too short or unclear. */
  detectedLanguage: string | null;
  languageConfidence: number | null;
  extractionQuality: number;
}

/** Analyses a page's Markdown with the signals its extraction left. */
export function analyseContent(
  markdown: string,
  signals: Omit<QualitySignals, keyof ReturnType<typeof markdownShape>>,
): ContentAnalysis & { signals: QualitySignals } {
  const detected = detectLanguage(markdown);
  const all: QualitySignals = { ...signals, ...markdownShape(markdown) };
  return {
    simhash: pageSimhash(markdown),
    detectedLanguage: detected?.language ?? null,
    languageConfidence: detected?.confidence ?? null,
    extractionQuality: extractionQuality(all),
    signals: all,
  };
}
