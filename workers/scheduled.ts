/** Cron entry: starts the daily schedules that have come due. */
export async function runSchedules(controller: ScheduledController, env: Env): Promise<void> {
  void controller;
  void env;
}
