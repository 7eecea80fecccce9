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
    const inside = await asUser(db.sql, { role: 'authenticated', sub }, async (tx) => {
      const [row] = await tx<{ u: string; r: string; uid: string; ro: string; t: string }[]>`
        select current_user as u, auth.role() as r, auth.uid()::text as uid,
               current_setting('transaction_read_only') as ro, current_setting('statement_timeout') as t`;
      return row!;
    }, { readOnly: true });
    expect(inside).toEqual({ u: 'authenticated', r: 'authenticated', uid: sub, ro: 'on', t: '8s' });
    const [after] = await db.sql<{ u: string; uid: string | null }[]>`select current_user as u, auth.uid() as uid`;
    expect(after!.u).not.toBe('authenticated');
    expect(after!.uid).toBeNull();
  });

  it('gives anon no uid and its 3s timeout', async () => {
    const row = await asUser(db.sql, { role: 'anon' }, async (tx) => (await tx`select auth.uid() as uid, current_setting('statement_timeout') as t`)[0]);
    expect(row).toEqual({ uid: null, t: '3s' });
  });
});
