-- Switch platform_connections to its natural key.
ALTER TABLE public.platform_connections
  DROP CONSTRAINT platform_connections_pkey,
  ADD PRIMARY KEY (artist_id, platform);
