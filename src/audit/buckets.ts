/**
 * Each declared bucket (sql/storage/buckets.json) against its row in storage.buckets: a private
 * bucket switched to public serves every file by URL to anyone; a raised size limit or a widened
 * MIME list lets clients upload what the app never meant to hold.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AuditConfig } from '../config/audit.js';
import { bucketsFileSchema, type Bucket } from '../config/storage.js';
import { sqlDir } from '../paths.js';
import type { Finding } from './model.js';
import type { TxSql } from './session.js';

export function declaredBuckets(file = path.join(sqlDir, 'storage', 'buckets.json')): Bucket[] {
  try {
    return bucketsFileSchema.parse(JSON.parse(readFileSync(file, 'utf8'))).buckets;
  } catch {
    return [];
  }
}

export async function checkBuckets(tx: TxSql, _config: AuditConfig, declared = declaredBuckets()): Promise<Finding[]> {
  const [has] = await tx<{ ok: boolean }[]>`select to_regclass('storage.buckets') is not null as ok`;
  if (!has?.ok || !declared.length) return [];
  const rows = await tx<{ id: string; public: boolean; limit: string | null; mimes: string[] | null }[]>`
    select id, coalesce(public, false) as public, file_size_limit::text as limit, allowed_mime_types as mimes
    from storage.buckets where id = any(${declared.map((b) => b.id)})`;
  const findings: Finding[] = [];
  for (const b of declared) {
    const row = rows.find((r) => r.id === b.id);
    if (!row) continue;
    const object = `storage.buckets[${b.id}]`;
    if (row.public !== b.public) {
      findings.push({
        area: 'isolation',
        id: 'storage.bucket_settings',
        level: b.public ? 'warn' : 'error',
        object,
        operation: 'public',
        expected: `public = ${b.public} (sql/storage/buckets.json)`,
        actual: `public = ${row.public}`,
        message: b.public
          ? `bucket ${b.id} is declared public but is private`
          : `bucket ${b.id} is declared private but is public: anyone with a file's URL downloads it, no policy asked`,
        hint: `update storage.buckets set public = ${b.public} where id = '${b.id}'; (or run dreamdb storage sync), and find the migration that changed it.`,
      });
    }
    const limit = row.limit === null ? null : Number(row.limit);
    if (b.fileSizeLimit !== null && (limit === null || limit > b.fileSizeLimit)) {
      findings.push({
        area: 'isolation',
        id: 'storage.bucket_settings',
        level: 'warn',
        object: `${object}.file_size_limit`,
        operation: 'file_size_limit',
        expected: `<= ${b.fileSizeLimit} bytes`,
        actual: limit === null ? 'no limit' : `${limit} bytes`,
        message: `bucket ${b.id} accepts larger files than declared`,
        hint: 'Run dreamdb storage sync.',
      });
    }
    if (b.allowedMimeTypes !== null) {
      const wider = row.mimes === null ? ['(any)'] : row.mimes.filter((m) => !b.allowedMimeTypes!.includes(m));
      if (wider.length) {
        findings.push({
          area: 'isolation',
          id: 'storage.bucket_settings',
          level: 'warn',
          object: `${object}.allowed_mime_types`,
          operation: 'allowed_mime_types',
          expected: b.allowedMimeTypes.join(', '),
          actual: row.mimes?.join(', ') ?? 'any type',
          message: `bucket ${b.id} accepts MIME types that are not declared (${wider.join(', ')})`,
          hint: 'Run dreamdb storage sync.',
        });
      }
    }
  }
  return findings;
}
