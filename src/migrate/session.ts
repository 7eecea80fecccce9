/** Session state a migrate run must see as a new connection would. */
import type { Sql } from '../db/connect.js';

/**
 * RESET ALL goes back to the values of the connection's start, so a search_path the base (or a
 * migration) has just set with ALTER DATABASE / ALTER ROLE would reach only later connections:
 * the rest of this run would not find `extensions`. This applies what a new connection would get,
 * with Postgres's precedence (role in database, then role, then database).
 */
export async function applyConfiguredSearchPath(sql: Sql): Promise<void> {
  await sql`
    select set_config('search_path', substr(c, length('search_path=') + 1), false)
    from pg_db_role_setting s, unnest(s.setconfig) c
    where c like 'search_path=%'
      and s.setdatabase in (0, (select oid from pg_database where datname = current_database()))
      and s.setrole in (0, (select oid from pg_roles where rolname = session_user))
      and not (s.setdatabase = 0 and s.setrole = 0)
    order by (s.setrole <> 0) desc, (s.setdatabase <> 0) desc
    limit 1`;
}
