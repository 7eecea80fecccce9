/** How migrate runs: where the files are, and how long it waits for locks (config migrations.*). */
export interface MigrateSettings {
  dir: string;
  /** lock_timeout for DDL, in ms: a migration never queues behind a long transaction. */
  lockTimeoutMs: number;
  /** Attempts per file (or statement) when a lock is not granted in time. */
  lockRetries: number;
  /** How long to wait for another migrate run, in ms. */
  waitMs: number;
  /**
   * The base's Data API default: false (Supabase since 2026-10-30: new public objects are not
   * granted to the API roles) unless true ([api] auto_expose_new_tables, the older broad grants).
   */
  autoExposeNewTables?: boolean;
}

export const defaultMigrateSettings: MigrateSettings = {
  dir: 'sql/migrations',
  lockTimeoutMs: 2_000,
  lockRetries: 5,
  waitMs: 60_000,
};
