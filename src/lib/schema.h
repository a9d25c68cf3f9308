/*
 * schema.h — the SQL migrations of schema/NNN_*.sql, embedded at build time.
 * elog_schema[i] brings the database from user_version i to i + 1.
 */
#ifndef ELOG_SCHEMA_H
#define ELOG_SCHEMA_H

extern const char *const elog_schema[];
extern const int elog_schema_count;
/* The file name of each (elog_schema_name[i]: "NNN_what.sql"), for the
 * steps done in C beside their SQL (store.c, migrate). */
extern const char *const elog_schema_name[];

/* PostgreSQL's migrations (schema/pg/NNN_*.sql): elog_schema_pg[i] brings
 * the database from meta.schema_version i to i + 1. */
extern const char *const elog_schema_pg[];
extern const int elog_schema_pg_count;

/* The first user_version of the R2 formats (schema/003_r2.sql).  A database
 * with a lower, non-zero version was made before R2 and is refused. */
#define ELOG_SCHEMA_R2 3

/* The user_version after which event records are partitioned
 * (schema/009_event_partitions.sql; its rows moved by store.c). */
#define ELOG_SCHEMA_PARTS 9

#endif
