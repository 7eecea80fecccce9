/** The catalog queries of the partitions area: sql/partitions/<name>.sql ($1, $2, ... parameters). */
import { packagedSql } from '../db/queries.js';

export function partitionsQuery(name: string): string {
  return packagedSql(`partitions/${name}.sql`);
}
