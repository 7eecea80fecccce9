import { describe, expect, it } from 'vitest';
import { planBuckets, type BucketRow } from '../../src/diff/buckets.js';
import { rotatedPartitions } from '../../src/diff/engine.js';

const bucket = (id: string, extra: Partial<BucketRow> = {}): BucketRow => ({
  id,
  name: id,
  public: false,
  file_size_limit: null,
  allowed_mime_types: null,
  ...extra,
});

describe('planBuckets', () => {
  it('inserts, updates only what changed, and deletes as a destructive statement', () => {
    const out = planBuckets(
      [bucket('avatars', { public: true }), bucket('old')],
      [
        bucket('avatars', { public: true, file_size_limit: '5242880' }),
        bucket("o'brien", { allowed_mime_types: ['image/png'] }),
      ],
    );
    expect(out.map((s) => s.sql)).toEqual([
      "UPDATE storage.buckets SET file_size_limit = '5242880' WHERE id = 'avatars';",
      "INSERT INTO storage.buckets (id, name, public, file_size_limit, allowed_mime_types) VALUES ('o''brien', 'o''brien', false, NULL, ARRAY['image/png']);",
      "DELETE FROM storage.buckets WHERE id = 'old';",
    ]);
    expect(out.map((s) => s.destructive)).toEqual([false, false, true]);
  });

  it('plans nothing when either side has no storage schema', () => {
    expect(planBuckets(undefined, [bucket('a')])).toEqual([]);
  });
});

describe('rotatedPartitions', () => {
  it('is the yearly partitions attached on one side only', () => {
    const a = new Map([
      ['metrics_y2025', true],
      ['metrics_y2026', true],
      ['metrics_y2020', false],
    ]);
    const b = new Map([
      ['metrics_y2026', true],
      ['metrics_y2027', true],
      ['metrics_y2020', true],
    ]);
    expect(rotatedPartitions(a, b)).toEqual(['metrics_y2020', 'metrics_y2025', 'metrics_y2027']);
  });
});
