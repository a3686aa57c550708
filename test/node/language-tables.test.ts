// The packed detector (lib/language-detector.ts over scripts/pack-language-tables.mjs's
// tables) answers exactly as eld's own detect() does: the language, every score in order,
// and the reliability flag. Over texts built here from many scripts and edge cases (always),
// and over both corpora's expected texts where ../shared/corpus exists.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import eld from "eld/small";
import { describe, expect, it } from "vitest";
import { packedDetector } from "../../lib/language-detector";
import * as tables from "../../lib/language-tables.generated";
import { readabilityDir, wcxbDir } from "../support/corpora";
import { htmlText } from "../support/token-f1";

const packed = packedDetector(tables);

/** eld's answer in the packed detector's shape. */
function eldAnswer(text: string) {
  const result = eld.detect(text);
  return { language: result.language, scores: Object.entries(result.getScores()), reliable: result.isReliable() };
}

function expectSame(texts: string[]): number {
  let detected = 0;
  for (const text of texts) {
    const ours = packed.detect(text);
    expect(ours, text.slice(0, 80)).toEqual(eldAnswer(text));
    if (ours.language) detected++;
  }
  return detected;
}

/** Deterministic pseudo-random texts: words from several scripts, digits, marks, emoji and spacing. */
function builtTexts(n: number): string[] {
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const ranges: [number, number][] = [
    [0x61, 0x7a], // Latin
    [0xe0, 0xff], // Latin-1 letters
    [0x100, 0x17f], // Latin Extended-A
    [0x3b1, 0x3c9], // Greek
    [0x430, 0x44f], // Cyrillic
    [0x5d0, 0x5ea], // Hebrew
    [0x627, 0x64a], // Arabic
    [0x905, 0x939], // Devanagari
    [0xe01, 0xe30], // Thai
    [0x3041, 0x3096], // Hiragana
    [0x4e00, 0x4fff], // CJK
    [0xac00, 0xacff], // Hangul
    [0x1f600, 0x1f64f], // emoji (surrogate pairs)
    [0x30, 0x39], // digits
  ];
  const separators = [" ", "  ", ", ", ". ", "\n", "\t", "'", "’", "-", " — ", "!? "];
  const texts: string[] = [];
  for (let t = 0; t < n; t++) {
    const scripts = [ranges[Math.floor(next() * ranges.length)], ranges[Math.floor(next() * ranges.length)]];
    const words = 1 + Math.floor(next() * (t % 10 === 0 ? 400 : 40));
    let text = "";
    for (let w = 0; w < words; w++) {
      const [from, to] = scripts[Math.floor(next() * 2)] as [number, number];
      // Mostly short words, sometimes past eld's 70-byte cut of one word.
      const length = next() < 0.05 ? 60 + Math.floor(next() * 40) : 1 + Math.floor(next() * 9);
      for (let c = 0; c < length; c++) text += String.fromCodePoint(from + Math.floor(next() * (to - from + 1)));
      text += separators[Math.floor(next() * separators.length)];
    }
    texts.push(next() < 0.3 ? text.toUpperCase() : text);
  }
  return texts;
}

const KNOWN = [
  "The council met on Tuesday to discuss the new budget for the public library.",
  "Der Stadtrat hat am Dienstag über den neuen Haushalt der Bibliothek beraten.",
  "Le conseil municipal s'est réuni mardi pour discuter du nouveau budget.",
  "市議会は火曜日に図書館の新しい予算について話し合いました。",
  "Городской совет собрался во вторник, чтобы обсудить новый бюджет библиотеки.",
  "don't won’t it`s l'école",
  "",
  "   ",
  "a",
  "ab cd",
  "1234 5678",
  "😀😃😄 😁😆",
];

describe("packed language tables", () => {
  it("answer as eld does on built texts of many scripts and edge cases", () => {
    const texts = [...KNOWN, ...builtTexts(3000)];
    const detected = expectSame(texts);
    console.log(`built texts: ${texts.length} compared, ${detected} with a language`);
    expect(detected).toBeGreaterThan(texts.length / 2);
  });

  it("answer as eld does on both corpora's expected texts", (ctx) => {
    const readability = readabilityDir();
    const wcxb = wcxbDir();
    if (!readability && !wcxb) {
      console.log("skipped: ../shared/corpus is not here (the built texts above still ran)");
      ctx.skip();
    }
    const texts: string[] = [];
    if (readability)
      for (const name of readdirSync(readability)) {
        try {
          texts.push(htmlText(readFileSync(join(readability, name, "expected.html"), "utf8")));
        } catch {}
      }
    if (wcxb)
      for (const id of readdirSync(wcxb)) {
        try {
          texts.push(readFileSync(join(wcxb, id, "expected.txt"), "utf8"));
        } catch {}
      }
    const detected = expectSame(texts);
    console.log(`corpus texts: ${texts.length} compared, ${detected} with a language`);
    expect(texts.length).toBeGreaterThan(1000);
  });
});
