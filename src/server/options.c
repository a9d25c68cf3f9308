/*
 * options.c — envelogd's option table: its parser (config.c), --help, the
 * man pages envelogd(8) and envelogd.conf(5), and the bash completion all
 * come from here.  Every option but config, help and version is also a
 * config file setting of the same name.
 */
#include "optab.h"

static const struct optab_opt opts[] = {
	{"config", "FILE",
	 "read settings from FILE: \"name = value\" lines with the long "
	 "option names below (see envelogd.conf(5)); options on the command "
	 "line win.  Without --config, the default file is read if it exists",
	 elog_path_config, OPT_CMDLINE, "@file"},
	{"db", "DB",
	 "the log database: a SQLite file, or a PostgreSQL connection "
	 "string (postgresql://USER@HOST/DBNAME; then give the log key "
	 "with --key)",
	 elog_path_db, 0, "@file"},
	{"read-db", "CONNINFO",
	 "a PostgreSQL hot standby of the --db log (a connection string) "
	 "that answers proofs, leaves, tiles, checkpoints by size and the "
	 "public ledger for the sizes it has replayed; newer reads, and "
	 "every read while it is unreachable, go to --db.  PostgreSQL only",
	 NULL, 0, NULL},
	{"key", "FILE",
	 "the log's signer key (default: the --db path with .db replaced by "
	 ".key)",
	 NULL, 0, "@file"},
	{"state", "FILE",
	 "where the last signed checkpoint is kept outside the database, so "
	 "that a database rolled back or forked is refused at start "
	 "(default: the --key path + .state)",
	 NULL, 0, "@file"},
	{"listen", "ADDR:PORT", "address to listen on; IPv6 as [::1]:8080",
	 "127.0.0.1:8080", 0, NULL},
	{"origin", "NAME",
	 "the expected log origin (must match the database's)", NULL, 0, NULL},
	{"root-origin", "ORIGIN",
	 "this log is a shard of the root log ORIGIN: warrants whose log "
	 "line names ORIGIN are accepted as if they named this log's own "
	 "origin (any other log stays a logged refusal other_log)",
	 NULL, 0, NULL},
	{"sync", "full|normal",
	 "full: acknowledged means on disk; normal is for ingest only: lawful "
	 "requests always commit with full sync",
	 "full", 0, "full normal"},
	{"max-window-days", "N", "longest warrant window", "366", 0, NULL},
	{"max-subjects", "N", "most subjects per warrant", "10", 0, NULL},
	{"max-records", "N",
	 "most records per disclosure; a warrant matching more is refused "
	 "with too_many_records",
	 "10000", 0, NULL},
	{"threads", "N", "HTTP threads (default: the number of cores)", NULL,
	 0, NULL},
	{"tls-cert", "FILE",
	 "serve HTTPS with this PEM certificate (chain); read again on "
	 "SIGHUP",
	 NULL, 0, "@file"},
	{"tls-key", "FILE",
	 "the PEM private key of --tls-cert; read again on SIGHUP", NULL, 0,
	 "@file"},
	{"web", "DIR", "the auditor console's static files, served at /",
	 elog_path_web, 0, "@dir"},
	{"max-body", "BYTES", "largest request body", "8388608", 0, NULL},
	{"max-events", "N", "most events per ingest request", "10000", 0, NULL},
	{"max-connections", "N", "concurrent connections", "1024", 0, NULL},
	{"max-per-ip", "N", "concurrent connections per client address", "64",
	 0, NULL},
	{"timeout", "SECONDS", "idle time before a connection is closed", "30",
	 0, NULL},
	{"request-timeout", "SECONDS",
	 "longest time to receive a request body, however slowly it arrives",
	 "120", 0, NULL},
	{"queue", "N",
	 "entries waiting for the writer before ingest is answered 503 "
	 "queue_full",
	 "200000", 0, NULL},
	{"idempotency-window", "SECONDS",
	 "how long the Idempotency-Key of an ingest request is kept", "86400",
	 0, NULL},
	{"max-future-ms", "MS",
	 "how far ahead of the clock an event's ts may be", "300000", 0, NULL},
	{"drain", "SECONDS",
	 "on SIGTERM, how long to wait for the requests in flight", "10", 0,
	 NULL},
	{"witness", "URL=VKEY",
	 "submit each new checkpoint, with a consistency proof, to this C2SP "
	 "tlog-witness (at most once a second each) and store its "
	 "cosignatures; at start, refuse a log the witness saw larger or "
	 "with another root.  Repeatable, up to 8",
	 NULL, OPT_REPEAT, NULL},
	{"retention-days", "N",
	 "purge the metadata of events older than N days, at start and then "
	 "every --retention-interval seconds; 0 never purges",
	 "0", 0, NULL},
	{"retention-interval", "SECONDS", "time between retention purges",
	 "86400", 0, NULL},
	{"shards", "FILE",
	 "run as a root log: follow the shard logs FILE lists (lines \"shard "
	 "ORIGIN URL VKEY [state=active|retired|closed] "
	 "[auditor-token=PATH]\") and record their signed checkpoints; "
	 "events and warrants are then refused with root_log.  Read again "
	 "on SIGHUP",
	 NULL, 0, "@file"},
	{"follow-interval", "MS",
	 "how often a root polls each shard's checkpoint", "1000", 0, NULL},
	{NULL, NULL, NULL, NULL, 0, NULL},
};

static const struct optab_cmd cmds[] = {
	{NULL, NULL, "envelogd [options]", "the envelog server",
	 "Serve the envelog HTTP API over a log database: ingest of event "
	 "metadata, lawful requests against signed warrants, the public "
	 "checkpoint, proofs and tiles, the auditor console and /metrics.  "
	 "Settings come from the defaults, then the config file, then the "
	 "command line.",
	 opts},
	{NULL, NULL, NULL, NULL, NULL, NULL},
};

static const struct optab_section sections[] = {
	{"SIGNALS",
	 "SIGTERM or SIGINT: stop accepting connections, let the requests in "
	 "flight finish (up to --drain seconds), sign a final checkpoint and "
	 "exit.\n"
	 "\n"
	 "SIGHUP: read --tls-cert and --tls-key again and serve new "
	 "connections with them; connections already open finish with the "
	 "old certificate.  If the new files cannot be read or used, the old "
	 "certificate stays and the error is logged."},
	{"SYSTEMD",
	 "Under systemd (Type=notify), envelogd sends READY=1 once it "
	 "serves, RELOADING=1 and READY=1 around a SIGHUP reload, and "
	 "STOPPING=1 when it starts draining, to $NOTIFY_SOCKET."},
	{"LOGS",
	 "One logfmt line per request on stderr (journald takes it as is): "
	 "level, request id (also sent as the X-Request-Id header), method, "
	 "route (the route's pattern, never the query), status, bytes, "
	 "duration, role and token label.  Never an identifier, a token, an "
	 "event field or a warrant's subject.  Events while serving (the "
	 "start, a retention purge, a witness alarm, an internal error, the "
	 "shutdown) are logfmt lines too, with level and msg; errors before "
	 "it serves are plain sentences.  See docs/OPERATIONS.md."},
	{"EXIT STATUS",
	 "0 after a clean shutdown; 1 if the final checkpoint could not be "
	 "committed; 2 when it cannot start (usage, config file, database, "
	 "key, port)."},
	{"SEE ALSO", "envelog(1), envelogd.conf(5)"},
	{NULL, NULL},
};

const struct optab_prog envelogd_prog = {
	"envelogd",
	8,
	"serve an append-only, verifiable log of messaging "
	"metadata",
	NULL,
	cmds,
	sections,
};
