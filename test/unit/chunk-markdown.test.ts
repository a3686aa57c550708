import { countTokens as cl100k } from "gpt-tokenizer/encoding/cl100k_base";
import { countTokens as o200k } from "gpt-tokenizer/encoding/o200k_base";
import { describe, expect, it } from "vitest";
import { type Chunk, type ChunkingOptions, chunkMarkdown } from "../../lib/chunk";

const AS_TEXT = { disallowedSpecial: new Set<string>() };
const options = (o: Partial<ChunkingOptions> = {}): ChunkingOptions => ({
  maxTokens: 64,
  overlapTokens: 0,
  tokenizer: "cl100k_base",
  ...o,
});

/** The properties every chunking must have, checked with the tokenizer called directly. */
function checkInvariants(markdown: string, chunks: Chunk[], o: ChunkingOptions): void {
  const count = o.tokenizer === "o200k_base" ? o200k : cl100k;
  chunks.forEach((chunk, i) => {
    expect(chunk.index).toBe(i);
    expect(chunk.text).toBe(markdown.slice(chunk.start, chunk.end));
    expect(chunk.tokens).toBe(count(chunk.text, AS_TEXT));
    expect(chunk.tokens).toBeLessThanOrEqual(o.maxTokens);
    if (i > 0) expect(chunk.start).toBeGreaterThan((chunks[i - 1] as Chunk).start);
  });
}

const sentence = (n: number) => `Sentence number ${n} says something about the topic at hand.`;
const paragraph = (from: number, n: number) => Array.from({ length: n }, (_, i) => sentence(from + i)).join(" ");

describe("chunkMarkdown", () => {
  it("gives nothing for a page with no text", () => {
    expect(chunkMarkdown("", options())).toEqual([]);
    expect(chunkMarkdown("\n\n  \n", options())).toEqual([]);
  });

  it("keeps a section that fits whole, with the headings above it as its path", () => {
    const md =
      "# Guide\n\nIntro text that is long enough to stand alone as its own chunk of text here.\n\n## Install\n\n### On Linux\n\nRun the installer.";
    const chunks = chunkMarkdown(md, options({ maxTokens: 256 }));
    checkInvariants(md, chunks, options({ maxTokens: 256 }));
    expect(chunks.map((c) => c.headingPath)).toEqual([["Guide"]]);
    expect(chunks[0]?.text).toBe(md);
  });

  it("does not cross a heading between sections big enough to stand alone", () => {
    const md = `# A\n\n${paragraph(0, 8)}\n\n# B\n\n${paragraph(8, 8)}`;
    const o = options({ maxTokens: 256 });
    const chunks = chunkMarkdown(md, o);
    checkInvariants(md, chunks, o);
    expect(chunks.map((c) => c.headingPath)).toEqual([["A"], ["B"]]);
    expect(chunks[1]?.text.startsWith("# B")).toBe(true);
  });

  it("merges small sibling sections under their parent, whose path the chunk takes", () => {
    const md = `# Guide\n\n${paragraph(0, 4)}\n\n## Install\n\n### On Linux\n\nUse apt.\n\n### On Mac\n\nUse brew.\n\n## Usage\n\n${paragraph(10, 10)}`;
    const o = options({ maxTokens: 128 });
    const chunks = chunkMarkdown(md, o);
    checkInvariants(md, chunks, o);
    const install = chunks.find((c) => c.text.includes("On Linux"));
    expect(install?.text).toContain("On Mac");
    expect(install?.headingPath).toEqual(["Guide", "Install"]);
    // The chunk before and after stand alone: their own sections, not merged into Install.
    expect(chunks.map((c) => c.headingPath)).toEqual([["Guide"], ["Guide", "Install"], ["Guide", "Usage"]]);
  });

  it("cuts an over-long section between blocks, never inside a block that fits", () => {
    const blocks = Array.from({ length: 12 }, (_, i) => paragraph(i * 2, 2));
    const md = `## Long\n\n${blocks.join("\n\n")}`;
    const o = options({ maxTokens: 100 });
    const chunks = chunkMarkdown(md, o);
    checkInvariants(md, chunks, o);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    for (const chunk of chunks) {
      expect(chunk.headingPath).toEqual(["Long"]);
      // Each chunk is whole paragraphs: it ends where a paragraph ends.
      expect(blocks.some((b) => chunk.text.endsWith(b))).toBe(true);
    }
  });

  it("never splits a table row, and keeps the header rows together", () => {
    const rows = Array.from({ length: 60 }, (_, i) => `| row ${i} | value ${i * 7} | note ${i} |`);
    const md = `## Table\n\n| name | value | note |\n| --- | --- | --- |\n${rows.join("\n")}`;
    const o = options({ maxTokens: 80 });
    const chunks = chunkMarkdown(md, o);
    checkInvariants(md, chunks, o);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) {
      for (const line of chunk.text.split("\n").filter((l) => l.startsWith("|"))) {
        expect(line.endsWith("|"), line).toBe(true);
        if (line.includes("row")) expect(rows).toContain(line);
      }
    }
    expect(chunks.some((c) => c.text.includes("| name | value | note |\n| --- | --- | --- |"))).toBe(true);
  });

  it("never splits a list item that fits", () => {
    const items = Array.from(
      { length: 30 },
      (_, i) => `- item ${i}: ${sentence(i)}\n    continued on an indented line ${i}.`,
    );
    const md = `## List\n\n${items.join("\n")}`;
    const o = options({ maxTokens: 90 });
    const chunks = chunkMarkdown(md, o);
    checkInvariants(md, chunks, o);
    for (const chunk of chunks) {
      const body = chunk.text.replace(/^## List\n\n/, "");
      expect(
        items.some((item) => body.startsWith(item)),
        body.slice(0, 40),
      ).toBe(true);
      expect(
        items.some((item) => body.endsWith(item)),
        body.slice(-40),
      ).toBe(true);
    }
  });

  it("keeps a code block whole when it fits, blank lines inside included", () => {
    const code = "```python\ndef f():\n\n    return 1\n\n\nprint(f())\n```";
    const md = `## Code\n\n${paragraph(0, 4)}\n\n${code}\n\n${paragraph(4, 4)}`;
    const o = options({ maxTokens: 64 });
    const chunks = chunkMarkdown(md, o);
    checkInvariants(md, chunks, o);
    expect(chunks.some((c) => c.text.includes(code))).toBe(true);
  });

  it("cuts an over-long code block between lines", () => {
    const lines = Array.from({ length: 80 }, (_, i) => `console.log("line ${i}");`);
    const md = `\`\`\`js\n${lines.join("\n")}\n\`\`\``;
    const o = options({ maxTokens: 64 });
    const chunks = chunkMarkdown(md, o);
    checkInvariants(md, chunks, o);
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      for (const line of chunk.text.split("\n")) if (line.startsWith("console")) expect(lines).toContain(line);
    }
  });

  it("falls back to sentences inside an over-long paragraph, then to words", () => {
    const md = paragraph(0, 30);
    const o = options({ maxTokens: 40 });
    const chunks = chunkMarkdown(md, o);
    checkInvariants(md, chunks, o);
    for (const chunk of chunks) expect(chunk.text.endsWith(".")).toBe(true);
    const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(" ");
    const wordChunks = chunkMarkdown(words, o);
    checkInvariants(words, wordChunks, o);
    for (const chunk of wordChunks) expect(chunk.text).toMatch(/^word\d+( word\d+)*$/);
  });

  it("stays under the limit for text with no spaces: a data URI, CJK, emoji", () => {
    const o = options({ maxTokens: 32 });
    for (const md of [
      `![x](data:image/png;base64,${"iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB".repeat(200)})`,
      "日本語の文章には空白がありません".repeat(100),
      "🎉👩‍👩‍👧‍👦".repeat(300),
    ]) {
      const chunks = chunkMarkdown(md, o);
      checkInvariants(md, chunks, o);
      expect(chunks.map((c) => c.text).join("")).toBe(md);
    }
  });

  it("counts special-token text as text instead of throwing", () => {
    const md = "# Title\n\nThe model stops at <|endoftext|> and <|im_start|>.";
    const chunks = chunkMarkdown(md, options());
    checkInvariants(md, chunks, options());
    expect(chunks).toHaveLength(1);
  });

  it("overlaps consecutive pieces of one section by at most overlapTokens, never across a heading", () => {
    const md = `## One\n\n${paragraph(0, 20)}\n\n## Two\n\n${paragraph(20, 20)}`;
    const o = options({ maxTokens: 64, overlapTokens: 16 });
    const chunks = chunkMarkdown(md, o);
    checkInvariants(md, chunks, o);
    let overlaps = 0;
    for (let i = 1; i < chunks.length; i++) {
      const [prev, next] = [chunks[i - 1] as Chunk, chunks[i] as Chunk];
      if (next.start < prev.end) {
        overlaps++;
        expect(next.headingPath).toEqual(prev.headingPath);
        expect(cl100k(md.slice(next.start, prev.end))).toBeLessThanOrEqual(16);
        expect(md.slice(next.start - 1, next.start)).toMatch(/\s/);
      }
    }
    expect(overlaps).toBeGreaterThan(4);
    const two = chunks.find((c) => c.text.startsWith("## Two"));
    expect(two && two.start >= md.indexOf("## Two")).toBe(true);
  });

  it("counts with the tokenizer asked for", () => {
    const md = paragraph(0, 40);
    for (const tokenizer of ["cl100k_base", "o200k_base"] as const) {
      const o = options({ maxTokens: 50, tokenizer });
      checkInvariants(md, chunkMarkdown(md, o), o);
    }
  });

  it("is a pure function of its input", () => {
    const md = `# A\n\n${paragraph(0, 20)}\n\n## B\n\n- x\n- y`;
    expect(chunkMarkdown(md, options({ overlapTokens: 8 }))).toEqual(chunkMarkdown(md, options({ overlapTokens: 8 })));
  });
});
