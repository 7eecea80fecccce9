/** What the audit observes and reports: outcomes of probes, matrix cells, findings. */

export type Area = 'isolation' | 'lints' | 'latency';
export const AREAS: readonly Area[] = ['isolation', 'lints', 'latency'];

export type Level = 'error' | 'warn' | 'info';

/** What one probe observed. */
export type Outcome =
  | { kind: 'rows'; n: number }
  | { kind: 'visible'; own: number; other: number; foreign: boolean; keyed: boolean }
  | { kind: 'ok' }
  | { kind: 'error'; code: string; message: string; where?: string }
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

/**
 * The category an outcome is recorded as (never a count, so a rotation, a long history or a new
 * year changes nothing): `own`, `own+others`, `others`, `none`, `some` (rows of a table without a
 * known owner), `allowed`, `denied:privilege`, `denied:rls`, `blocked:fk|check|not-null|unique|
 * exclusion|trigger`, `error:<class>` (the SQLSTATE class), `granted` / `not-granted`.
 */
export function formatOutcome(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'rows':
      return outcome.n > 0 ? 'allowed' : 'none';
    case 'visible': {
      if (!outcome.keyed) return outcome.own + outcome.other > 0 ? 'some' : 'none';
      if (outcome.own > 0) return outcome.other > 0 ? 'own+others' : 'own';
      return outcome.other > 0 ? 'others' : 'none';
    }
    case 'ok':
      return 'allowed';
    case 'error':
      return classifyError(outcome.code, outcome.message, outcome.where);
    case 'grant':
      return outcome.granted ? 'granted' : 'not-granted';
  }
}

/** A Postgres error as a category: who refused, and why. */
export function classifyError(code: string, message = '', where?: string): string {
  // A trigger (or a function a default or policy calls) raised it: the schema's own rule.
  const raisedByCode = Boolean(where && /PL\/pgSQL function|SQL function/.test(where)) && !/^23/.test(code);
  if (code === '42501') {
    if (raisedByCode) return 'blocked:trigger';
    return /row-level security/i.test(message) ? 'denied:rls' : 'denied:privilege';
  }
  if (raisedByCode) return 'blocked:trigger';
  switch (code) {
    case '23503':
      return 'blocked:fk';
    case '23502':
      return 'blocked:not-null';
    case '23514':
      return 'blocked:check';
    case '23505':
      return 'blocked:unique';
    case '23P01':
      return 'blocked:exclusion';
    case 'P0001':
      return 'blocked:trigger';
    case '57014':
      return 'error:timeout';
    case '42P01':
    case '42883':
    case '42703':
      return `error:${code}`;
    default:
      return `error:${code.slice(0, 2)}`;
  }
}

const ALLOWED = new Set(['allowed', 'granted', 'own', 'own+others', 'others', 'some']);

/** Whether the outcome lets the actor do (or see) something. */
export function isAllowed(outcome: Outcome | string): boolean {
  const text = typeof outcome === 'string' ? outcome : formatOutcome(outcome);
  return text.split('|').some((t) => ALLOWED.has(t));
}

export function isDenied(outcome: Outcome): boolean {
  return outcome.kind === 'error' && outcome.code === '42501';
}

/** artist_a, artist_b, ... are one actor in the expectations: every artist must be treated alike. */
export function actorClass(actor: string): string {
  return /^artist_[a-h]$/.test(actor) ? 'artist' : actor;
}

export const ARTIST_LETTERS = 'abcdefgh';
