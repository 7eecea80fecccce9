/**
 * `dreamdb status --drift`: the live target against exactly the migrations it has applied,
 * replayed in a shadow. Whatever differs was changed by hand. Partitions `partitions rotate`
 * created or retired are not drift, nor anything under them.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { migrateSettings, resolveTarget, type Context } from '../context.js';
import { withDb } from '../db/connect.js';
import { redactUrl } from '../db/redact.js';
import { readLedger } from '../migrate/engine.js';
import { readSupabaseLedger } from '../migrate/ledgers.js';
import { loadMigrationFiles } from '../migrate/files.js';
import { diffDatabases, type SchemaDiff } from './engine.js';
import { withEmbedded, withShadow } from './shadow.js';

export interface DriftResult {
  target: string;
  /** The versions replayed in the shadow: the ones the target's ledger lists and the files have. */
  replayed: string[];
  /** Applied versions with no file: they cannot be replayed, so what they did shows as drift. */
  missingFiles: string[];
  drifted: boolean;
  diff: SchemaDiff;
}

export async function checkDrift(ctx: Context): Promise<DriftResult> {
  const resolved = resolveTarget(ctx);
  // Never a scratch database on production's server: its shadow stays on the embedded one.
  if (resolved.url) return driftOf(ctx, resolved.url, redactUrl(resolved.url), !resolved.production);
  return withEmbedded(ctx, (lease) => driftOf(ctx, lease.url, `${lease.url} (embedded)`, false));
}

async function driftOf(ctx: Context, url: string, display: string, coLocate: boolean): Promise<DriftResult> {
  // Either ledger: a project migrated by `supabase db push` has only the Supabase CLI's.
  const applied = await withDb(url, async (sql) => {
    const ours = (await readLedger(sql)).filter((r) => r.appliedAt !== null).map((r) => r.version);
    const theirs = (await readSupabaseLedger(sql)).map((r) => r.version);
    return [...new Set([...ours, ...theirs])].sort();
  });
  const settings = migrateSettings(ctx);
  const { files } = await loadMigrationFiles(path.resolve(ctx.cwd, settings.dir), ctx.cwd);
  const replay = files.filter((f) => applied.includes(f.version));
  const known = new Set(replay.map((f) => f.version));
  // Only what the target applied, even when files newer or older than it are pending there.
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-drift-'));
  try {
    for (const f of replay) await fs.copyFile(path.resolve(ctx.cwd, f.path), path.join(dir, path.basename(f.path)));
    const shadowCtx: Context = {
      ...ctx,
      config: {
        ...ctx.config,
        migrations: {
          lockTimeout: settings.lockTimeoutMs,
          lockRetries: settings.lockRetries,
          waitTimeout: settings.waitMs,
          dir,
        },
      },
    };
    const diff = await withShadow(
      shadowCtx,
      { onProgress: (m) => ctx.out.info(m), ...(coLocate ? { near: url } : {}) },
      (shadowUrl) => diffDatabases(shadowUrl, url, { ignoreRotatedPartitions: true }),
    );
    return {
      target: display,
      replayed: [...known],
      missingFiles: applied.filter((v) => !known.has(v)),
      drifted: diff.statements.length > 0,
      diff,
    };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
