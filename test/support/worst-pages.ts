// Pages built to cost the consumer the most memory each, all just under the page cap
// (MAX_BODY_BYTES): the most Markdown a page can give (text, and text in a two-byte
// script, which V8 stores at two bytes a character), the most elements and attributes,
// the most links, a wide table, and nesting past every depth bound. Deterministic, so a
// memory figure measured over them can be compared between runs.

const WORDS = [
  "harbour",
  "lantern",
  "meadow",
  "quarry",
  "thistle",
  "cobalt",
  "juniper",
  "falcon",
  "granite",
  "orchard",
  "pewter",
  "saffron",
  "tundra",
  "willow",
  "zephyr",
  "bramble",
  "cinder",
  "drizzle",
  "ember",
  "fjord",
];
const CYRILLIC = [
  "гавань",
  "фонарь",
  "луг",
  "карьер",
  "чертополох",
  "кобальт",
  "можжевельник",
  "сокол",
  "гранит",
  "сад",
];

/** `n` words of `from`, varied so no two sentences repeat. */
function sentence(from: string[], seed: number, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(from[(seed * 7 + i * 13 + Math.floor(seed / 3)) % from.length] as string);
  return `${out.join(" ")} ${seed}.`;
}

/** An HTML page of `body(i)` repeated until `maxBytes` (UTF-8) would be passed. */
function fill(maxBytes: number, head: string, body: (i: number) => string, tail: string): Uint8Array {
  const encoder = new TextEncoder();
  const parts: string[] = [head];
  let size = encoder.encode(head + tail).length;
  for (let i = 0; ; i++) {
    const piece = body(i);
    const bytes = encoder.encode(piece).length;
    if (size + bytes > maxBytes) break;
    parts.push(piece);
    size += bytes;
  }
  parts.push(tail);
  return encoder.encode(parts.join(""));
}

const HEAD = (title: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><main><article><h1>${title}</h1>`;
const TAIL = "</article></main></body></html>";

/** The worst-case pages, each at most `maxBytes`, by name. */
export function worstPages(maxBytes: number): { name: string; bytes: Uint8Array }[] {
  return [
    {
      name: "text (Markdown at its cap)",
      bytes: fill(maxBytes, HEAD("Text"), (i) => `<p>${sentence(WORDS, i, 40)}</p>\n`, TAIL),
    },
    {
      name: "two-byte text",
      bytes: fill(maxBytes, HEAD("Cyrillic"), (i) => `<p>${sentence(CYRILLIC, i, 30)}</p>\n`, TAIL),
    },
    {
      name: "elements and attributes",
      bytes: fill(
        maxBytes,
        HEAD("Elements"),
        (i) =>
          `<div class="c${i % 97} row item-${i}" id="e${i}" data-a="${i}" data-b="x${i}"><span>${WORDS[i % 20]}</span></div>`,
        TAIL,
      ),
    },
    {
      name: "links",
      bytes: fill(
        maxBytes,
        HEAD("Links"),
        (i) => `<p><a href="/section/${i}/page-${i * 7}.html">${WORDS[i % 20]} ${i}</a></p>`,
        TAIL,
      ),
    },
    {
      name: "wide table",
      bytes: fill(
        maxBytes,
        `${HEAD("Table")}<table><tr>${Array.from({ length: 20 }, (_, c) => `<th>h${c}</th>`).join("")}</tr>`,
        (i) => `<tr>${Array.from({ length: 20 }, (_, c) => `<td>${WORDS[(i + c) % 20]} ${i}</td>`).join("")}</tr>\n`,
        `</table>${TAIL}`,
      ),
    },
    {
      name: "nesting",
      bytes: fill(
        maxBytes,
        HEAD("Nesting"),
        (i) => (i % 2 === 0 ? `<div><p>${WORDS[i % 20]}</p>` : "<section><div>"),
        TAIL,
      ),
    },
  ];
}
