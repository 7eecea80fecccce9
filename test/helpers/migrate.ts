/** PROVISIONAL until the engine lands: base + migration files, each as one simple query. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { connect } from '../../src/db/connect.js';

export async function migrateUrl(url: string): Promise<void> {
  const sql = connect(url);
  try {
    await sql.unsafe(await fs.readFile('sql/base/supabase.sql', 'utf8')).simple();
    const dir = 'sql/migrations';
    const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
    for (const f of files) await sql.unsafe(await fs.readFile(path.join(dir, f), 'utf8')).simple();
  } finally {
    await sql.end();
  }
}
