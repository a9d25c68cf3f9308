-- pg/002: what a least-privilege writer role needs beyond SELECT and INSERT
-- (envelog init --writer-role): the two schema changes of its work, each a
-- SECURITY DEFINER function owned by the tables' owner that does one
-- bounded thing and checks its argument itself.  The writer owns nothing,
-- so it cannot disable a trigger, drop a table, or UPDATE/DELETE/TRUNCATE
-- a log table; these functions are its only way to change the schema.
--
-- Both run with search_path pinned to this schema and pg_temp (last;
-- pg_catalog, not named, is searched first, so that nothing in this
-- schema shadows a built-in function), and are executable by no one but
-- the owner until init grants them to the writer role.  A log with one
-- role (no --writer-role) calls them too: one code path for both.

-- Create and attach the partitions event_data_p<k> and event_index_p<k>
-- (the seqs [k << bits, (k + 1) << bits), bits = meta.index_run_bits): k
-- must be the next partition, one above the highest there is (0 if none).
-- Returns k.
CREATE FUNCTION elog_make_partition(k bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  bits int := (SELECT value::int FROM meta WHERE key = 'index_run_bits');
  last bigint := (SELECT coalesce(max(substr(c.relname, 14)::int8), -1)
                  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                  WHERE i.inhparent = 'event_index'::regclass);
  a bigint;
  b bigint;
BEGIN
  IF k IS NULL OR k <> last + 1 THEN
    RAISE EXCEPTION 'partition % is not the next one (%)', k, last + 1
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF bits IS NULL OR bits < 1 OR bits > 30 OR k > (1::int8 << (62 - bits))
  THEN
    RAISE EXCEPTION 'partition % is out of range', k
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  a := k << bits;
  b := (k + 1) << bits;
  -- Made, then attached: ATTACH PARTITION locks the parent against other
  -- schema changes only, where CREATE TABLE ... PARTITION OF would wait
  -- for every reader of it and make new readers wait behind.
  EXECUTE format('CREATE TABLE %I (LIKE event_data)', 'event_data_p' || k);
  EXECUTE format('ALTER TABLE event_data ATTACH PARTITION %I '
                 'FOR VALUES FROM (%s) TO (%s)', 'event_data_p' || k, a, b);
  EXECUTE format('CREATE TABLE %I (LIKE event_index)', 'event_index_p' || k);
  EXECUTE format('ALTER TABLE event_index ATTACH PARTITION %I '
                 'FOR VALUES FROM (%s) TO (%s)', 'event_index_p' || k, a, b);
  RETURN k;
END $$;

-- The purge below seq n, which must not be above the recorded horizon
-- (n - 1 <= purge_horizon's highest through_seq) nor the log's size: drop the partitions of
-- event_data and event_index wholly below n, delete the index runs below
-- n, and the rows below n in the partition that holds n.  Returns the
-- number of partitions dropped (of each table).
CREATE FUNCTION elog_purge_below(n bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  bits int := (SELECT value::int FROM meta WHERE key = 'index_run_bits');
  horizon bigint := (SELECT coalesce(max(through_seq), -1)
                     FROM purge_horizon);
  k bigint;
  dropped bigint := 0;
BEGIN
  IF n IS NULL OR n < 0 OR n - 1 > horizon
     OR n > (SELECT coalesce(max(seq) + 1, 0) FROM entry) THEN
    RAISE EXCEPTION 'the purge below % goes past the horizon (seq %)',
      n, horizon USING ERRCODE = 'restrict_violation';
  END IF;
  FOR k IN SELECT substr(c.relname, 14)::int8 AS p
           FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           WHERE i.inhparent = 'event_index'::regclass
             AND ((substr(c.relname, 14)::int8 + 1) << bits) <= n
           ORDER BY p LOOP
    EXECUTE format('DROP TABLE %I', 'event_data_p' || k);
    EXECUTE format('DROP TABLE %I', 'event_index_p' || k);
    dropped := dropped + 1;
  END LOOP;
  DELETE FROM index_run WHERE last_seq < n;
  DELETE FROM event_data WHERE seq < n;
  DELETE FROM event_index WHERE seq < n;
  RETURN dropped;
END $$;

-- Made in the current schema (the first of the search_path); now pinned.
SELECT set_config('search_path',
                  quote_ident(current_schema()) || ', pg_temp', true);
ALTER FUNCTION elog_make_partition(bigint) SET search_path FROM CURRENT;
ALTER FUNCTION elog_purge_below(bigint) SET search_path FROM CURRENT;
REVOKE ALL ON FUNCTION elog_make_partition(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION elog_purge_below(bigint) FROM PUBLIC;
