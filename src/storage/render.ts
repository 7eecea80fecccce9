/** Human output of the storage commands (--json prints the result objects as they are). */
import type { Bucket } from '../config/storage.js';
import type { BucketChange, BucketField } from '../plan/storage.js';
import { style } from '../ui/output.js';
import type { ListResult, SyncResult } from './model.js';

export function formatBytes(n: number | null): string {
  if (n === null) return 'no limit';
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const)
    if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  for (const [unit, size] of [
    ['GB', 1e9],
    ['MB', 1e6],
    ['kB', 1e3],
  ] as const)
    if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  return `${n.toLocaleString('en-US')} B`;
}

function describe(b: Bucket): string {
  return `${b.public ? 'public ' : 'private'}  ${formatBytes(b.fileSizeLimit).padEnd(8)}  ${b.allowedMimeTypes?.join(', ') ?? 'any type'}`;
}

const FIELD_LABEL: Record<BucketField, string> = {
  public: 'public',
  fileSizeLimit: 'file size limit',
  allowedMimeTypes: 'allowed types',
};

function fieldValue(b: Bucket, f: BucketField): string {
  return f === 'public'
    ? String(b.public)
    : f === 'fileSizeLimit'
      ? formatBytes(b.fileSizeLimit)
      : (b.allowedMimeTypes?.join(', ') ?? 'any');
}

export function renderChanges(changes: BucketChange[]): string[] {
  return changes.map((c) => {
    switch (c.action) {
      case 'create':
        return `  ${style.green('+ create   ')} ${c.bucket.id.padEnd(16)} ${describe(c.bucket)}`;
      case 'update':
        return `  ${style.yellow('~ update   ')} ${c.bucket.id.padEnd(16)} ${c.fields.map((f) => `${FIELD_LABEL[f]}: ${fieldValue(c.current, f)} → ${fieldValue(c.bucket, f)}`).join('; ')}`;
      case 'unchanged':
        return `  ${style.dim('= unchanged')} ${c.bucket.id.padEnd(16)} ${style.dim(describe(c.bucket))}`;
      case 'prune':
        return `  ${style.red('- delete   ')} ${c.current.id.padEnd(16)} not declared${c.current.objects === 0 ? ', empty' : ''}`;
      case 'undeclared':
        return `  ${style.yellow('? undeclared')} ${c.current.id.padEnd(15)} kept (--prune deletes buckets that are not declared)`;
      case 'blocked':
        return `  ${style.red('! blocked  ')} ${c.current.id.padEnd(16)} not declared, but ${c.reason}: not deleted`;
    }
  });
}

export function renderSync(r: SyncResult): string[] {
  const pending = r.changes.filter(
    (c) => c.action === 'create' || c.action === 'update' || c.action === 'prune',
  ).length;
  const head = r.dryRun
    ? `Plan for ${r.target} (via ${r.via}, declared in ${r.source}):`
    : r.applied
      ? `Synced buckets on ${r.target} (via ${r.via}, declared in ${r.source}):`
      : `Buckets on ${r.target} match ${r.source}:`;
  const lines = [head, ...renderChanges(r.changes)];
  if (r.dryRun) lines.push(pending ? `${pending} change(s); run without --dry-run to apply.` : 'Nothing to change.');
  return lines;
}

export function renderList(r: ListResult): string[] {
  const lines = [`Buckets on ${r.target} (via ${r.via}):`];
  if (!r.buckets.length) lines.push(style.dim('  none'));
  for (const b of r.buckets) {
    const count =
      b.objects === null
        ? 'objects: unknown via the API'
        : `${b.objects.toLocaleString('en-US')} object${b.objects === 1 ? '' : 's'}, ${formatBytes(b.bytes ?? 0).replace('no limit', '0 B')}`;
    lines.push(
      `  ${b.id.padEnd(16)} ${describe(b)}  ${style.dim(count)}${b.declared ? '' : style.yellow('  (not declared)')}`,
    );
  }
  if (r.policies)
    lines.push(style.dim(`Policies on storage.objects: ${r.policies.length ? r.policies.join(', ') : 'none'}`));
  return lines;
}
