/**
 * CPU time from /proc (Linux): of the database server when it runs on this machine, and of
 * child processes this process has waited for (pgbench). Null where it cannot be read.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: 100 on every Linux the bench targets (sysconf(_SC_CLK_TCK)). */
const TICKS_PER_SECOND = 100;

function statFields(pid: number | 'self'): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** utime + stime of a local postgres process (ms), or null (not local, gone, not postgres). */
export function backendCpuMs(pid: number): number | null {
  try {
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') return null;
  } catch {
    return null;
  }
  const f = statFields(pid);
  return f ? ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SECOND : null;
}

/** The postmaster of a local backend (its parent), or null. */
export function postmasterOf(backendPid: number): number | null {
  if (backendCpuMs(backendPid) === null) return null;
  const f = statFields(backendPid);
  return f ? Number(f[1]) : null;
}

/**
 * All CPU the server has used (ms): the postmaster's own and its reaped children's, plus every
 * live child's. The difference over a run counts backends that exited during it too.
 */
export function serverCpuMs(postmasterPid: number): number | null {
  const pm = statFields(postmasterPid);
  if (!pm) return null;
  let sum = ((Number(pm[11]) + Number(pm[12]) + Number(pm[13]) + Number(pm[14])) * 1000) / TICKS_PER_SECOND;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(Number(entry));
    if (f && Number(f[1]) === postmasterPid) sum += ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SECOND;
  }
  return sum;
}

/** CPU of this process's waited-for children (cutime + cstime, ms). */
export function childrenCpuMs(): number | null {
  const f = statFields('self');
  return f ? ((Number(f[13]) + Number(f[14])) * 1000) / TICKS_PER_SECOND : null;
}

/** This process's own CPU (all threads), ms. */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
