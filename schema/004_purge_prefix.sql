-- 004: the retention purge is a prefix of the log (SPEC, purge, R2).  A
-- purge deletes the metadata of every event with seq <= through_seq and of
-- no other, so nobody can erase one person's records and call it
-- retention.  before is the horizon by commit time; before and through_seq
-- only move forward.  The delete guards are by seq, no longer by ts.

DROP TRIGGER purge_horizon_forward;
CREATE TRIGGER purge_horizon_forward BEFORE INSERT ON purge_horizon
WHEN EXISTS (SELECT 1 FROM purge_horizon
             WHERE before >= NEW.before OR through_seq > NEW.through_seq)
BEGIN SELECT RAISE(ABORT, 'the purge horizon only moves forward'); END;

DROP TRIGGER event_data_no_delete;
CREATE TRIGGER event_data_no_delete BEFORE DELETE ON event_data
WHEN NOT (OLD.seq <= coalesce((SELECT max(through_seq) FROM purge_horizon), -1))
BEGIN SELECT RAISE(ABORT, 'event_data is append-only'); END;

DROP TRIGGER event_index_no_delete;
CREATE TRIGGER event_index_no_delete BEFORE DELETE ON event_index
WHEN NOT (OLD.seq <= coalesce((SELECT max(through_seq) FROM purge_horizon), -1))
BEGIN SELECT RAISE(ABORT, 'event_index is append-only'); END;
