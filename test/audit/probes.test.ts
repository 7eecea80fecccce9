/**
 * The probe runner (src/audit/session.ts, sql/audit/probe.sql): one round trip per probe, in a
 * function the audit creates in pg_temp. It must observe exactly what the statement-at-a-time
 * runner observes (the fallback where TEMP is refused), roll everything back, report errors as a
 * client would see them, and fall back when it may not create its function.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matrixLines } from '../../src/audit/expectations.js';
import { runIsolation } from '../../src/audit/isolation.js';
import { classifyError } from '../../src/audit/model.js';
import { makeActor, ProbeSession } from '../../src/audit/session.js';
import { connect } from '../../src/db/connect.js';
import { migratedDatabase, urlFor, type TestDatabase } from '../helpers/db.js';
import { loadPlanted, tableFingerprint, testConfig } from './helpers.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await migratedDatabase('probes');
  await db.sql.unsafe(`
    create table public.probe_t (id int primary key, owner text not null, note text);
    alter table public.probe_t enable row level security;
    create policy own on public.probe_t for all to authenticated
      using (owner = (select auth.uid())::text) with check (owner = (select auth.uid())::text);
    grant select, insert, update, delete on public.probe_t to authenticated;
    create function public.probe_refuse() returns trigger language plpgsql as $$
      begin if new.note = 'refuse' then raise exception 'refused by the trigger'; end if; return new; end $$;
    create trigger probe_refuse before insert or update on public.probe_t for each row execute function public.probe_refuse();
    insert into public.probe_t values (1, '00000000-0000-0000-0000-00000000000a', 'mine');
  `);
});
afterAll(async () => {
  await db.drop();
});

const user = { sub: '00000000-0000-0000-0000-00000000000a', email: 'a@example.invalid' };
const artist = makeActor('artist_a', 'authenticated', '8s', {}, user);

/** Runs fn with a probe session in a transaction that is rolled back. */
async function withSession<T>(fn: (session: ProbeSession) => Promise<T>, inline = false): Promise<T> {
  let out: T | undefined;
  await db.sql
    .begin(async (tx) => {
      out = await fn(new ProbeSession(tx, { inline }));
      throw new Error('rollback');
    })
    .catch((e: Error) => {
      if (e.message !== 'rollback') throw e;
    });
  return out as T;
}

describe('probe runner', () => {
  for (const inline of [false, true]) {
    const runner = inline ? 'statement at a time' : 'in one round trip';
    it(`${runner}: a write is seen by its after steps, then rolled back`, async () => {
      const before = await tableFingerprint(db.sql);
      const run = await withSession(
        (s) =>
          s.run(artist, {
            sql: `insert into public.probe_t values (2, $1::text, 'new')`,
            params: [user.sub],
            returns: 'count',
            prepare: [{ name: 'before', sql: 'select count(*)::int as n from public.probe_t' }],
            after: [
              { name: 'now', sql: 'select count(*)::int as n from public.probe_t', ifWritten: true },
              { name: 'who', sql: 'select current_user::text as u' },
            ],
          }),
        inline,
      );
      expect(run.ok).toBe(true);
      expect(run.ok && run.count).toBe(1);
      expect(run.prepared).toEqual({ before: [{ n: 1 }] });
      // After steps run back as the audit's own role.
      expect(run.after).toEqual({ now: [{ n: 2 }], who: [{ u: 'postgres' }] });
      expect(await tableFingerprint(db.sql)).toEqual(before);
    });

    it(`${runner}: an RLS refusal has no context; a trigger's refusal names the trigger only`, async () => {
      const [rls, trigger, skipped] = await withSession(
        async (s) => [
          await s.run(artist, {
            sql: `insert into public.probe_t values (3, 'someone-else', 'x')`,
            returns: 'count',
            after: [{ name: 'never', sql: 'select 1 as one' }],
          }),
          await s.run(artist, {
            sql: `update public.probe_t t set note = 'refuse' where t.id = any($1::int[])`,
            params: [['1']],
            returns: 'count',
          }),
          await s.run(artist, {
            sql: `update public.probe_t t set note = 'x' where t.id = any($1::int[])`,
            params: [['99']],
            returns: 'count',
            after: [{ name: 'now', sql: 'select 1 as one', ifWritten: true }],
          }),
        ],
        inline,
      );
      expect(rls.ok).toBe(false);
      if (!rls.ok) {
        expect(rls.code).toBe('42501');
        expect(rls.where).toBeUndefined();
        expect(classifyError(rls.code, rls.message, rls.where)).toBe('denied:rls');
      }
      expect(rls.after).toEqual({});
      expect(trigger.ok).toBe(false);
      if (!trigger.ok) {
        expect(trigger.message).toBe('refused by the trigger');
        expect(trigger.where).toMatch(/^PL\/pgSQL function (public\.)?probe_refuse\(\) line \d+ at RAISE$/);
        expect(classifyError(trigger.code, trigger.message, trigger.where)).toBe('blocked:trigger');
      }
      // Nothing written: the ifWritten step is skipped.
      expect(skipped.ok && skipped.count).toBe(0);
      expect(skipped.after).toEqual({ now: null });
    });

    it(`${runner}: a failing prepare step undoes all of them and the probe still runs`, async () => {
      const run = await withSession(
        (s) =>
          s.run(artist, {
            sql: 'select count(*)::int as n from public.probe_t',
            returns: 'rows',
            prepare: [
              { name: 'gone', sql: 'delete from public.probe_t', returns: 'count' },
              { name: 'bad', sql: 'select 1/0 as x' },
            ],
            after: [{ name: 'checked', sql: 'select 1 as one', ifPrepared: true }],
          }),
        inline,
      );
      expect(run.prepared).toBeNull();
      // The delete was undone with the failed step: the artist still sees its row.
      expect(run.ok && run.rows).toEqual([{ n: 1 }]);
      expect(run.after).toEqual({ checked: null });
    });

    it(`${runner}: the actor's statement_timeout ends a slow probe, and the session goes on`, async () => {
      const slow = makeActor('artist_a', 'authenticated', '200ms', {}, user);
      const [timedOut, next] = await withSession(
        async (s) => [
          await s.run(slow, { sql: 'select pg_sleep(5) as z', returns: 'rows' }),
          await s.run(artist, { sql: "select current_setting('statement_timeout') as t", returns: 'rows' }),
        ],
        inline,
      );
      expect(!timedOut.ok && timedOut.code).toBe('57014');
      expect(next.ok && next.rows).toEqual([{ t: '8s' }]);
    });

    it(`${runner}: probes started together each answer as alone, in order, each under its own timeout`, async () => {
      const slow = makeActor('artist_a', 'authenticated', '200ms', {}, user);
      const ghost = makeActor('ghost', 'dreamdb_no_such_role' as 'authenticated', '8s', {}, user);
      const probes: [typeof artist, Parameters<ProbeSession['run']>[1]][] = [
        [artist, { sql: 'select id, note from public.probe_t order by id', returns: 'rows' }],
        [slow, { sql: 'select pg_sleep(0.15) as z', returns: 'rows' }],
        [slow, { sql: 'select pg_sleep(5) as z', returns: 'rows' }],
        [artist, { sql: "update public.probe_t set note = 'again' where id = 1", returns: 'count' }],
        [artist, { sql: "select current_setting('statement_timeout') as t, current_user::text as u", returns: 'rows' }],
      ];
      const together = await withSession((s) => Promise.all(probes.map(([a, p]) => s.run(a, p))), inline);
      const alone = await withSession(async (s) => {
        const out = [];
        for (const [a, p] of probes) out.push(await s.run(a, p));
        return out;
      }, inline);
      expect(together).toEqual(alone);
      expect(together.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'ok', '57014', 'ok', 'ok']);
      expect(together[0]!.ok && together[0]!.rows).toEqual([{ id: 1, note: 'mine' }]);
      expect(together[4]!.ok && together[4]!.rows).toEqual([{ t: '8s', u: 'authenticated' }]);
      // One that cannot even switch to its role: that probe's error; the others of its batch still answer.
      const withGhost = await withSession(
        (s) =>
          Promise.all(
            [...probes.slice(0, 2), [ghost, probes[0]![1]] as const, probes[4]!].map(([a, p]) => s.run(a, p)),
          ),
        inline,
      );
      expect(withGhost.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'ok', '22023', 'ok']);
      expect(withGhost[3]).toEqual(together[4]);
    });
  }

  it('falls back to statement at a time where the role may not create temporary objects', async () => {
    const role = `dreamdb_notemp_${randomBytes(3).toString('hex')}`;
    const password = randomBytes(8).toString('hex');
    await db.sql.unsafe(`create role ${role} login password '${password}';
      revoke temporary on database "${db.name}" from public; grant usage on schema public to ${role}`);
    const url = new URL(urlFor(db.name));
    url.username = role;
    url.password = password;
    const restricted = connect(url.toString(), { max: 1 });
    try {
      let inline: boolean | undefined;
      let after: unknown;
      await restricted
        .begin(async (tx) => {
          const session = new ProbeSession(tx);
          await session.install();
          inline = session.inline;
          // The transaction is still usable.
          after = (await tx`select 1 as one`)[0];
          throw new Error('rollback');
        })
        .catch((e: Error) => {
          if (e.message !== 'rollback') throw e;
        });
      expect(inline).toBe(true);
      expect(after).toEqual({ one: 1 });
    } finally {
      await restricted.end();
      await db.sql.unsafe(
        `grant temporary on database "${db.name}" to public; drop owned by ${role}; drop role ${role}`,
      );
    }
  });
});

/** The matrix and the findings, by id and object (messages carry the run's random markers). */
async function observe(target: TestDatabase, inline: boolean) {
  const config = testConfig();
  const result = await runIsolation(target.sql, config, () => {}, { inlineProbes: inline });
  return {
    matrix: Object.fromEntries(matrixLines(result.cells)),
    findings: result.findings.map((f) => `${f.level} ${f.id} ${f.object}`).sort(),
  };
}

describe('both runners observe the same', () => {
  it('on the shipped schema', async () => {
    const shipped = await migratedDatabase('probes_shipped');
    try {
      const fast = await observe(shipped, false);
      const slow = await observe(shipped, true);
      expect(Object.keys(fast.matrix).length).toBeGreaterThan(500);
      expect(fast).toEqual(slow);
    } finally {
      await shipped.drop();
    }
  });

  it('on planted holes (side effects, stuck values, triggers, functions)', async () => {
    const planted = (await loadPlanted()).filter((p) => ['tables.sql', 'functions.sql'].includes(p.file));
    expect(planted).toHaveLength(2);
    for (const plant of planted) {
      const target = await migratedDatabase(`probes_${plant.file.replace('.sql', '')}`);
      try {
        await target.sql.unsafe(plant.sql);
        const fast = await observe(target, false);
        const slow = await observe(target, true);
        expect(
          fast.findings.some((f) => f.startsWith('error ')),
          plant.file,
        ).toBe(true);
        expect(fast, plant.file).toEqual(slow);
      } finally {
        await target.drop();
      }
    }
  });

  it('where the server keeps no row counters (track_counts off), so every digest hashes every table', async () => {
    // Two side effects through triggers: another artist's rows, and the actor's own server-owned values.
    const holes = ['01-shares-definer-counter.sql', '02-streak-bonus-award.sql'];
    const target = await migratedDatabase('probes_nocounts');
    try {
      for (const hole of holes)
        await target.sql.unsafe(await fs.readFile(path.resolve('test/audit/catalogue/own/holes', hole), 'utf8'));
      const counted = await observe(target, false);
      await target.sql.unsafe(`alter database "${target.name}" set track_counts = off`);
      const uncounted = connect(target.url, { max: 1 });
      try {
        const [row] = await uncounted<{ on: string }[]>`select current_setting('track_counts') as on`;
        expect(row!.on).toBe('off');
        const plain = await observe({ ...target, sql: uncounted }, false);
        expect(counted.findings).toContain('error isolation.cross_tenant_side_effect public.achievements');
        expect(counted.findings.some((f) => f.includes('server_owned_changed'))).toBe(true);
        expect(plain).toEqual(counted);
      } finally {
        await uncounted.end();
      }
    } finally {
      await target.drop();
    }
  });
});
