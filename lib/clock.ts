// The clock schedules are placed by: the wall clock, unless a test shifts it to create
// a schedule "a minute ago" rather than sleep until the next minute's occurrence. Kept
// to the calls that place an occurrence (create, resume); the cron passes its own
// scheduledTime, and pacing, leases and alarms stay on the wall clock.
let offsetMs = 0;

/** Milliseconds since the epoch on the schedules' clock. */
export function scheduleNow(): number {
  return Date.now() + offsetMs;
}

/** Shifts the schedules' clock by `ms` (tests); answers the function that shifts it back. */
export function shiftScheduleClock(ms: number): () => void {
  offsetMs += ms;
  return () => {
    offsetMs -= ms;
  };
}
