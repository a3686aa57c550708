#!/usr/bin/env node
// The `trawl` executable (package.json "bin"): runs the TypeScript CLI through tsx, so
// `npx trawl` works from a checkout with no build step.
import { tsImport } from "tsx/esm/api";

await tsImport("./trawl.ts", import.meta.url);
