import { describe, expect, it } from "vitest";
import { tidyMarkdown } from "../../../lib/extract/html-to-markdown";

describe("tidyMarkdown", () => {
  it("drops trailing spaces and tabs, blank-looking lines and extra blank lines", () => {
    const md = "# Title  \t\n\n\n\nword one \nword\ttwo\t\n \t \n\u3000\n\nlast line   ";
    expect(tidyMarkdown(md)).toBe("# Title\n\nword one\nword\ttwo\n\nlast line");
  });

  it("leaves lines without trailing whitespace as they are, inner spaces included", () => {
    const md = "a  b\n- item\n\n> quote";
    expect(tidyMarkdown(md)).toBe(md);
  });

  it("normalises line endings and no-break spaces", () => {
    expect(tidyMarkdown("one\r\ntwo\u00a0 \rthree")).toBe("one\ntwo\nthree");
  });

  it("keeps whitespace inside fenced code", () => {
    const md = "text  \n\n```\ncode  \n\n\n\n  indented\n```\n\n\n\nafter ";
    expect(tidyMarkdown(md)).toBe("text\n\n```\ncode  \n\n\n\n  indented\n```\n\nafter");
  });
});
