/**
 * Open-loop schedules: when each request is due, decided before the run and never moved by the
 * latency of earlier requests (wrk2's model, no coordinated omission). Times are epoch
 * milliseconds; pure, unit-tested.
 */

export interface Schedule {
  /** The next request's scheduled start, non-decreasing. */
  next(): number;
}

/**
 * A constant rate: request k is due at start + k / rate. Worker `part` of `parts` takes every
 * parts-th request, so the workers together keep the rate and interleave.
 */
export function rateSchedule(ratePerSecond: number, startMs: number, part = 0, parts = 1): Schedule {
  if (!(ratePerSecond > 0)) throw new Error('rate must be above 0');
  const interval = 1000 / ratePerSecond;
  let k = part;
  return {
    next() {
      const t = startMs + k * interval;
      k += parts;
      return t;
    },
  };
}

/**
 * N users each sending a request every `thinkMs`, each with a fixed phase in [0, thinkMs)
 * (spread evenly, then jittered by `random` so users do not march in step). Users are dealt to
 * workers round-robin (user i to worker i mod parts). The merged sequence repeats the sorted
 * phases every thinkMs: N / think requests a second.
 */
export function usersSchedule(
  users: number,
  thinkMs: number,
  startMs: number,
  random: () => number,
  part = 0,
  parts = 1,
): Schedule {
  if (!(users >= 1) || !(thinkMs > 0)) throw new Error('users must be at least 1 and think above 0');
  const slot = thinkMs / users;
  const phases: number[] = [];
  for (let i = 0; i < users; i += 1) {
    const phase = (i + random()) * slot;
    if (i % parts === part) phases.push(phase);
  }
  phases.sort((a, b) => a - b);
  let i = 0;
  let cycle = 0;
  return {
    next() {
      if (!phases.length) return Infinity;
      const t = startMs + cycle * thinkMs + phases[i]!;
      i += 1;
      if (i === phases.length) {
        i = 0;
        cycle += 1;
      }
      return t;
    },
  };
}

/** Every scheduled time in [startMs, endMs): for tests and for sizing a run. */
export function scheduledIn(schedule: Schedule, endMs: number, cap = 10_000_000): number[] {
  const out: number[] = [];
  for (let t = schedule.next(); t < endMs && out.length < cap; t = schedule.next()) out.push(t);
  return out;
}
