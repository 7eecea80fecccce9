/** Pure planning of `dreamdb storage sync`: declared buckets against the current ones. No I/O. */
import type { Bucket } from '../config/storage.js';

export interface BucketState extends Bucket {
  /** Objects in the bucket; null when unknown (the Storage API does not count them). */
  objects: number | null;
  bytes: number | null;
}

export type BucketField = 'public' | 'fileSizeLimit' | 'allowedMimeTypes';

export type BucketChange =
  | { action: 'create'; bucket: Bucket }
  | { action: 'update'; bucket: Bucket; current: BucketState; fields: BucketField[] }
  | { action: 'unchanged'; bucket: Bucket; current: BucketState }
  | { action: 'prune'; current: BucketState }
  | { action: 'undeclared'; current: BucketState }
  | { action: 'blocked'; current: BucketState; reason: string };

export interface BucketPlan {
  changes: BucketChange[];
  /** create + update + prune */
  pending: number;
}

function sameMimeTypes(a: string[] | null, b: string[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
}

/** What sync would do: pure, so it is unit-tested without a database. */
export function planBuckets(
  declared: readonly Bucket[],
  current: readonly BucketState[],
  options: { prune?: boolean } = {},
): BucketPlan {
  const byId = new Map(current.map((b) => [b.id, b]));
  const changes: BucketChange[] = [];
  for (const bucket of declared) {
    const have = byId.get(bucket.id);
    if (!have) {
      changes.push({ action: 'create', bucket });
      continue;
    }
    const fields: BucketField[] = [];
    if (have.public !== bucket.public) fields.push('public');
    if (have.fileSizeLimit !== bucket.fileSizeLimit) fields.push('fileSizeLimit');
    if (!sameMimeTypes(have.allowedMimeTypes, bucket.allowedMimeTypes)) fields.push('allowedMimeTypes');
    changes.push(
      fields.length
        ? { action: 'update', bucket, current: have, fields }
        : { action: 'unchanged', bucket, current: have },
    );
  }
  const declaredIds = new Set(declared.map((b) => b.id));
  for (const have of [...current].sort((x, y) => x.id.localeCompare(y.id))) {
    if (declaredIds.has(have.id)) continue;
    if (!options.prune) changes.push({ action: 'undeclared', current: have });
    else if (have.objects !== null && have.objects > 0) {
      changes.push({
        action: 'blocked',
        current: have,
        reason: `holds ${have.objects} object${have.objects === 1 ? '' : 's'}`,
      });
    } else changes.push({ action: 'prune', current: have });
  }
  return {
    changes,
    pending: changes.filter((c) => c.action === 'create' || c.action === 'update' || c.action === 'prune').length,
  };
}

// Declarations ----------------------------------------------------------------------------------
