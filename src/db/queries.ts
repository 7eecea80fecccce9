/** dreamdb's own SQL files under sql/<area>/, read once per process. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sqlDir } from '../paths.js';

const cache = new Map<string, string>();

/** The text of sql/<relativePath> from the package (`packagedSql('doctor/bloat.sql')`). */
export function packagedSql(relativePath: string): string {
  let text = cache.get(relativePath);
  if (text === undefined) {
    text = readFileSync(path.join(sqlDir, relativePath), 'utf8');
    cache.set(relativePath, text);
  }
  return text;
}
