/** One statement of a schema diff, as db diff prints it and status --drift names it. */
export interface DiffStatement {
  sql: string;
  verb: 'create' | 'alter' | 'drop';
  /** What the statement touches, e.g. `column:public.artists.bio`, `policy:public.tasks.x`, `bucket:avatars`. */
  objects: string[];
  /** Drops, or rewrites that lose data. */
  destructive: boolean;
}
