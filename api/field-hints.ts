// Help for a misspelt or foreign field name: the exact path of the unknown key, the
// nearest name the schema knows (edit distance), and Firecrawl's names mapped to ours.
// The known names are read from the zod schema that refused the key, so a new option is
// suggested the moment it is added to a schema.
import type { z } from "zod";

/** Firecrawl's request names that Trawl's native API calls something else, and what. */
export const FIRECRAWL_NAMES: Record<string, string> = {
  includeTags: "includeSelectors",
  excludeTags: "excludeSelectors",
  includePaths: "include",
  excludePaths: "exclude",
  limit: "maxUrls",
  maxRetries: "maxAttempts",
  removeBase64Images: "images",
  ignoreRobotsTxt: "respectRobots",
};

/** Levenshtein distance with adjacent transpositions (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (rows[0] as number[])[j] = j;
  const at = (i: number, j: number) => (rows[i] as number[])[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (rows[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The known name closest to `given` (case-insensitive), if it is close enough to be a typo. */
export function nearestName(given: string, known: readonly string[]): string | null {
  let best: { name: string; distance: number } | null = null;
  for (const name of known) {
    const distance = editDistance(given.toLowerCase(), name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  if (!best) return null;
  // A third of the name may differ: `formts`, `fromats`, `onlyMaincontent`; `foo` is not `exclude`.
  return best.distance <= Math.max(1, Math.floor(given.length / 3)) ? best.name : null;
}

type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  getter?: () => z.ZodType;
};

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The object schemas `schema` can be, looking through optional, default, pipe, union and lazy. */
function objectsOf(schema: z.ZodType, depth = 0): Record<string, z.ZodType>[] {
  if (depth > 8) return [];
  const def = defOf(schema);
  if (def.type === "object" && def.shape) return [def.shape];
  const inner = def.innerType ?? def.in ?? def.getter?.();
  if (inner) return objectsOf(inner, depth + 1);
  if (def.type === "union" && def.options) return def.options.flatMap((option) => objectsOf(option, depth + 1));
  return [];
}

/** The schemas at `path` under `schema`, array indices stepping into elements. */
function schemasAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType[] {
  let current = [schema];
  for (const part of path) {
    current = current.flatMap((node) => {
      if (typeof part === "number") {
        let def = defOf(node);
        while (!def.element && (def.innerType ?? def.in)) def = defOf((def.innerType ?? def.in) as z.ZodType);
        return def.element ? [def.element] : [];
      }
      return objectsOf(node).flatMap((shape) => (shape[String(part)] ? [shape[String(part)] as z.ZodType] : []));
    });
  }
  return current;
}

/** The field names the object at `path` under `schema` knows. */
export function knownNamesAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const names = schemasAt(schema, path).flatMap((node) => objectsOf(node).flatMap((shape) => Object.keys(shape)));
  return [...new Set(names)];
}

/**
 * Why `key` is not a field of the object at `path`: a Firecrawl name's counterpart, a
 * field that lives one level down (`formats` at the top of a batch goes in `options`),
 * or the nearest known name.
 */
export function unknownKeyReason(schema: z.ZodType | undefined, path: readonly PropertyKey[], key: string): string {
  const known = schema ? knownNamesAt(schema, path) : [];
  const ours = FIRECRAWL_NAMES[key];
  if (ours && known.includes(ours)) return `unknown field; that is Firecrawl's name: Trawl's is \`${ours}\``;
  if (ours && schema) {
    const home = known.find((name) => knownNamesAt(schema, [...path, name]).includes(ours));
    if (home) return `unknown field; that is Firecrawl's name: Trawl's is \`${home}.${ours}\``;
  }
  if (schema) {
    const home = known.find((name) => knownNamesAt(schema, [...path, name]).includes(key));
    if (home) return `unknown field here; it belongs in \`${home}\` (\`${home}.${key}\`)`;
  }
  const nearest = nearestName(key, known);
  if (nearest) return `unknown field; did you mean \`${nearest}\`?`;
  return known.length > 0 ? `unknown field; known: ${known.join(", ")}` : "unknown field";
}
