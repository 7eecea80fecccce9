/**
 * The schema difference between two live databases, as the SQL that turns `from` into `to`.
 *
 * pg-delta (what `supabase db diff` runs) reads both catalogs into facts and plans ordered DDL:
 * tables, columns, constraints, indexes, RLS, policies, grants down to columns, functions,
 * triggers, views, publication membership. dreamdb adds what is data rather than schema (the
 * storage bucket rows) and the scope: Supabase's platform objects are not the app's, the
 * app's policies on storage.objects are, and partitions `partitions rotate` made are not drift.
 */
import { encodeId, extract, plan, renderPlanFiles, type Plan } from '@supabase/pg-delta';
import pg from 'pg';
import { connectionError, withDb, type Sql } from '../db/connect.js';
import { revokeUnwantedDefaults } from './default-privileges.js';
import { planBuckets, readBuckets, type BucketRow } from './buckets.js';
import { diffPolicy } from './policy.js';
import { majorOf, withoutMaintain } from './versions.js';
import type { DiffStatement } from './statement.js';

export type { DiffStatement } from './statement.js';

export interface SchemaDiff {
  statements: DiffStatement[];
  /** The statements as one migration body (empty when there is no difference). */
  sql: string;
  /** False when a statement cannot run in a transaction (the file needs `-- dreamdb:no-transaction`). */
  transactional: boolean;
  /** Tables left out because `partitions rotate` created or retired them on one side only. */
  ignoredPartitions: string[];
  /** Objects pg-delta found but does not model (casts, operators, ...): reported, not diffed. */
  unmodeled: string[];
}

export interface DiffOptions {
  schemas?: string[];
  /** Leave out metrics partitions present on one side only (drift checks). */
  ignoreRotatedPartitions?: boolean;
}

const ROTATED = /^metrics_y\d{4}$/;

export async function diffDatabases(fromUrl: string, toUrl: string, options: DiffOptions = {}): Promise<SchemaDiff> {
  return withDb(fromUrl, (fromSql) => withDb(toUrl, (toSql) => diffConnected(fromSql, toSql, fromUrl, toUrl, options)));
}

async function diffConnected(
  fromSql: Sql,
  toSql: Sql,
  fromUrl: string,
  toUrl: string,
  options: DiffOptions,
): Promise<SchemaDiff> {
  const [from, to] = await Promise.all([readSide(fromSql), readSide(toSql)]);
  const ignoredPartitions = options.ignoreRotatedPartitions ? rotatedPartitions(from.partitions, to.partitions) : [];
  const { thePlan, unmodeled } = await withPools(fromUrl, toUrl, async (fromPool, toPool) => {
    const [source, desired] = await Promise.all([extract(fromPool), extract(toPool)]);
    const policy = diffPolicy({ schemas: options.schemas, ignoreTables: ignoredPartitions });
    const mixed = Math.min(majorOf(source.pgVersion), majorOf(desired.pgVersion)) < 17;
    const [a, b] = mixed
      ? [withoutMaintain(source.factBase), withoutMaintain(desired.factBase)]
      : [source.factBase, desired.factBase];
    return {
      // Database scope: roles are the cluster's (the shadow's server is not the target's).
      thePlan: plan(a, b, { policy, renames: 'off', scope: 'database', defaultOwner: 'postgres' }),
      unmodeled: [
        ...new Set(
          [...source.diagnostics, ...desired.diagnostics]
            .filter((d) => d.code === 'unmodeled_kind')
            .map((d) => d.message),
        ),
      ],
    };
  });
  const created = thePlan.actions.filter((a) => a.verb === 'create').flatMap((a) => a.produces);
  const extra = [...(await revokeUnwantedDefaults(fromSql, toSql, created))];
  const inScope = !options.schemas?.length || options.schemas.includes('storage');
  if (inScope) extra.push(...planBuckets(from.buckets, to.buckets));
  const rendered = renderPlanFiles(thePlan, { allowDrops: true });
  const body = rendered.files.map((f) => f.contents.trimEnd()).filter(Boolean);
  if (extra.length) body.push(extra.map((s) => s.sql).join('\n\n'));
  return {
    statements: [...toStatements(thePlan), ...extra],
    sql: body.length ? `${body.join('\n\n')}\n` : '',
    transactional: rendered.files.every((f) => f.transactional),
    ignoredPartitions,
    unmodeled,
  };
}

function toStatements(p: Plan): DiffStatement[] {
  return p.actions.map((a) => ({
    sql: a.sql.trim().endsWith(';') ? a.sql.trim() : `${a.sql.trim()};`,
    verb: a.verb,
    objects: [
      ...new Set(
        (a.produces.length || a.destroys.length
          ? [...a.produces, ...a.destroys]
          : a.consumes.filter((id) => id.kind !== 'role' && id.kind !== 'schema')
        ).map(encodeId),
      ),
    ],
    destructive: a.verb === 'drop' || a.dataLoss === 'destructive',
  }));
}

interface Side {
  buckets: BucketRow[] | undefined;
  /** metrics_yYYYY tables: whether each is attached as a partition. */
  partitions: Map<string, boolean>;
}

async function readSide(sql: Sql): Promise<Side> {
  {
    const rows = await sql<{ name: string; attached: boolean }[]>`
      select c.relname as name, c.relispartition as attached
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname ~ '^metrics_y[0-9]{4}$'`;
    return { buckets: await readBuckets(sql), partitions: new Map(rows.map((r) => [r.name, r.attached])) };
  }
}

/** Yearly partitions attached on one side only: what `partitions rotate` adds or retires. */
export function rotatedPartitions(a: Map<string, boolean>, b: Map<string, boolean>): string[] {
  const names = new Set([...a.keys(), ...b.keys()]);
  return [...names].filter((n) => ROTATED.test(n) && !(a.get(n) && b.get(n))).sort();
}

async function withPools<T>(fromUrl: string, toUrl: string, fn: (a: pg.Pool, b: pg.Pool) => Promise<T>): Promise<T> {
  const pools = [fromUrl, toUrl].map((url) => {
    const pool = new pg.Pool({ connectionString: url, max: 2, application_name: 'dreamdb diff' });
    pool.on('error', () => {});
    return { url, pool };
  });
  try {
    return await fn(pools[0]!.pool, pools[1]!.pool);
  } catch (error) {
    throw pools.map((p) => connectionError(p.url, error)).find(Boolean) ?? error;
  } finally {
    await Promise.all(pools.map((p) => p.pool.end()));
  }
}
