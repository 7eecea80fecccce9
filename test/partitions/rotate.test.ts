import fs from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/connect.js';
import { asUser } from '../../src/db/impersonate.js';
import { DreamdbError } from '../../src/errors.js';
import {
  checkPartitions,
  listPartitions,
  rotatePartitions,
  schedulePartitions,
  summarizeRotation,
} from '../../src/partitions/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { addArtists, insertMetrics, installPartitionsFixture, partitionStates, thisYear } from './fixture.js';

const Y = thisYear();
const d = (year: number, rest = '06-01') => `${year}-${rest}`;

let db: TestDatabase;
let sql: Sql;
/** rotatePartitions wants a single-connection client, as connect(url) makes for the CLI. */
let one: Sql;
beforeEach(async () => {
  db = await createTestDatabase('parts');
  sql = db.sql;
  one = connect(db.url);
  await installPartitionsFixture(sql);
});
afterEach(async () => {
  await one?.end();
  await db?.drop();
});

describe('the migration', () => {
  it('creates the previous, current and next calendar year, protected', async () => {
    expect(await partitionStates(sql)).toEqual({
      [`metrics_y${Y - 1}`]: 'attached',
      [`metrics_y${Y}`]: 'attached',
      [`metrics_y${Y + 1}`]: 'attached',
    });
    const check = await checkPartitions(sql, {});
    expect(check).toMatchObject({ ok: true, exitCode: 0, horizon: `${Y + 2}-01-01`, horizonYears: 1 });
    expect(check.reason).toBe(`ok: partitions reach ${Y + 2}-01-01 (1 year(s) ahead)`);
  });
});

describe('rotate', () => {
  it('follows the calendar across year boundaries with a controllable clock', async () => {
    const a = await rotatePartitions(one, { now: d(Y + 4, '12-31'), ahead: 2 });
    expect(a.applied.map((s) => `${s.action} ${s.table}`)).toEqual(
      [Y + 3, Y + 4, Y + 5, Y + 6].map((y) => `create metrics_y${y}`),
    );
    expect(a).toMatchObject({
      today: d(Y + 4, '12-31'),
      changed: true,
      analyzed: true,
      window: { firstYear: Y + 3, lastYear: Y + 6 },
    });
    expect(summarizeRotation(a)).toBe(
      `public.metrics: created ${[Y + 3, Y + 4, Y + 5, Y + 6].map((y) => `metrics_y${y}`).join(', ')}.`,
    );

    const b = await rotatePartitions(one, { now: d(Y + 5, '01-01'), ahead: 2 });
    expect(b.applied.map((s) => s.table)).toEqual([`metrics_y${Y + 7}`]);

    const previous = process.env.DREAMDB_NOW;
    process.env.DREAMDB_NOW = d(Y + 5, '01-01');
    try {
      const c = await rotatePartitions(one, { ahead: 2 });
      expect(c.today).toBe(d(Y + 5, '01-01'));
      expect(c.plan).toEqual([]);
    } finally {
      if (previous === undefined) delete process.env.DREAMDB_NOW;
      else process.env.DREAMDB_NOW = previous;
    }

    const [artist] = await addArtists(sql, 1);
    await insertMetrics(sql, [artist!], [d(Y + 7, '12-31')]);
    await expect(insertMetrics(sql, [artist!], [d(Y + 8, '01-01')])).rejects.toMatchObject({ code: '23514' });
    expect((await checkPartitions(sql, { now: d(Y + 5, '01-01'), ahead: 2 })).ok).toBe(true);
    // The years between the migration's partitions and the new window are a gap, but outside the window.
    const list = await listPartitions(sql, { now: d(Y + 5, '01-01') });
    expect(list.gaps).toEqual([{ from: `${Y + 2}-01-01`, to: `${Y + 3}-01-01` }]);
    expect(list.problems).toEqual([]);
  });

  it('does nothing the second time', async () => {
    const first = await rotatePartitions(one, { now: d(Y), ahead: 4, firstYear: Y - 3 });
    expect(first.applied.map((s) => s.table)).toEqual([Y - 3, Y - 2, Y + 2, Y + 3, Y + 4].map((y) => `metrics_y${y}`));
    const second = await rotatePartitions(one, { now: d(Y), ahead: 4, firstYear: Y - 3 });
    expect(second).toMatchObject({ plan: [], applied: [], changed: false, analyzed: false });
    expect(summarizeRotation(second)).toBe(`public.metrics: partitions ${Y - 3}-${Y + 4} in place; nothing to do.`);
  });

  it('shows the plan without applying it on a dry run', async () => {
    const plan = await rotatePartitions(one, { now: d(Y), ahead: 3, dryRun: true });
    expect(plan.plan.map((s) => `${s.action} ${s.table}`)).toEqual([
      `create metrics_y${Y + 2}`,
      `create metrics_y${Y + 3}`,
    ]);
    expect(plan.applied).toEqual([]);
    expect(summarizeRotation(plan)).toBe(`public.metrics: would create metrics_y${Y + 2}, metrics_y${Y + 3}.`);
    expect(Object.keys(await partitionStates(sql))).toHaveLength(3);
  });

  it('gives new partitions the protection of the old ones', async () => {
    await rotatePartitions(one, { now: d(Y), ahead: 4 });
    const list = await listPartitions(sql, { now: d(Y) });
    expect(list.partitions).toHaveLength(6);
    for (const p of list.partitions) {
      expect(p).toMatchObject({
        state: 'attached',
        rlsEnabled: true,
        rlsForced: true,
        apiPrivileges: [],
        missingIndexes: [],
        owner: 'postgres',
      });
    }
    expect(list.problems).toEqual([]);

    // Same indexes (definitions without names) and constraints on every partition.
    const shapes = await sql<{ table: string; shape: string }[]>`
      select c.relname as table,
             (select string_agg(regexp_replace(pg_get_indexdef(i.indexrelid), '^.* USING ', ''), ' | '
                             order by regexp_replace(pg_get_indexdef(i.indexrelid), '^.* USING ', ''))
                from pg_index i where i.indrelid = c.oid)
             || ' || ' || (select string_agg(pg_get_constraintdef(k.oid), ' | ' order by pg_get_constraintdef(k.oid))
                             from pg_constraint k where k.conrelid = c.oid and k.contype in ('p', 'u', 'f'))
             as shape
      from pg_class c where c.relname like 'metrics_y%' and c.relkind = 'r'`;
    expect(new Set(shapes.map((s) => s.shape)).size).toBe(1);
    expect(shapes[0]!.shape).toContain('FOREIGN KEY (artist_id) REFERENCES artists(id) ON DELETE CASCADE');

    // API roles cannot reach a partition directly; through the parent the policies apply.
    const newest = `metrics_y${Y + 4}`;
    const sub = '00000000-0000-4000-8000-000000000009';
    await expect(
      asUser(sql, { role: 'authenticated', sub }, (tx) => tx`select * from ${tx(newest)}`),
    ).rejects.toMatchObject({ code: '42501' });
    await expect(asUser(sql, { role: 'anon' }, (tx) => tx`truncate ${tx(newest)}`)).rejects.toMatchObject({
      code: '42501',
    });
    await expect(
      asUser(
        sql,
        { role: 'service_role' },
        (tx) =>
          tx`insert into ${tx(newest)} (artist_id, platform, metric_date) values (${sub}, 'spotify', ${d(Y + 4)})`,
      ),
    ).rejects.toMatchObject({ code: '42501' });
    const rows = await asUser(sql, { role: 'authenticated', sub }, (tx) => tx`select count(*)::int as n from metrics`);
    expect(rows[0]).toEqual({ n: 0 });

    // Realtime sees only the parent's name.
    const published = await sql<
      { tablename: string }[]
    >`select tablename from pg_publication_tables where pubname = 'supabase_realtime'`;
    expect(published.map((r) => r.tablename)).toEqual(['metrics']);
  });

  it('refuses a year other partitions already cover in part', async () => {
    await sql.unsafe(
      `create table public.metrics_march partition of public.metrics for values from ('${Y + 2}-03-01') to ('${Y + 2}-04-01')`,
    );
    await expect(rotatePartitions(one, { now: d(Y), ahead: 3 })).rejects.toThrow(
      `metrics_march cover(s) part of ${Y + 2}`,
    );
    expect(await partitionStates(sql)).not.toHaveProperty(`metrics_y${Y + 3}`);
  });
});

describe('retention', () => {
  let archiveDir: string;
  beforeAll(async () => {
    archiveDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-archive-'));
  });
  afterAll(async () => fs.rm(archiveDir, { recursive: true, force: true }));

  it('detaches without dropping, keeps rows and protection, and drops only with drop', async () => {
    const artists = await addArtists(sql, 10);
    const ids = await insertMetrics(
      sql,
      artists,
      Array.from({ length: 30 }, (_, i) => d(Y - 1, `03-${String(i + 1).padStart(2, '0')}`)),
    );
    const now = d(Y + 3);
    const a = await rotatePartitions(one, { now, ahead: 1, retain: 2 });
    expect(a.applied.map((s) => `${s.action} ${s.table}`)).toEqual([
      `create metrics_y${Y + 2}`,
      `create metrics_y${Y + 3}`,
      `create metrics_y${Y + 4}`,
      `detach metrics_y${Y - 1}`,
      `detach metrics_y${Y}`,
    ]);
    expect(a.window.retireBefore).toBe(`${Y + 1}-01-01`);
    const states = await partitionStates(sql);
    expect(states[`metrics_y${Y - 1}`]).toBe('standalone');
    expect(states[`metrics_y${Y + 1}`]).toBe('attached');
    const [kept] = await sql<
      { n: number }[]
    >`select count(*)::int as n from ${sql(`metrics_y${Y - 1}`)} where id in ${sql(ids)}`;
    expect(kept!.n).toBe(30);
    const detached = (await listPartitions(sql, { now })).partitions.find((p) => p.name === `metrics_y${Y - 1}`)!;
    expect(detached).toMatchObject({ rlsEnabled: true, rlsForced: true, apiPrivileges: [] });
    expect((await checkPartitions(sql, { now, retain: 2 })).ok).toBe(true);

    expect((await rotatePartitions(one, { now, ahead: 1, retain: 2 })).plan).toEqual([]);

    const dropped = await rotatePartitions(one, { now, ahead: 1, retain: 2, drop: true });
    expect(dropped.applied.map((s) => `${s.action} ${s.table}`)).toEqual([
      `drop metrics_y${Y - 1}`,
      `drop metrics_y${Y}`,
    ]);
    expect(await partitionStates(sql)).not.toHaveProperty(`metrics_y${Y - 1}`);
  });

  it('archives the rows to a file before dropping', async () => {
    const artists = await addArtists(sql, 5);
    const ids = await insertMetrics(
      sql,
      artists,
      Array.from({ length: 12 }, (_, i) => d(Y - 1, `${String(i + 1).padStart(2, '0')}-15`)),
    );
    await sql`update metrics set platform_metrics = ${sql.json({ note: 'line one\nline "two", with comma' })} where id = ${ids[0]!}`;
    const dir = path.join(archiveDir, 'a');
    const result = await rotatePartitions(one, { now: d(Y + 2), ahead: 0, retain: 1, archiveDir: dir, drop: true });
    expect(result.applied.map((s) => `${s.action} ${s.table}`)).toEqual([
      `create metrics_y${Y + 2}`,
      `detach metrics_y${Y - 1}`,
      `archive metrics_y${Y - 1}`,
      `drop metrics_y${Y - 1}`,
      `detach metrics_y${Y}`,
      `archive metrics_y${Y}`,
      `drop metrics_y${Y}`,
    ]);
    const archive = result.applied.find((s) => s.action === 'archive' && s.table === `metrics_y${Y - 1}`)!;
    expect(archive).toMatchObject({ rows: 12, file: path.join(dir, `public.metrics_y${Y - 1}.csv`) });
    const csv = await fs.readFile(archive.file!, 'utf8');
    expect(csv.split('\n')[0]).toMatch(/^id,artist_id,platform,metric_date,/);
    for (const id of ids) expect(csv).toContain(id);
    // The archive loads back as it was.
    await sql`create table restored (like metrics)`;
    const writable = await sql`copy restored from stdin with (format csv, header true)`.writable();
    await pipeline(createReadStream(archive.file!), writable);
    const [back] = await sql<{ n: number; note: string }[]>`
      select count(*)::int as n, max(platform_metrics ->> 'note') as note from restored where id in ${sql(ids)}`;
    expect(back).toEqual({ n: 12, note: 'line one\nline "two", with comma' });
    expect(await fs.readdir(dir)).toEqual([`public.metrics_y${Y - 1}.csv`, `public.metrics_y${Y}.csv`]);
    expect(await partitionStates(sql)).not.toHaveProperty(`metrics_y${Y - 1}`);
    expect(
      (await rotatePartitions(one, { now: d(Y + 2), ahead: 0, retain: 1, archiveDir: dir, drop: true })).plan,
    ).toEqual([]);
  });

  it('archives and drops tables an earlier run only detached', async () => {
    const artists = await addArtists(sql, 2);
    await insertMetrics(sql, artists, [d(Y - 1, '01-02'), d(Y - 1, '01-03')]);
    await rotatePartitions(one, { now: d(Y + 1), ahead: 0, retain: 1 });
    const dir = path.join(archiveDir, 'b');
    const later = await rotatePartitions(one, { now: d(Y + 1), ahead: 0, retain: 1, archiveDir: dir, drop: true });
    expect(later.applied.map((s) => `${s.action} ${s.table}`)).toEqual([
      `archive metrics_y${Y - 1}`,
      `drop metrics_y${Y - 1}`,
    ]);
    expect(later.applied[0]!.rows).toBe(2);
  });
});

describe('a default partition', () => {
  it('has the rows of a new year moved out of it in the same operation', async () => {
    await sql.unsafe('create table public.metrics_default partition of public.metrics default');
    const artists = await addArtists(sql, 4);
    const ids = await insertMetrics(
      sql,
      artists,
      Array.from({ length: 20 }, (_, i) => d(Y + 3, `05-${String(i + 1).padStart(2, '0')}`)),
    );
    await insertMetrics(sql, artists, [d(Y + 9)]);
    const before = await listPartitions(sql, { now: d(Y) });
    expect(before.defaultPartition).toEqual({ name: 'metrics_default', rows: 21 });
    expect(before.problems).toContain(
      'default partition metrics_default holds 21 row(s) outside the yearly partitions; run dreamdb partitions rotate',
    );

    const result = await rotatePartitions(one, { now: d(Y), ahead: 3 });
    expect(result.applied.map((s) => [s.table, s.movedRows ?? 0])).toEqual([
      [`metrics_y${Y + 2}`, 0],
      [`metrics_y${Y + 3}`, 20],
    ]);
    const [moved] = await sql<
      { n: number }[]
    >`select count(*)::int as n from ${sql(`metrics_y${Y + 3}`)} where id in ${sql(ids)}`;
    expect(moved!.n).toBe(20);
    const after = await listPartitions(sql, { now: d(Y), ahead: 3 });
    expect(after.defaultPartition).toEqual({ name: 'metrics_default', rows: 1 });

    // Retention would need ACCESS EXCLUSIVE on metrics while a default exists: refused up front.
    await expect(rotatePartitions(one, { now: d(Y + 3), ahead: 0, retain: 0 })).rejects.toThrow(
      /has a default partition .*nothing done/,
    );
    expect(await partitionStates(sql)).toHaveProperty(`metrics_y${Y - 1}`, 'attached');
  });
});

describe('the in-database job (pg_cron)', () => {
  it('runs the same rotation through CALL, idempotently, and stands aside for a running rotation', async () => {
    await sql.unsafe(`call dreamdb.rotate_metrics_partitions(p_ahead => 3, p_now => '${d(Y + 2)}')`).simple();
    const states = await partitionStates(sql);
    for (const y of [Y + 1, Y + 2, Y + 3, Y + 4, Y + 5]) expect(states[`metrics_y${y}`]).toBe('attached');
    expect((await rotatePartitions(one, { now: d(Y + 2), ahead: 3, dryRun: true })).plan).toEqual([]);
    const list = await listPartitions(sql, { now: d(Y + 2), ahead: 3 });
    expect(list.problems).toEqual([]);

    const holder = connect(db.url);
    try {
      await holder`select pg_advisory_lock(dreamdb.metrics_partitions_lock_key())`;
      const notices: string[] = [];
      const other = connect(db.url, { onNotice: (n) => notices.push(String(n.message)) });
      try {
        await other.unsafe(`call dreamdb.rotate_metrics_partitions(p_ahead => 6, p_now => '${d(Y + 2)}')`).simple();
      } finally {
        await other.end();
      }
      expect(notices).toEqual(['dreamdb: another rotation of public.metrics is running; nothing done']);
      expect(await partitionStates(sql)).not.toHaveProperty(`metrics_y${Y + 8}`);
    } finally {
      await holder.end();
    }
  });

  it('schedule prints a crontab line and a CI snippet where pg_cron is missing', async () => {
    const result = await schedulePartitions(sql, { ahead: 3, retain: 5, archiveDir: '/var/lib/dreamdb/archive' });
    expect(result.mode).toBe('external');
    expect(result.crontab).toContain('17 3 * * * cd /path/to/app && ');
    expect(result.crontab).toContain(
      'npx dreamdb partitions rotate --ahead 3 --retain 5 --archive /var/lib/dreamdb/archive',
    );
    expect(result.ci).toContain("- cron: '17 3 * * *'");
    expect(result.pgCronSql).toBe(
      `SELECT cron.schedule('dreamdb-partitions', '17 3 * * *', 'CALL dreamdb.rotate_metrics_partitions(p_ahead => 3)');`,
    );
    expect(result.notes[0]).toMatch(
      /pg_cron is not (installed on this server|created in this database).*with schema pg_catalog|pg_cron is not installed on this server .*shared_preload_libraries/,
    );
    await expect(schedulePartitions(sql, { cron: 'every day' })).rejects.toThrow(
      "--cron 'every day': expected 5 fields",
    );
    await expect(schedulePartitions(sql, { cron: '61 * * * *' })).rejects.toThrow(
      "--cron '61 * * * *': minute 61 is out of range 0-59.",
    );
  });

  it('schedule installs the job once where cron.schedule exists', async () => {
    // pg_cron's own API, as far as schedule uses it (neither server here ships pg_cron).
    await sql
      .unsafe(
        `
      create schema cron;
      create table cron.job (jobid bigserial primary key, jobname text unique, schedule text, command text);
      create function cron.schedule(job_name text, schedule text, command text) returns bigint language sql as $$
        insert into cron.job (jobname, schedule, command) values (job_name, schedule, command)
        on conflict (jobname) do update set schedule = excluded.schedule, command = excluded.command
        returning jobid $$;`,
      )
      .simple();
    const first = await schedulePartitions(sql, { ahead: 2, cron: '5 4 * * *' });
    const second = await schedulePartitions(sql, { ahead: 2, cron: '5 4 * * *' });
    expect(first.mode).toBe('pg_cron');
    expect(second.job).toEqual(first.job);
    const jobs = await sql<{ command: string }[]>`select command from cron.job`;
    expect(jobs).toHaveLength(1);
    // What pg_cron would run:
    await sql.unsafe(jobs[0]!.command).simple();
    expect(await partitionStates(sql)).toHaveProperty(`metrics_y${Y + 2}`, 'attached');
  });
});

describe('check', () => {
  it('exits 3 with one line for each kind of trouble', async () => {
    const short = await checkPartitions(sql, { now: d(Y + 1), ahead: 2 });
    expect(short).toMatchObject({ ok: false, exitCode: 3 });
    expect(short.reason).toBe(`partitions end at ${Y + 2}-01-01: fewer than 2 year(s) ahead of ${Y + 1}`);

    await sql.unsafe(`grant select on public.metrics_y${Y} to anon`);
    const exposed = await checkPartitions(sql, {});
    expect(exposed.reason).toBe(`metrics_y${Y}: API roles hold privileges (anon: SELECT)`);
  });

  it('reports a database that was never migrated as a problem, not a crash', async () => {
    const bare = await createTestDatabase('parts_bare');
    try {
      const result = await checkPartitions(bare.sql, {});
      expect(result).toMatchObject({
        ok: false,
        exitCode: 3,
        reason: "dreamdb's partition functions are not installed in this database.",
      });
      const single = connect(bare.url);
      await expect(rotatePartitions(single, {})).rejects.toBeInstanceOf(DreamdbError);
      await single.end();
      await expect(rotatePartitions(bare.sql, {})).rejects.toThrow('rotatePartitions needs a single-connection client');
    } finally {
      await bare.drop();
    }
  });
});
