# shellcheck shell=bash
# index.sh — the lawful-request index of a SQLite log as one SELECT, for
# the suites that read it with sqlite3.  Each sealed run is a table of its
# own, index_sealed_<run> (schema/010_index_run_tables.sql), so no fixed
# name holds every row.  Source it.
#
#   index_sql DB   a SELECT of every index row of DB as (run, party, ts,
#                  seq), run -1 for index_hot's; use it as a subquery:
#                  sqlite3 "$DB" "SELECT count(*) FROM ($(index_sql "$DB"))"
index_sql() {
	local sql="SELECT -1 AS run, party, ts, seq FROM index_hot" r
	for r in $(sqlite3 "$1" "SELECT substr(name, 14) FROM sqlite_master WHERE type = 'table' AND name GLOB 'index_sealed_[0-9]*' ORDER BY 0 + substr(name, 14)"); do
		sql="$sql UNION ALL SELECT $r, party, ts, seq FROM index_sealed_$r"
	done
	echo "$sql"
}
