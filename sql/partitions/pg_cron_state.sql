-- Whether pg_cron's cron.schedule exists in this database, or could be created here.
select to_regprocedure('cron.schedule(text,text,text)') is not null as installed,
       exists (select 1 from pg_available_extensions where name = 'pg_cron') as available
