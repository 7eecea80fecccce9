/**
 * `storage sync` and `storage list`: plan (src/plan/storage.ts) against what the backend has,
 * let the caller confirm, apply. Undeclared buckets are only removed with prune, and only empty.
 */
import type { Context } from '../context.js';
import { CancelledError, DreamdbError } from '../errors.js';
import { planBuckets, type BucketChange, type BucketPlan, type BucketState } from '../plan/storage.js';
import { withStorage, type StorageBackend, type StorageOptions } from './backends.js';
import { loadDeclaredBuckets } from './declarations.js';
import type { ListResult, SyncOptions, SyncResult } from './model.js';
import { renderChanges } from './render.js';

export async function storageSync(ctx: Context, options: SyncOptions = {}): Promise<SyncResult> {
  const declared = await loadDeclaredBuckets(ctx);
  return withStorage(ctx, options, async (backend) => {
    const plan = planBuckets(declared.buckets, await backend.list(), { prune: options.prune });
    const result: SyncResult = {
      via: backend.via,
      target: backend.where,
      source: declared.source,
      dryRun: Boolean(options.dryRun),
      applied: false,
      changes: plan.changes,
    };
    if (options.dryRun || plan.pending === 0) return result;
    const blocked = plan.changes.filter(
      (c): c is Extract<BucketChange, { action: 'blocked' }> => c.action === 'blocked',
    );
    if (blocked.length) {
      throw new DreamdbError(
        `Cannot prune ${blocked.map((b) => `${b.current.id} (${b.reason})`).join(', ')}; nothing was changed.`,
        {
          hint: 'Empty the bucket first (Storage API or dashboard: deleting rows in SQL would orphan the files), or run without --prune.',
        },
      );
    }
    await confirmSync(ctx, backend, plan);
    await backend.apply(plan.changes);
    return { ...result, applied: true };
  });
}

/** Production asks for the database's (or project's) name; a prune asks yes/no; --yes skips both. */
async function confirmSync(ctx: Context, backend: StorageBackend, plan: BucketPlan): Promise<void> {
  if (ctx.flags.yes) return;
  const prunes = plan.changes
    .filter((c) => c.action === 'prune')
    .map((c) => (c as { current: BucketState }).current.id);
  if (backend.production) {
    ctx.out.info(renderChanges(plan.changes).join('\n'));
    const expected =
      backend.via === 'api'
        ? new URL(backend.where).hostname.split('.')[0]!
        : new URL(backend.where.replace(/ \(embedded\)$/, '')).pathname.replace(/^\//, '') || 'postgres';
    if (!(await ctx.out.confirmTyped(`Change ${plan.pending} bucket(s) on PRODUCTION (${backend.where}).`, expected)))
      throw new CancelledError('Not confirmed; nothing was changed.');
    return;
  }
  if (!prunes.length) return;
  const message = `Delete the undeclared bucket${prunes.length > 1 ? 's' : ''} ${prunes.join(', ')} (${backend.where})?`;
  ctx.out.info(renderChanges(plan.changes).join('\n'));
  await ctx.out.confirmOrCancel(message, {
    hint: 'Pass --yes to prune non-interactively.',
    declined: 'Not confirmed; nothing was changed.',
  });
}

export async function storageList(ctx: Context, options: StorageOptions = {}): Promise<ListResult> {
  let declaredIds = new Set<string>();
  try {
    declaredIds = new Set((await loadDeclaredBuckets(ctx)).buckets.map((b) => b.id));
  } catch {
    // Listing works without declarations; the column just says nothing is declared.
  }
  return withStorage(ctx, options, async (backend) => {
    const buckets = (await backend.list()).map((b) => ({ ...b, declared: declaredIds.has(b.id) }));
    return { via: backend.via, target: backend.where, buckets, policies: await backend.policies() };
  });
}
