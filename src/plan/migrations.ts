/** Pure planning of a migrate run: files on disk against the ledger. No I/O. */

export interface MigrationFile {
  version: string;
  name: string;
  /** Path relative to the project, for messages. */
  path: string;
  text: string;
  checksum: string;
  noTransaction: boolean;
}

export interface LedgerRow {
  version: string;
  name: string;
  checksum: string;
  appliedAt: Date | null;
  /** For `-- dreamdb:no-transaction` files: statements done so far; null once finished. */
  statementsDone: number | null;
}

/** A row of the Supabase CLI's ledger, supabase_migrations.schema_migrations (no checksum, no time). */
export interface SupabaseLedgerRow {
  version: string;
  name: string | null;
}

export interface PlanOptions {
  to?: string;
  /** The Supabase CLI's ledger; undefined when it is not read (then the ledgers are not compared). */
  supabase?: readonly SupabaseLedgerRow[];
}

export interface MigrationPlan {
  /** Applied files: in dreamdb's ledger, or only in the Supabase CLI's (see adopted). */
  applied: MigrationFile[];
  /**
   * Applied per the Supabase CLI's ledger only (`supabase db push` ran them): they count as
   * applied and the next migrate records them in dreamdb's ledger with the file's checksum.
   */
  adopted: MigrationFile[];
  /** Finished in dreamdb's ledger but absent from the Supabase CLI's: `supabase db push` would re-run them. */
  missingFromSupabase: { file: MigrationFile; recorded: LedgerRow }[];
  /** Versions in the Supabase CLI's ledger with no file (and not in dreamdb's). */
  unknownSupabase: SupabaseLedgerRow[];
  /** Files to apply now, in order (after --to is applied). */
  pending: MigrationFile[];
  /** Pending files left out by --to. */
  deferred: MigrationFile[];
  /** Applied files whose checksum differs from the ledger's. */
  changed: { file: MigrationFile; recorded: LedgerRow }[];
  /** Versions in the ledger with no file. */
  unknown: LedgerRow[];
  /** No-transaction files started but not finished (resumed by the next run). */
  partial: { file: MigrationFile; recorded: LedgerRow }[];
  /** Pending files older than the newest applied one (applied out of order). */
  outOfOrder: MigrationFile[];
}

export function planMigrations(files: readonly MigrationFile[], ledger: readonly LedgerRow[], options: PlanOptions = {}): MigrationPlan {
  const byVersion = new Map(ledger.map((row) => [row.version, row]));
  const supabase = new Set((options.supabase ?? []).map((row) => row.version));
  const fileVersions = new Set(files.map((f) => f.version));
  const plan: MigrationPlan = {
    applied: [], adopted: [], missingFromSupabase: [], unknownSupabase: [],
    pending: [], deferred: [], changed: [], unknown: [], partial: [], outOfOrder: [],
  };
  const newestFinished = [...ledger.filter((r) => r.statementsDone === null).map((r) => r.version), ...supabase].sort(compareVersions).at(-1);
  for (const file of [...files].sort((a, b) => compareVersions(a.version, b.version))) {
    const recorded = byVersion.get(file.version);
    if (!recorded && supabase.has(file.version)) {
      plan.applied.push(file);
      plan.adopted.push(file);
      continue;
    }
    if (!recorded) {
      if (options.to !== undefined && compareVersions(file.version, options.to) > 0) plan.deferred.push(file);
      else plan.pending.push(file);
      if (newestFinished !== undefined && compareVersions(file.version, newestFinished) < 0) plan.outOfOrder.push(file);
      continue;
    }
    if (recorded.checksum !== file.checksum) {
      plan.changed.push({ file, recorded });
      continue;
    }
    if (recorded.statementsDone !== null) {
      plan.partial.push({ file, recorded });
      if (options.to !== undefined && compareVersions(file.version, options.to) > 0) plan.deferred.push(file);
      else plan.pending.push(file);
      continue;
    }
    plan.applied.push(file);
    if (options.supabase && !supabase.has(file.version)) plan.missingFromSupabase.push({ file, recorded });
  }
  plan.unknown = ledger.filter((row) => !fileVersions.has(row.version)).sort((a, b) => compareVersions(a.version, b.version));
  plan.unknownSupabase = (options.supabase ?? [])
    .filter((row) => !fileVersions.has(row.version) && !byVersion.has(row.version))
    .sort((a, b) => compareVersions(a.version, b.version));
  return plan;
}

/** Versions are digit strings; compare numerically without losing precision. */
export function compareVersions(a: string, b: string): number {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}
