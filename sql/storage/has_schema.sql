-- Whether the target has Supabase's storage tables (migrate installs them on plain Postgres).
select to_regclass('storage.buckets') is not null and to_regclass('storage.objects') is not null as ok
