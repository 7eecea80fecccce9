/**
 * Realtime: Postgres Changes applies each subscriber's RLS to every change of a table in the
 * supabase_realtime publication. A published table without RLS streams every row to everyone; a
 * partitioned table published through its partitions (publish_via_partition_root = false) is
 * checked against the partitions' policies, which Postgres never copies from the parent.
 */
import type { Finding } from './model.js';
import { fullName, type Relation, type Tx } from './catalog.js';

export interface RealtimeSummary {
  published: string[];
  viaRoot: boolean | null;
  allTables: boolean;
}

export async function checkRealtime(
  tx: Tx,
  relations: Relation[],
): Promise<{ summary: RealtimeSummary; findings: Finding[] }> {
  const [pub] = await tx<{ viaroot: boolean; alltables: boolean }[]>`
    select pubviaroot as viaroot, puballtables as alltables from pg_publication where pubname = 'supabase_realtime'`;
  if (!pub) return { summary: { published: [], viaRoot: null, allTables: false }, findings: [] };
  const rows = await tx<{ name: string }[]>`
    select schemaname || '.' || tablename as name from pg_publication_tables where pubname = 'supabase_realtime' order by 1`;
  const byName = new Map(relations.map((r) => [fullName(r), r]));
  const findings: Finding[] = [];
  for (const { name } of rows) {
    const rel = byName.get(name);
    if (!rel) continue;
    if (!rel.rls) {
      findings.push({
        area: 'isolation',
        id: 'realtime.rls_disabled',
        level: 'error',
        object: name,
        operation: 'subscribe',
        expected: 'RLS enabled',
        actual: 'RLS disabled',
        message: `${name} is published to supabase_realtime without RLS: every subscriber receives every change`,
        hint: `ALTER TABLE ${name} ENABLE ROW LEVEL SECURITY; and a SELECT policy TO authenticated scoped to the owner.`,
      });
    } else if (rel.isPartition && rel.policies === 0) {
      findings.push({
        area: 'isolation',
        id: 'realtime.partition_without_policies',
        level: 'warn',
        object: name,
        operation: 'subscribe',
        expected: "changes checked against the parent's policies",
        actual: `published as the partition ${name}, which has no policies`,
        message: `${name} is published under its own name, and partitions do not inherit ${rel.parent}'s policies: subscribers receive nothing (or everything, if RLS is off)`,
        hint: 'ALTER PUBLICATION supabase_realtime SET (publish_via_partition_root = true); so changes are checked as the parent.',
      });
    }
  }
  return { summary: { published: rows.map((r) => r.name), viaRoot: pub.viaroot, allTables: pub.alltables }, findings };
}
