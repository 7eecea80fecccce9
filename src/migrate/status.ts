/** `dreamdb status` and `dreamdb migration list`: files beside what the target has applied. */
import { migrateSettings, withTarget, type Context } from '../context.js';
import { withDb } from '../db/connect.js';
import type { LintReport } from '../lint/model.js';
import { lintPending } from '../lint/run.js';
import type { MigrationPlan } from '../plan/migrations.js';
import { inspect } from './engine.js';
import { ledgerWarnings } from './ledgers.js';

export interface StatusEntry {
  version: string;
  name: string;
  state: 'applied' | 'pending' | 'changed' | 'unknown' | 'partial';
  appliedAt: string | null;
  path: string | null;
  /** Where the state comes from when the ledgers disagree, or why a pending file waits. */
  note?: 'supabase-ledger-only' | 'dreamdb-ledger-only' | 'out-of-order';
}

export interface StatusResult {
  target: string;
  entries: StatusEntry[];
  counts: Record<StatusEntry['state'], number>;
  /** True when anything is pending or changed, or the ledgers disagree: the CI gate (exit 3). */
  needsAttention: boolean;
  /** Disagreements between dreamdb's ledger and the Supabase CLI's, each with what to do. */
  warnings: string[];
  /** The lint of the pending files (null when nothing is pending). */
  lint: LintReport | null;
}

export async function readMigrationStatus(ctx: Context): Promise<StatusResult> {
  const settings = migrateSettings(ctx);
  return withTarget(ctx, (target) =>
    withDb(target.url, async (sql) => {
      const { plan, ledger } = await inspect(sql, settings, { cwd: ctx.cwd });
      const appliedAt = new Map(ledger.map((r) => [r.version, r.appliedAt?.toISOString() ?? null]));
      const lint = plan.pending.length ? await lintPending(sql, plan.pending) : null;
      return {
        target: target.display,
        ...summarise(plan, appliedAt),
        warnings: ledgerWarnings(plan, settings.dir),
        lint,
      };
    }),
  );
}

function summarise(
  plan: MigrationPlan,
  appliedAt: Map<string, string | null>,
): Omit<StatusResult, 'target' | 'warnings' | 'lint'> {
  const partial = new Set(plan.partial.map((p) => p.file.version));
  const adopted = new Set(plan.adopted.map((f) => f.version));
  const dreamdbOnly = new Set(plan.missingFromSupabase.map((m) => m.file.version));
  const late = new Set(plan.outOfOrder.map((f) => f.version));
  const note = (version: string): Pick<StatusEntry, 'note'> =>
    adopted.has(version)
      ? { note: 'supabase-ledger-only' }
      : dreamdbOnly.has(version)
        ? { note: 'dreamdb-ledger-only' }
        : late.has(version)
          ? { note: 'out-of-order' }
          : {};
  const entries: StatusEntry[] = [
    ...plan.applied.map((f) => ({
      version: f.version,
      name: f.name,
      state: 'applied' as const,
      appliedAt: appliedAt.get(f.version) ?? null,
      path: f.path,
      ...note(f.version),
    })),
    ...[...plan.pending, ...plan.deferred].map((f) => ({
      version: f.version,
      name: f.name,
      state: partial.has(f.version) ? ('partial' as const) : ('pending' as const),
      appliedAt: null,
      path: f.path,
      ...note(f.version),
    })),
    ...plan.changed.map((c) => ({
      version: c.file.version,
      name: c.file.name,
      state: 'changed' as const,
      appliedAt: appliedAt.get(c.file.version) ?? null,
      path: c.file.path,
    })),
    ...plan.unknown.map((r) => ({
      version: r.version,
      name: r.name,
      state: 'unknown' as const,
      appliedAt: r.appliedAt?.toISOString() ?? null,
      path: null,
    })),
    ...plan.unknownSupabase.map((r) => ({
      version: r.version,
      name: r.name ?? '',
      state: 'unknown' as const,
      appliedAt: null,
      path: null,
      note: 'supabase-ledger-only' as const,
    })),
  ].sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
  const counts = { applied: 0, pending: 0, changed: 0, unknown: 0, partial: 0 };
  for (const e of entries) counts[e.state] += 1;
  return {
    entries,
    counts,
    needsAttention: counts.pending + counts.changed + counts.partial + plan.missingFromSupabase.length > 0,
  };
}
