import { beforeAll, describe, expect, it } from "vitest";
import { detectLanguage, loadLanguageDetector } from "../../lib/language";

beforeAll(loadLanguageDetector);

const TEXTS: Record<string, string> = {
  en: "The council met on Tuesday to discuss the new budget for the public library and agreed to extend its opening hours.",
  de: "Der Stadtrat hat am Dienstag über den neuen Haushalt der Bibliothek beraten und beschlossen, die Öffnungszeiten zu verlängern.",
  fr: "Le conseil municipal s'est réuni mardi pour discuter du nouveau budget de la bibliothèque et a décidé de prolonger les horaires.",
  es: "El ayuntamiento se reunió el martes para hablar del nuevo presupuesto de la biblioteca y decidió ampliar su horario de apertura.",
  ja: "市議会は火曜日に図書館の新しい予算について話し合い、開館時間を延長することを決めました。",
  ru: "Городской совет собрался во вторник, чтобы обсудить новый бюджет библиотеки, и решил продлить часы её работы.",
};

describe("detectLanguage", () => {
  it("names the language of known texts with a confidence in 0..1", () => {
    for (const [language, text] of Object.entries(TEXTS)) {
      const found = detectLanguage(text);
      expect(found?.language, language).toBe(language);
      expect(found?.confidence).toBeGreaterThan(0);
      expect(found?.confidence).toBeLessThanOrEqual(1);
    }
  });

  it("reads the text, not Markdown link targets or code, and says nothing on too little text", () => {
    const markdown = `[Startseite](https://example.com/en/home?lang=en) ${TEXTS.de}\n\n\`\`\`js\nconst english = "words in code";\n\`\`\``;
    expect(detectLanguage(markdown)?.language).toBe("de");
    expect(detectLanguage("OK")).toBeNull();
    expect(detectLanguage("")).toBeNull();
  });
});
