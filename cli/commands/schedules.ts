// `trawl schedules ...`: list, show, pause, resume, stop, and a schedule's runs.
import type { z } from "zod";
import type * as Schemas from "../../api/openapi-schemas";
import type { TrawlApi } from "../api-client";
import { ExitCode } from "../exit-codes";
import { writeOut } from "../output";

type Schedule = z.infer<typeof Schemas.ScheduleView>;
type SchedulesPage = z.infer<typeof Schemas.SchedulesPage>;
type RunsPage = z.infer<typeof Schemas.ScheduleRunsPage>;

export interface PagedFlags {
  json?: boolean;
  all?: boolean;
}

function scheduleLine(s: Schedule): string {
  const state = !s.active ? "stopped" : s.paused ? "paused" : "active";
  return [s.id, state, s.daily ?? s.cron, s.timeZone, s.nextRunAt, s.window ?? "-", s.lastBatch ?? "-"].join("\t");
}

export async function schedulesListCommand(api: TrawlApi, flags: PagedFlags): Promise<ExitCode> {
  let cursor: string | null = null;
  let first = true;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const page: SchedulesPage = await api.json<SchedulesPage>(`/v1/schedules?limit=100${query}`);
    if (first && !flags.json) process.stdout.write("id\tstate\twhen\ttimeZone\tnextRunAt\twindow\tlastBatch\n");
    first = false;
    for (const s of page.schedules) await writeOut(flags.json ? `${JSON.stringify(s)}\n` : `${scheduleLine(s)}\n`);
    cursor = flags.all ? page.nextCursor : null;
    if (!flags.all && page.nextCursor) process.stderr.write("more schedules: trawl schedules list --all\n");
  } while (cursor);
  return ExitCode.ok;
}

/** show / pause / resume / stop: one schedule, as JSON or one line. */
export async function scheduleActionCommand(
  api: TrawlApi,
  id: string,
  action: "show" | "pause" | "resume" | "stop",
  flags: { json?: boolean },
): Promise<ExitCode> {
  const path = `/v1/schedules/${id}`;
  const init: RequestInit = action === "show" ? {} : action === "stop" ? { method: "DELETE" } : { method: "POST" };
  const schedule = await api.json<Schedule>(
    action === "pause" || action === "resume" ? `${path}/${action}` : path,
    init,
  );
  process.stdout.write(flags.json ? `${JSON.stringify(schedule)}\n` : `${scheduleLine(schedule)}\n`);
  return ExitCode.ok;
}

export async function scheduleRunsCommand(api: TrawlApi, id: string, flags: PagedFlags): Promise<ExitCode> {
  let cursor: string | null = null;
  let first = true;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const page: RunsPage = await api.json<RunsPage>(`/v1/schedules/${id}/runs?limit=100${query}`);
    if (first && !flags.json) {
      process.stdout.write("scheduledAt\tstatus\tbatch\tduration_s\tlate\tsucceeded\tfailed\tnew\tchanged\tremoved\n");
    }
    first = false;
    for (const run of page.runs) {
      const line = [
        run.scheduledAt,
        run.status,
        run.batchId ?? "-",
        run.durationSeconds ?? "-",
        run.late === null ? "-" : run.late,
        run.counts.succeeded,
        run.counts.failed,
        run.changes?.new ?? "-",
        run.changes?.changed ?? "-",
        run.changes?.removed ?? "-",
      ].join("\t");
      await writeOut(flags.json ? `${JSON.stringify(run)}\n` : `${line}\n`);
    }
    cursor = flags.all ? page.nextCursor : null;
  } while (cursor);
  return ExitCode.ok;
}
