-- The names of the policies on storage.objects.
select policyname
from pg_policies
where schemaname = 'storage' and tablename = 'objects'
order by policyname
