/** The catalog queries of the partitions area, kept as files in sql/partitions/. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sqlDir } from '../paths.js';

const cache = new Map<string, string>();

/** The text of sql/partitions/<name>.sql (positional parameters $1, $2, ...). */
export function partitionsQuery(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(path.join(sqlDir, 'partitions', `${name}.sql`), 'utf8');
    cache.set(name, text);
  }
  return text;
}
