/**
 * What a dreamdb diff manages: pg-delta's Supabase policy (platform schemas, roles, extensions and
 * publications are not the app's), plus what dreamdb's schema keeps in Supabase's schemas: its
 * policies and triggers on storage.objects. Optional narrowing to --schema, and partitions that
 * `partitions rotate` created or retired on one side only.
 */
import { supabasePolicy, type Policy } from '@supabase/pg-delta';

type FilterRule = NonNullable<Policy['filter']>[number];

export interface ScopeOptions {
  /** Only these schemas (facts without a schema, like roles, stay governed by the Supabase rules). */
  schemas?: string[];
  /** Tables in `public` to leave out with everything under them (rotated metrics partitions). */
  ignoreTables?: string[];
}

/** storage.objects is Supabase's table, but the policies and triggers on it are the app's. */
const APP_OBJECTS_IN_STORAGE: FilterRule[] = [
  {
    match: {
      all: [
        { kind: ['policy', 'trigger'] },
        { schema: 'storage' },
        { idField: { field: 'table', glob: ['objects', 'buckets'] } },
      ],
    },
    action: 'include',
  },
];

/** dreamdb's own bookkeeping: `migrate` creates it before any migration, so it is never a difference to write. */
const DREAMDB_LEDGER: FilterRule[] = [
  { match: { all: [{ kind: 'schema' }, { name: 'dreamdb' }] }, action: 'exclude' },
  { match: { all: [{ kind: 'table' }, { schema: 'dreamdb' }, { name: ['migrations', 'base'] }] }, action: 'exclude' },
];

export function diffPolicy(options: ScopeOptions = {}): Policy {
  const filter: FilterRule[] = [...DREAMDB_LEDGER];
  if (options.ignoreTables?.length) {
    filter.push({
      match: { all: [{ kind: 'table' }, { schema: 'public' }, { name: options.ignoreTables }] },
      action: 'exclude',
    });
  }
  if (options.schemas?.length) {
    const keep = options.schemas;
    filter.push(
      { match: { all: [{ schema: '*' }, { not: { schema: keep } }] }, action: 'exclude' },
      { match: { all: [{ target: { schema: '*' } }, { not: { target: { schema: keep } } }] }, action: 'exclude' },
      { match: { all: [{ kind: 'schema' }, { not: { name: keep } }] }, action: 'exclude' },
    );
  }
  filter.push(...APP_OBJECTS_IN_STORAGE);
  return { id: 'dreamdb', filter, extends: [supabasePolicy] };
}
