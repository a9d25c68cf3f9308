-- 011: tree_hash keeps no node of levels 1 to 3 (issue 13).
--
-- A node of level 1, 2 or 3 is the hash of 2, 4 or 8 leaf hashes that lie
-- side by side in entry (one or two pages), so the store hashes it up when
-- it reads it (ELOG_TREE_DERIVED_LEVELS in src/lib/store.c) and the writer
-- no longer stores it: 15 of every 16 rows of tree_hash, about 39 bytes
-- per event.  Levels 4 and above are stored as before, keyed by Go
-- sumdb/tlog's stored hash index.  `envelog verify` expects no row of
-- levels 1 to 3 and refuses one.  The PostgreSQL store keeps every level.
--
-- The rows of levels 1 to 3 already stored are deleted here, in the
-- migration's transaction, with tree_hash's delete guard lifted for that
-- statement only.  The level of a stored hash index is not a closed form
-- of the id (tlog's SplitStoredHashIndex walks to it), so the store
-- registers elog_tree_level(id) (elog_stored_hash_level, src/lib/merkle.c)
-- on its connection before it migrates: this file runs through the store,
-- not the sqlite3 shell.

DROP TRIGGER tree_hash_no_delete;
DELETE FROM tree_hash WHERE elog_tree_level(id) BETWEEN 1 AND 3;
CREATE TRIGGER tree_hash_no_delete BEFORE DELETE ON tree_hash
BEGIN SELECT RAISE(ABORT, 'tree_hash is append-only'); END;
