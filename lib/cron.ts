// Five-field cron expressions (minute hour day-of-month month day-of-week), parsed into
// the sets of values each field allows. Pure: lib/cron-next.ts finds occurrences.
//
// Written here rather than taken from a library: the grammar is small, and owning it
// lets the day-of-month/day-of-week rule and the DST rule (lib/cron-next.ts) be the ones
// the README states, with tests that pin them.

import { type Failure, fail as failure, ok, type Result } from "./result";

/** The sets a cron expression allows, and whether its day fields were restricted. */
export interface Cron {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  /** 0 (Sunday) to 6; a 7 in the expression is read as 0. */
  daysOfWeek: ReadonlySet<number>;
  /** Day-of-month was not `*`: with day-of-week also restricted, a day matching either runs (cron's rule). */
  domRestricted: boolean;
  dowRestricted: boolean;
}

export type CronParse = Result<Cron, Failure<"invalid_cron">>;

const MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  /** Names allowed for values, the first naming `min`. */
  names?: string[];
}

const FIELDS: FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTH_NAMES },
  { name: "day of week", min: 0, max: 7, names: DAY_NAMES },
];

/** Parses a five-field cron expression; the error message says which field is wrong and why. */
export function parseCron(expression: string): CronParse {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) {
    return fail(`must have 5 fields (minute hour day-of-month month day-of-week), found ${parts.length}`);
  }
  const sets: Set<number>[] = [];
  for (const [i, spec] of FIELDS.entries()) {
    const parsed = parseField(parts[i] as string, spec);
    if (typeof parsed === "string") return fail(`${spec.name} field "${parts[i]}": ${parsed}`);
    sets.push(parsed);
  }
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  if (daysOfWeek.delete(7)) daysOfWeek.add(0);
  const cron: Cron = {
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek,
    domRestricted: !(parts[2] as string).startsWith("*"),
    dowRestricted: !(parts[4] as string).startsWith("*"),
  };
  if (!cron.dowRestricted && ![...months].some((m) => [...daysOfMonth].some((d) => d <= daysIn(m)))) {
    return fail("no month of the expression has any of its days of month");
  }
  return ok(cron);
}

/** The most days `month` (1-12) ever has: 29 for February, which leap years give it. */
function daysIn(month: number): number {
  return month === 2 ? 29 : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** One field: a comma list of `*`, `n`, `a-b`, each optionally `/step`. A string is the error. */
function parseField(text: string, spec: FieldSpec): Set<number> | string {
  const values = new Set<number>();
  for (const item of text.split(",")) {
    const match = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/i.exec(item);
    if (!match) return `"${item}" is not *, a value, a range a-b, or one of them with /step`;
    const [, range = "", stepText] = match;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) return `step must be at least 1`;
    let from = spec.min;
    let to = spec.max === 7 ? 6 : spec.max;
    if (range !== "*") {
      const [a = "", b] = range.split("-");
      const first = fieldValue(a, spec);
      if (typeof first === "string") return first;
      from = first;
      // `a/step` runs from a to the end of the field, as in Vixie cron.
      const last = b === undefined ? (stepText === undefined ? first : to) : fieldValue(b, spec);
      if (typeof last === "string") return last;
      if (last < from) return `range ${range} runs backwards`;
      to = last;
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function fieldValue(token: string, spec: FieldSpec): number | string {
  const named = spec.names?.indexOf(token.toLowerCase()) ?? -1;
  if (named >= 0) return spec.min + named;
  if (!/^\d+$/.test(token)) return `"${token}" is not a number${spec.names ? " or a name" : ""}`;
  const value = Number(token);
  if (value < spec.min || value > spec.max) return `${value} is outside ${spec.min}-${spec.max}`;
  return value;
}

function fail(message: string): CronParse {
  return failure("invalid_cron", message);
}

/** Whether a calendar day (month 1-12, day 1-31, weekday 0-6) is one the expression runs on. */
export function cronMatchesDay(cron: Cron, month: number, day: number, weekday: number): boolean {
  if (!cron.months.has(month)) return false;
  const dom = cron.daysOfMonth.has(day);
  const dow = cron.daysOfWeek.has(weekday);
  if (cron.domRestricted && cron.dowRestricted) return dom || dow;
  return dom && dow;
}
