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
  /**
   * Unfinished no-transaction files edited only after the statements already done (the fix of
   * the statement that failed): partial, to resume, instead of changed. The engine finds them.
   */
  resumable?: ReadonlySet<string>;
  /** The Supabase CLI's ledger; undefined when it is not read (then the ledgers are not compared). */
  supabase?: readonly SupabaseLedgerRow[];
}

/** The plan is a value: the engine derives what it needs from it and never changes it. */
export interface MigrationPlan {
  /** Applied files: in dreamdb's ledger, or only in the Supabase CLI's (see adopted). */
  readonly applied: readonly MigrationFile[];
  /**
   * Applied per the Supabase CLI's ledger only (`supabase db push` ran them): they count as
   * applied and the next migrate records them in dreamdb's ledger with the file's checksum.
   */
  readonly adopted: readonly MigrationFile[];
  /** Finished in dreamdb's ledger but absent from the Supabase CLI's: `supabase db push` would re-run them. */
  readonly missingFromSupabase: readonly { file: MigrationFile; recorded: LedgerRow }[];
  /** Versions in the Supabase CLI's ledger with no file (and not in dreamdb's). */
  readonly unknownSupabase: readonly SupabaseLedgerRow[];
  /** Files to apply now, in order (after --to is applied). */
  readonly pending: readonly MigrationFile[];
  /** Pending files left out by --to. */
  readonly deferred: readonly MigrationFile[];
  /** Applied files whose checksum differs from the ledger's. */
  readonly changed: readonly { file: MigrationFile; recorded: LedgerRow }[];
  /** Versions in the ledger with no file. */
  readonly unknown: readonly LedgerRow[];
  /** No-transaction files started but not finished (resumed by the next run). */
  readonly partial: readonly { file: MigrationFile; recorded: LedgerRow }[];
  /** Pending files older than the newest applied one (applied out of order). */
  readonly outOfOrder: readonly MigrationFile[];
}

export function planMigrations(
  files: readonly MigrationFile[],
  ledger: readonly LedgerRow[],
  options: PlanOptions = {},
): MigrationPlan {
  const byVersion = new Map(ledger.map((row) => [row.version, row]));
  const supabase = new Set((options.supabase ?? []).map((row) => row.version));
  const fileVersions = new Set(files.map((f) => f.version));
  const plan: { -readonly [K in keyof MigrationPlan]: MigrationPlan[K] extends readonly (infer T)[] ? T[] : never } = {
    applied: [],
    adopted: [],
    missingFromSupabase: [],
    unknownSupabase: [],
    pending: [],
    deferred: [],
    changed: [],
    unknown: [],
    partial: [],
    outOfOrder: [],
  };
  const newestFinished = [...ledger.filter((r) => r.statementsDone === null).map((r) => r.version), ...supabase]
    .sort(compareVersions)
    .at(-1);
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
    if (
      recorded.checksum !== file.checksum &&
      !(recorded.statementsDone !== null && options.resumable?.has(file.version))
    ) {
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
  plan.unknown = ledger
    .filter((row) => !fileVersions.has(row.version))
    .sort((a, b) => compareVersions(a.version, b.version));
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
