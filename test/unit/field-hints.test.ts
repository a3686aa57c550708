import { describe, expect, it } from "vitest";
import { editDistance, FIRECRAWL_NAMES, knownNamesAt, nearestName, unknownKeyReason } from "../../api/field-hints";
import { CreateBatchJson } from "../../api/openapi-schemas";
import { BatchOptions } from "../../lib/schemas";

describe("editDistance", () => {
  it("counts insertions, deletions, substitutions and transpositions as one each", () => {
    expect(editDistance("formts", "formats")).toBe(1);
    expect(editDistance("formatss", "formats")).toBe(1);
    expect(editDistance("fprmats", "formats")).toBe(1);
    expect(editDistance("fromats", "formats")).toBe(1);
    expect(editDistance("abc", "xyz")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
  });
});

describe("nearestName", () => {
  it("suggests a close name and refuses a far one", () => {
    expect(nearestName("formts", ["formats", "images"])).toBe("formats");
    expect(nearestName("onlymaincontent", ["onlyMainContent"])).toBe("onlyMainContent");
    expect(nearestName("banana", ["formats", "images"])).toBeNull();
  });
});

describe("knownNamesAt", () => {
  it("reads the names of a nested object through optional and default wrappers", () => {
    expect(knownNamesAt(CreateBatchJson, ["options"])).toEqual(Object.keys(BatchOptions.shape));
    expect(knownNamesAt(CreateBatchJson, [])).toContain("urls");
    expect(knownNamesAt(CreateBatchJson, ["urls", 0])).toEqual(["url", "id"]);
  });
});

describe("unknownKeyReason", () => {
  it("suggests the nearest option by edit distance", () => {
    expect(unknownKeyReason(CreateBatchJson, ["options"], "formts")).toBe("unknown field; did you mean `formats`?");
  });

  it("points Firecrawl's names at ours, one level down when that is where ours lives", () => {
    expect(unknownKeyReason(CreateBatchJson, ["options"], "includeTags")).toContain("`includeSelectors`");
    expect(unknownKeyReason(CreateBatchJson, [], "excludeTags")).toContain("`options.excludeSelectors`");
    expect(unknownKeyReason(CreateBatchJson, [], "includePaths")).toContain("`include`");
  });

  it("maps every Firecrawl name to a field the native API has", () => {
    const native = new Set([...knownNamesAt(CreateBatchJson, []), ...knownNamesAt(CreateBatchJson, ["options"])]);
    for (const [theirs, ours] of Object.entries(FIRECRAWL_NAMES)) expect(native, theirs).toContain(ours);
  });

  it("says where an option given at the top level belongs", () => {
    expect(unknownKeyReason(CreateBatchJson, [], "formats")).toBe(
      "unknown field here; it belongs in `options` (`options.formats`)",
    );
  });

  it("lists the known names when nothing is close", () => {
    expect(unknownKeyReason(CreateBatchJson, ["urls", 0], "zzzzzz")).toBe("unknown field; known: url, id");
  });
});
