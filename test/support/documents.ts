// Documents for the tests and the PDF bench, built in Node: PDFs made with pdf-lib (so
// their text, metadata and links are known exactly), DOCX archives zipped here (so zip
// and XML bombs can be made as well), and the real PDFs of test/fixtures/documents.
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as zlib from "node:zlib";
import { PDFDocument, PDFName, PDFString, StandardFonts } from "pdf-lib";

const HERE = dirname(fileURLToPath(import.meta.url));
/** The real PDFs (mozilla/pdf.js test/pdfs, Apache-2.0; see their NOTICE). */
export const REAL_PDF_DIR = join(HERE, "../fixtures/documents/pdfjs");

/** Exactly what text.pdf says, for the tests' expectations. */
export const TEXT_PDF = {
  title: "Trawl Document Fixture",
  author: "Ada Lovelace",
  subject: "A generated PDF with known text",
  language: "en-GB",
  created: new Date("2024-03-05T10:20:30Z"),
  link: "https://example.com/spec",
  headings: ["Reading PDFs", "Second section"],
  // The first paragraph, as its four lines are drawn: "extrac-" / "tion" is undone.
  lines: [
    "Trawl turns documents into Markdown. The",
    "first step is the extrac-",
    "tion of text in reading order, page by",
    "page, with paragraphs joined across lines.",
  ],
  joined:
    "Trawl turns documents into Markdown. The first step is the extraction of text in reading order, page by page, with paragraphs joined across lines.",
  second: "A second paragraph stands apart from the first.",
  page2: "The second page holds a section of its own.",
  page3: "The last page ends here.",
} as const;

/** A three-page PDF with a title, author, date, language, headings, a hyphenated line end and a link. */
export async function textPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(TEXT_PDF.title);
  doc.setAuthor(TEXT_PDF.author);
  doc.setSubject(TEXT_PDF.subject);
  doc.setLanguage(TEXT_PDF.language);
  doc.setCreationDate(TEXT_PDF.created);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const one = doc.addPage([595, 842]);
  one.drawText(TEXT_PDF.headings[0], { x: 72, y: 760, size: 24, font: bold });
  TEXT_PDF.lines.forEach((line, i) => {
    one.drawText(line, { x: 72, y: 720 - i * 14, size: 11, font });
  });
  one.drawText(TEXT_PDF.second, { x: 72, y: 640, size: 11, font });
  one.drawText("Read the specification.", { x: 72, y: 610, size: 11, font });
  const annotation = doc.context.obj({
    Type: "Annot",
    Subtype: "Link",
    Rect: [72, 605, 200, 622],
    Border: [0, 0, 0],
    A: { Type: "Action", S: "URI", URI: PDFString.of(TEXT_PDF.link) },
  });
  one.node.set(PDFName.of("Annots"), doc.context.obj([doc.context.register(annotation)]));
  const two = doc.addPage([595, 842]);
  two.drawText(TEXT_PDF.headings[1], { x: 72, y: 760, size: 18, font: bold });
  two.drawText(TEXT_PDF.page2, { x: 72, y: 720, size: 11, font });
  const three = doc.addPage([595, 842]);
  three.drawText(TEXT_PDF.page3, { x: 72, y: 760, size: 11, font });
  return doc.save();
}

/** A PDF of `pages` pages, each saying which it is, with `linesPerPage` lines of filler. */
export async function longPdf(pages: number, linesPerPage = 1): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(`Long fixture of ${pages} pages`);
  const font = await doc.embedFont(StandardFonts.TimesRoman);
  for (let n = 1; n <= pages; n++) {
    const page = doc.addPage([595, 842]);
    page.drawText(`This is page ${n} of the long fixture.`, { x: 72, y: 780, size: 11, font });
    for (let i = 1; i < linesPerPage; i++)
      page.drawText(`Line ${i} of page ${n} carries filler words for a document near the caps.`, {
        x: 72,
        y: 780 - i * 13,
        size: 10,
        font,
      });
  }
  return doc.save();
}

// A 2x2 grey PNG: the page of a "scanned" document is an image and nothing else.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAAAAABX3VL4AAAADklEQVR4nGNgYGBgYGAAAAAFAAHkLYX8AAAAAElFTkSuQmCC",
  "base64",
);

/** A one-page PDF that is one image: a scan without a text layer. */
export async function scannedPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const image = await doc.embedPng(PNG);
  doc.addPage([595, 842]).drawImage(image, { x: 0, y: 0, width: 595, height: 842 });
  return doc.save();
}

/** A file that starts as a PDF and then is noise. */
export function brokenPdf(): Uint8Array {
  const noise = Buffer.alloc(4000);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919 + 13) % 251;
  return Buffer.concat([Buffer.from("%PDF-1.7\n"), noise]);
}

/** The real PDF of that name from test/fixtures/documents/pdfjs. */
export function realPdf(name: string): Uint8Array {
  return readFileSync(join(REAL_PDF_DIR, name));
}

/** Names of the real PDFs. */
export function realPdfNames(): string[] {
  return readdirSync(REAL_PDF_DIR)
    .filter((f) => f.endsWith(".pdf"))
    .sort();
}

// --- DOCX ------------------------------------------------------------------------------

/** Exactly what the generated DOCX says. */
export const DOCX = {
  title: "Quarterly Notes",
  creator: "Grace Hopper",
  language: "en-US",
  created: "2023-11-02T09:00:00Z",
  heading: "Findings",
  paragraph: "The compiler translated every program without a single error this quarter.",
  link: "https://example.org/report",
  linkText: "the full report",
  footer: "Confidential draft",
};

const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
const R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';

/** The Word parts of a small document: a heading, a paragraph, a link, a table and a closing line. */
function docxParts(documentXml?: string): Record<string, string | Buffer> {
  const body =
    documentXml ??
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document ${W} ${R}><w:body>
<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>${DOCX.heading}</w:t></w:r></w:p>
<w:p><w:r><w:t>${DOCX.paragraph}</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">Read </w:t></w:r><w:hyperlink r:id="rIdLink"><w:r><w:t>${DOCX.linkText}</w:t></w:r></w:hyperlink><w:r><w:t>.</w:t></w:r></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Quarter</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Programs</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>Q3</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>42</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:p><w:pPr><w:pStyle w:val="Footer"/></w:pPr><w:r><w:t>${DOCX.footer}</w:t></w:r></w:p>
</w:body></w:document>`;
  return {
    "[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>`,
    "_rels/.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>`,
    "word/document.xml": body,
    "word/_rels/document.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rIdLink" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="${DOCX.link}" TargetMode="External"/></Relationships>`,
    "word/styles.xml": `<?xml version="1.0" encoding="UTF-8"?><w:styles ${W}><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style><w:style w:type="paragraph" w:styleId="Footer"><w:name w:val="footer"/></w:style></w:styles>`,
    "docProps/core.xml": `<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>${DOCX.title}</dc:title><dc:creator>${DOCX.creator}</dc:creator><dc:language>${DOCX.language}</dc:language><dcterms:created xsi:type="dcterms:W3CDTF">${DOCX.created}</dcterms:created></cp:coreProperties>`,
  };
}

/** A small Word document (see DOCX). */
export function docx(): Uint8Array {
  return zip(docxParts());
}

/**
 * A DOCX with an extra part of `bytes` spaces: a few KiB on the wire, a bomb when inflated.
 * `lying`: its zip directory declares every part 100 bytes long.
 */
export function zipBombDocx(bytes: number, lying = false): Uint8Array {
  return zip({ ...docxParts(), "word/filler.xml": Buffer.alloc(bytes, " ") }, lying ? 100 : null);
}

/** A DOCX whose document declares nested entities (billion laughs). */
export function xmlBombDocx(): Uint8Array {
  const entities = ['<!ENTITY lol0 "lol">'];
  for (let i = 1; i < 10; i++) entities.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
  const xml = `<?xml version="1.0"?><!DOCTYPE w:document [${entities.join("")}]><w:document ${W}><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>`;
  return zip(docxParts(xml));
}

/** A DOCX cut off halfway: its central directory is gone. */
export function truncatedDocx(): Uint8Array {
  const whole = docx();
  return whole.subarray(0, Math.floor(whole.length / 2));
}

/** A zip archive of `files`, deflated, as Word writes them. */
export function zip(files: Record<string, string | Buffer>, declaredSize: number | null = null): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const raw = typeof content === "string" ? Buffer.from(content) : content;
    const packed = zlib.deflateRawSync(raw, { level: 9 });
    const nameBytes = Buffer.from(name);
    const crc = crc32(raw);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(declaredSize ?? raw.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(declaredSize ?? raw.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  const count = Object.keys(files).length;
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Buffer): number {
  // Node 22.2+ has it natively (a 60 MB bomb part takes a JavaScript loop ~1 s).
  if (typeof zlib.crc32 === "function") return zlib.crc32(bytes);
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * A PDF written by hand, fast at any size: `pages` pages of `lines` lines of Times text,
 * and `padBytes` of random bytes in a stream no page uses (big reports carry such
 * attachments), so a file can be made near both the page and the byte caps in a blink.
 */
export function densePdf(pages: number, lines: number, padBytes = 0): Uint8Array {
  const chunks: Buffer[] = [];
  const offsets: number[] = [];
  let size = 0;
  const push = (b: Buffer) => {
    chunks.push(b);
    size += b.length;
  };
  const object = (n: number, body: Buffer | string) => {
    offsets[n] = size;
    push(Buffer.from(`${n} 0 obj\n`));
    push(typeof body === "string" ? Buffer.from(body) : body);
    push(Buffer.from("\nendobj\n"));
  };
  const stream = (dict: string, data: Buffer) =>
    Buffer.concat([Buffer.from(`<< ${dict} /Length ${data.length} >>\nstream\n`), data, Buffer.from("\nendstream")]);
  push(Buffer.from("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n", "latin1"));
  const first = 5; // 1 catalog, 2 pages, 3 font, 4 padding; then a page and its content each
  const kids = Array.from({ length: pages }, (_, i) => `${first + 2 * i} 0 R`).join(" ");
  object(1, "<< /Type /Catalog /Pages 2 0 R >>");
  object(2, `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`);
  object(3, "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>");
  object(4, stream("", padBytes > 0 ? randomBytes(padBytes) : Buffer.alloc(0)));
  for (let p = 0; p < pages; p++) {
    const ops: string[] = [];
    for (let i = 0; i < lines; i++)
      ops.push(
        `BT /F1 10 Tf 40 ${800 - i * 13} Td (Page ${p + 1}, line ${i}: filler words for a document near the caps.) Tj ET`,
      );
    object(
      first + 2 * p,
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents ${first + 2 * p + 1} 0 R >>`,
    );
    object(first + 2 * p + 1, stream("", Buffer.from(ops.join("\n"))));
  }
  const count = first + 2 * pages;
  const xref = [`xref\n0 ${count}\n0000000000 65535 f \n`];
  for (let n = 1; n < count; n++) xref.push(`${String(offsets[n]).padStart(10, "0")} 00000 n \n`);
  const start = size;
  push(Buffer.from(`${xref.join("")}trailer\n<< /Size ${count} /Root 1 0 R >>\nstartxref\n${start}\n%%EOF\n`));
  return Buffer.concat(chunks);
}
