-- dreamdb seed: does the target have the Dream Suite tables the seed writes?
SELECT pg_catalog.to_regclass('public.artists') IS NOT NULL
   AND pg_catalog.to_regclass('public.metrics') IS NOT NULL
   AND pg_catalog.to_regclass('auth.users') IS NOT NULL AS ok;
