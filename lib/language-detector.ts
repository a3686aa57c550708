// eld's language detection (Efficient Language Detector, Apache-2.0, Nito T.M.) over its
// "small" tables in packed form (scripts/pack-language-tables.mjs writes them at install).
// eld's own module holds the tables as 81,206 objects: 43 MB of a Worker's 128 MB, for the
// isolate's life. Packed they are one string of n-grams, a Map from each to its offset and
// a byte array of scores, about a tenth of that. The steps are eld 2.1.0's detect() without
// its optional text cleanup and language subsets, which Trawl does not use;
// test/node/language-tables.test.ts holds every answer equal to eld's own.
import type * as Tables from "./language-tables.generated";

/** What eld's detect() answers: the language, and its LanguageResult's scores and reliability. */
export interface Detection {
  /** ISO 639-1 code, or "" when no n-gram of the text is known. */
  language: string;
  /** Each scoring language's 0..1 score, highest first. */
  scores: [language: string, score: number][];
  reliable: boolean;
}

export interface PackedDetector {
  detect(text: string): Detection;
}

/** eld subtracted this from every stored score to shrink its tables; scoring adds it back. */
const BASE_NGRAM_SCORE = 53;
/** eld's scale of raw scores into 0..1 (score / (score + 25)). */
const SCALE = 25;
/** eld's default reliability threshold: a fraction of the language's average score. */
const RELIABLE_RATIO = 0.75;

/** Unpacks the tables (tens of milliseconds, once per isolate) into a detector. */
export function packedDetector(tables: typeof Tables): PackedDetector {
  const ngrams = tables.NGRAMS.split("\n");
  const binary = atob(tables.SCORES);
  const scores = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) scores[i] = binary.charCodeAt(i);
  const offsets = new Map<string, number>();
  for (let i = 0, at = 0; i < ngrams.length; i++) {
    offsets.set(ngrams[i] as string, at);
    at += 1 + 2 * (scores[at] as number);
  }
  const chars = tables.BYTE_CHARACTERS;
  const languages = tables.LANGUAGES;

  /** The text's words, each as its UTF-8 bytes mapped to eld's byte characters (at most ~380 bytes in all). */
  function words(text: string): string[] {
    const out: string[] = [];
    let word = "";
    let count = 0;
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c < 0x80) {
        if (c === 32) {
          if (word !== "") out.push(word);
          word = "";
          if (count > 350) break;
        } else word += text[i];
        count += 1;
      } else if (c < 0x800) {
        word += chars.charAt(0xc0 | (c >> 6)) + chars.charAt(0x80 | (c & 0x3f));
        count += 2;
      } else if (c < 0xd800 || c >= 0xe000) {
        word +=
          chars.charAt(0xe0 | (c >> 12)) + chars.charAt(0x80 | ((c >> 6) & 0x3f)) + chars.charAt(0x80 | (c & 0x3f));
        count += 3;
      } else {
        i++;
        c = 0x10000 + (((c & 0x3ff) << 10) | (text.charCodeAt(i) & 0x3ff));
        word +=
          chars.charAt(0xf0 | (c >> 18)) +
          chars.charAt(0x80 | ((c >> 12) & 0x3f)) +
          chars.charAt(0x80 | ((c >> 6) & 0x3f)) +
          chars.charAt(0x80 | (c & 0x3f));
        count += 4;
      }
      if (count > 380) break;
    }
    if (word !== "") out.push(word);
    return out;
  }

  /** The distinct 4-byte n-grams of the words, 3 bytes apart, a word's first with a leading space and its last with a trailing one. */
  function ngramsOf(list: string[]): Set<string> {
    const seen = new Set<string>();
    for (const word of list) {
      const length = Math.min(word.length, 70);
      let j = 0;
      for (; j + 4 < length; j += 3) seen.add((j === 0 ? " " : "") + word.substring(j, j + 4));
      seen.add(`${j === 0 ? " " : ""}${word.substring(length !== 3 ? length - 4 : 0)} `);
    }
    return seen;
  }

  return {
    detect(input: string): Detection {
      const text = input.substring(0, 1000).replace(tables.SEPARATORS, " ").trim().toLowerCase();
      const grams = ngramsOf(words(text));
      const raw = new Array<number>(languages.length).fill(0);
      for (const gram of grams) {
        const at = offsets.get(gram);
        if (at === undefined) continue;
        const end = at + 1 + 2 * (scores[at] as number);
        for (let k = at + 1; k < end; k += 2) {
          const l = scores[k] as number;
          raw[l] = (raw[l] as number) + (scores[k + 1] as number) + BASE_NGRAM_SCORE;
        }
      }
      let best = -1;
      for (let l = 0, top = 0; l < raw.length; l++) {
        if ((raw[l] as number) > top) {
          top = raw[l] as number;
          best = l;
        }
      }
      if (best < 0) return { language: "", scores: [], reliable: false };
      const language = languages[best] as string;
      const ranked: [number, number][] = [];
      for (let l = 0; l < raw.length; l++) {
        const perGram = (raw[l] as number) / grams.size;
        if (perGram > 0) ranked.push([l, perGram / (perGram + SCALE)]);
      }
      ranked.sort((a, b) => b[1] - a[1]);
      return {
        language,
        scores: ranked.map(([l, score]) => [languages[l] as string, score]),
        reliable: reliable(ranked, language, grams.size),
      };
    },
  };

  /**
   * eld's LanguageResult.isReliable() at its default ratio. As eld 2.1.0 has it, the
   * runner-up term is the runner-up's language index, not its score; kept, so every
   * answer stays eld's.
   */
  function reliable(ranked: [number, number][], language: string, grams: number): boolean {
    const first = ranked[0];
    if (!first || grams < 3) return false;
    const next = ranked.length > 1 ? (ranked[1] as [number, number])[0] : 0;
    return !(
      (tables.AVERAGE_SCORE[language] as number) * RELIABLE_RATIO > first[1] || 0.01 > Math.abs(first[1] - next)
    );
  }
}
