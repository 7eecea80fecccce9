/** What the audit observes and reports: outcomes of probes, matrix cells, findings. */

export type Area = 'isolation' | 'lints' | 'latency';
export const AREAS: readonly Area[] = ['isolation', 'lints', 'latency'];

export type Level = 'error' | 'warn' | 'info';

/** What one probe observed. */
export type Outcome =
  | { kind: 'rows'; n: number }
  | { kind: 'visible'; own: number; other: number; foreign: boolean; keyed: boolean }
  | { kind: 'ok' }
  | { kind: 'error'; code: string; message: string }
  | { kind: 'grant'; granted: boolean };

/** One cell of the matrix: relation (or function) × actor × operation. */
export interface Cell {
  relation: string;
  actor: string;
  op: string;
  outcome: Outcome;
  /** The relation probed, when `relation` is a collapsed name (a partition, a bucket). */
  target?: string;
}

export interface Finding {
  area: Area;
  /** A stable id: `isolation.cross_tenant_read`, a lint id, `latency.budget`. */
  id: string;
  level: Level;
  /** The object it names: a relation, `relation.column`, a function signature, a query name. */
  object: string;
  actor?: string;
  operation?: string;
  expected?: string;
  actual?: string;
  message: string;
  /** How to fix it. */
  hint: string;
  /** Extra lines (an EXPLAIN plan). */
  details?: string[];
  suppressed?: string;
}

/** `denied` for a privilege or policy refusal, else the SQLSTATE. */
export function formatOutcome(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'rows':
      return `rows=${outcome.n}`;
    case 'visible':
      return outcome.keyed ? `own=${outcome.own} other=${outcome.other}` : `rows=${outcome.own + outcome.other}`;
    case 'ok':
      return 'ok';
    case 'error':
      return outcome.code === '42501' ? 'denied' : `error:${outcome.code}`;
    case 'grant':
      return outcome.granted ? 'granted' : 'not-granted';
  }
}

/** Whether the outcome lets the actor do (or see) something. */
export function isAllowed(outcome: Outcome | string): boolean {
  const text = typeof outcome === 'string' ? outcome : formatOutcome(outcome);
  if (text === 'ok' || text === 'granted') return true;
  const numbers = [...text.matchAll(/=(\d+)/g)].map((m) => Number(m[1]));
  return numbers.some((n) => n > 0);
}

export function isDenied(outcome: Outcome): boolean {
  return outcome.kind === 'error' && outcome.code === '42501';
}

export const ARTIST_LETTERS = 'abcdefgh';
