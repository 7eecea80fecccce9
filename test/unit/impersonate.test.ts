import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser } from '../../src/db/impersonate.js';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await migratedDatabase('imp');
});
afterAll(async () => db?.drop());

describe('asUser', () => {
  it('switches role and claims for one transaction only', async () => {
    const sub = '00000000-0000-4000-8000-000000000001';
    const inside = await asUser(
      db.sql,
      { role: 'authenticated', sub },
      async (tx) => {
        const [row] = await tx<{ u: string; r: string; uid: string; ro: string; t: string }[]>`
        select current_user as u, auth.role() as r, auth.uid()::text as uid,
               current_setting('transaction_read_only') as ro, current_setting('statement_timeout') as t`;
        return row!;
      },
      { readOnly: true },
    );
    expect(inside).toEqual({ u: 'authenticated', r: 'authenticated', uid: sub, ro: 'on', t: '8s' });
    const [after] = await db.sql<{ u: string; uid: string | null }[]>`select current_user as u, auth.uid() as uid`;
    expect(after!.u).not.toBe('authenticated');
    expect(after!.uid).toBeNull();
  });

  it('gives anon no uid and its 3s timeout', async () => {
    const row = await asUser(
      db.sql,
      { role: 'anon' },
      async (tx) => (await tx`select auth.uid() as uid, current_setting('statement_timeout') as t`)[0],
    );
    expect(row).toEqual({ uid: null, t: '3s' });
  });

  it('never runs the request when the role switch fails, though both are sent together', async () => {
    await db.sql`create table public.probe_side_effect (n int)`;
    const attempt = asUser(
      db.sql,
      { role: 'no_such_role' as 'anon' },
      (tx) => tx`insert into public.probe_side_effect values (1)`,
    );
    await expect(attempt).rejects.toMatchObject({ code: '22023' });
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from public.probe_side_effect`;
    expect(row!.n).toBe(0);
  });
});
