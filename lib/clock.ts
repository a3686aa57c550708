// The clock the Durable Objects decide by: the wall clock plus an offset a test can
// shift (vitest-plugin runs tests and Durable Objects in one isolate), so a test moves
// time forward — past a lease, a liveness window, a retention — instead of editing rows.
// Alarms are still set in wall time (`wallTime`): an offset never postpones an alarm, and
// a test that shifts the clock runs the alarm itself. HostGate pacing stays on Date.now().
let offsetMs = 0;

/** Milliseconds since the epoch on the shiftable clock. */
export function now(): number {
  return Date.now() + offsetMs;
}

/** The wall-clock time (for `setAlarm`) of `at` on the shiftable clock. */
export function wallTime(at: number): number {
  return at - offsetMs;
}

/** Shifts the clock by `ms` (tests); answers the function that shifts it back. */
export function shiftClock(ms: number): () => void {
  offsetMs += ms;
  return () => {
    offsetMs -= ms;
  };
}
