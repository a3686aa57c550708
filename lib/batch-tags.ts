import { z } from "zod";

/** A batch's name: free text a person reads in lists. */
export const BatchName = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(200)
  .describe("A name for people reading lists (the status page, `trawl list`); need not be unique.");

/** A label: a short token to group and filter batches by (`team:search`, `nightly`). */
export const Label = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:/=-]{0,62}$/,
    "must be 1-63 letters, digits or . _ : / = - (starting with a letter or digit)",
  )
  .describe("A label to filter by: 1-63 letters, digits or `. _ : / = -`.");

export const Labels = z
  .array(Label)
  .max(20)
  .transform((labels) => [...new Set(labels)])
  .describe("Labels to group and filter batches by (`GET /v1/batches?label=`); at most 20.");

/** What a person calls a batch: its name and labels, kept beside its listing entry. */
export const BatchTags = z.object({ name: BatchName.nullable(), labels: z.array(Label) });
export type BatchTags = z.infer<typeof BatchTags>;

/** Labels as a comma-separated query value (`nightly,team:search`), checked one by one. */
export const LabelList = z
  .string()
  .max(2000)
  .transform((text) =>
    text
      .split(",")
      .map((label) => label.trim())
      .filter(Boolean),
  )
  .pipe(z.array(Label).max(20));
