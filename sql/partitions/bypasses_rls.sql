-- Whether the current role reads every row of a table that forces row level security.
select rolsuper or rolbypassrls as bypass
from pg_roles
where rolname = current_user
