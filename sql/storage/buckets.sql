-- Every bucket with its limits, and how many objects (and bytes) it holds.
select b.id, b.public, b.file_size_limit::text, b.allowed_mime_types,
       count(o.id)::int as objects, coalesce(sum((o.metadata ->> 'size')::bigint), 0)::text as bytes
from storage.buckets b
left join storage.objects o on o.bucket_id = b.id
group by b.id
order by b.id
