-- dreamdb:no-transaction
/* Two concurrent builds, written the way people type them. */
Create Index Concurrently If Not Exists idx_tasks_due_open
    On Public.Tasks (Due_Date) Where Not Completed;
create unique index concurrently if not exists content_file_url_unique
  on public.content (file_url) where file_url is not null;
