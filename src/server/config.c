/* config.c — defaults, config file and flags (see config.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idempotency.h"
#include "optab.h"
#include "param.h"
#include "request.h"
#include "statefile.h"
#include "store.h"
#include "version.h"

static void defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->db, sizeof c->db, "%s", elog_path_db);
	snprintf(c->listen, sizeof c->listen, "%s", "127.0.0.1:8080");
	snprintf(c->web, sizeof c->web, "%s", elog_path_web);
	c->sync = ELOG_SYNC_FULL;
	c->max_window_days = 366;
	c->max_subjects = 10;
	c->max_records = ELOG_MAX_RECORDS;
	c->threads = 0;
	c->max_body = 8u << 20;
	c->max_events = 10000;
	c->max_connections = 1024;
	c->max_per_ip = 64;
	c->timeout = 30;
	c->request_timeout = 120;
	c->queue = 200000;
	c->max_future_ms = 300000;
	c->idempotency_window = ELOG_IDEMPOTENCY_WINDOW_DEFAULT_S;
	c->drain = 10;
	c->retention_days = 0;
	c->retention_interval = 86400;
	c->follow_interval = 1000;
}

static int set_str(char *dst, size_t cap, const char *name, const char *v)
{
	int n = snprintf(dst, cap, "%s", v);

	if (n < 0 || (size_t)n >= cap) {
		fprintf(stderr, "envelogd: --%s: value too long\n", name);
		return -1;
	}
	return 0;
}

static int set_num(uint64_t *dst, const char *name, const char *v,
		   uint64_t min, uint64_t max)
{
	uint64_t x;

	if (elog_param_uint(v, max, &x) != 0 || x < min) {
		fprintf(stderr,
			"envelogd: --%s: expected an integer from %llu to "
			"%llu\n",
			name, (unsigned long long)min,
			(unsigned long long)max);
		return -1;
	}
	*dst = x;
	return 0;
}

/* Apply one setting.  0 ok, -1 bad value, -2 unknown name. */
static int apply(struct config *c, const char *name, const char *v)
{
	if (!strcmp(name, "db"))
		return set_str(c->db, sizeof c->db, name, v);
	if (!strcmp(name, "read-db"))
		return set_str(c->read_db, sizeof c->read_db, name, v);
	if (!strcmp(name, "key"))
		return set_str(c->key, sizeof c->key, name, v);
	if (!strcmp(name, "state"))
		return set_str(c->state, sizeof c->state, name, v);
	if (!strcmp(name, "witness")) {
		if (c->nwitness == CONFIG_MAX_WITNESSES || !strchr(v, '=')) {
			fprintf(stderr,
				"envelogd: --witness URL=VKEY, at most "
				"%d\n",
				CONFIG_MAX_WITNESSES);
			return -1;
		}
		return set_str(c->witness[c->nwitness++], sizeof c->witness[0],
			       name, v);
	}
	if (!strcmp(name, "listen"))
		return set_str(c->listen, sizeof c->listen, name, v);
	if (!strcmp(name, "origin"))
		return set_str(c->origin, sizeof c->origin, name, v);
	if (!strcmp(name, "root-origin")) {
		if (!elog_key_name_valid(v)) {
			fprintf(stderr, "envelogd: --root-origin: not a log "
					"origin\n");
			return -1;
		}
		return set_str(c->root_origin, sizeof c->root_origin, name, v);
	}
	if (!strcmp(name, "web"))
		return set_str(c->web, sizeof c->web, name, v);
	if (!strcmp(name, "tls-cert"))
		return set_str(c->tls_cert, sizeof c->tls_cert, name, v);
	if (!strcmp(name, "tls-key"))
		return set_str(c->tls_key, sizeof c->tls_key, name, v);
	if (!strcmp(name, "sync")) {
		if (!strcmp(v, "full"))
			c->sync = ELOG_SYNC_FULL;
		else if (!strcmp(v, "normal"))
			c->sync = ELOG_SYNC_NORMAL;
		else {
			fprintf(stderr,
				"envelogd: --sync: expected full or normal\n");
			return -1;
		}
		return 0;
	}
	if (!strcmp(name, "max-window-days"))
		return set_num(&c->max_window_days, name, v, 1, 36600);
	if (!strcmp(name, "max-records"))
		return set_num(&c->max_records, name, v, 1, 1000000);
	if (!strcmp(name, "max-subjects"))
		return set_num(&c->max_subjects, name, v, 1, 1000);
	if (!strcmp(name, "threads"))
		return set_num(&c->threads, name, v, 1, 1024);
	if (!strcmp(name, "max-body"))
		return set_num(&c->max_body, name, v, 1024, 1u << 30);
	if (!strcmp(name, "max-events"))
		return set_num(&c->max_events, name, v, 1, 1000000);
	if (!strcmp(name, "max-connections"))
		return set_num(&c->max_connections, name, v, 1, 1000000);
	if (!strcmp(name, "max-per-ip"))
		return set_num(&c->max_per_ip, name, v, 1, 1000000);
	if (!strcmp(name, "timeout"))
		return set_num(&c->timeout, name, v, 1, 86400);
	if (!strcmp(name, "request-timeout"))
		return set_num(&c->request_timeout, name, v, 1, 86400);
	if (!strcmp(name, "queue"))
		return set_num(&c->queue, name, v, 1, 100000000);
	if (!strcmp(name, "idempotency-window"))
		return set_num(&c->idempotency_window, name, v, 1, 31622400);
	if (!strcmp(name, "max-future-ms"))
		return set_num(&c->max_future_ms, name, v, 0, 86400000);
	if (!strcmp(name, "drain"))
		return set_num(&c->drain, name, v, 0, 3600);
	if (!strcmp(name, "retention-days"))
		return set_num(&c->retention_days, name, v, 0, 36600);
	if (!strcmp(name, "retention-interval"))
		return set_num(&c->retention_interval, name, v, 1, 31622400);
	if (!strcmp(name, "shards"))
		return set_str(c->shards, sizeof c->shards, name, v);
	if (!strcmp(name, "follow-interval"))
		return set_num(&c->follow_interval, name, v, 10, 3600000);
	return -2;
}

static char *trim(char *s)
{
	size_t n;

	while (*s && isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Read "key = value" lines; '#' starts a comment line. */
static int load_file(struct config *c, const char *path)
{
	char line[CONFIG_PATH_MAX + 64];
	FILE *f;
	int lineno = 0, rc = 0;

	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "envelogd: cannot open config %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		char *k, *v, *eq;
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			fprintf(stderr, "envelogd: %s:%d: line too long\n",
				path, lineno);
			rc = -1;
			break;
		}
		k = trim(line);
		if (!*k || *k == '#')
			continue;
		eq = strchr(k, '=');
		if (!eq) {
			fprintf(stderr,
				"envelogd: %s:%d: expected key = value\n",
				path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		k = trim(k);
		v = trim(eq + 1);
		if (!strcmp(k, "config")) {
			fprintf(stderr,
				"envelogd: %s:%d: config cannot nest\n", path,
				lineno);
			rc = -1;
			break;
		}
		rc = apply(c, k, v);
		if (rc == -2)
			fprintf(stderr,
				"envelogd: %s:%d: unknown setting %s\n", path,
				lineno, k);
		if (rc) {
			rc = -1;
			break;
		}
	}
	fclose(f);
	return rc;
}

/* The key path from the db path: a trailing ".db" becomes ".key", otherwise
 * ".key" is appended. */
static int default_key(struct config *c)
{
	size_t n = strlen(c->db);
	int k;

	if (elog_store_is_pg(c->db))
		return -2;
	if (n >= 3 && !strcmp(c->db + n - 3, ".db"))
		k = snprintf(c->key, sizeof c->key, "%.*s.key", (int)(n - 3),
			     c->db);
	else
		k = snprintf(c->key, sizeof c->key, "%s.key", c->db);
	return (k < 0 || (size_t)k >= sizeof c->key) ? -1 : 0;
}

#define MAX_LONGOPTS 48

/*
 * Parse argv with getopt_long against envelogd's option table.  On the
 * first pass only --config, --help and --version act (the file is read
 * before the other options, so that they win); on the second every other
 * option is applied.  Returns -1 to go on, else config_load's status.
 */
static int parse(struct config *cfg, int argc, char **argv, int pass,
		 const char **config)
{
	const struct optab_cmd *cmd = optab_cmd(&envelogd_prog, NULL);
	struct option lo[MAX_LONGOPTS];
	int n = optab_longopts(cmd, 1, lo, MAX_LONGOPTS), c, rc;

	if (n < 0) {
		fprintf(stderr, "envelogd: internal: option table too big\n");
		return 2;
	}
	optind = 0; /* glibc: start over */
	opterr = pass == 0;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		const struct optab_opt *o;

		if (c == 'h' || c == 'V') {
			if (pass > 0)
				continue;
			if (c == 'h')
				optab_usage(stdout, &envelogd_prog, cmd);
			else
				elog_print_version(stdout, "envelogd");
			return 1;
		}
		if (c < 0x100 || c >= 0x100 + n) {
			fprintf(stderr, "envelogd: see envelogd --help\n");
			return 2;
		}
		o = &cmd->opts[c - 0x100];
		if (strcmp(o->name, "config") == 0) {
			*config = optarg;
			continue;
		}
		if (pass == 0)
			continue;
		rc = apply(cfg, o->name, optarg);
		if (rc == -2) /* in the table but not in apply() */
			fprintf(stderr,
				"envelogd: internal: --%s has no "
				"setting\n",
				o->name);
		if (rc)
			return 2;
	}
	if (optind < argc) {
		if (pass == 0) {
			fprintf(stderr,
				"envelogd: unexpected argument %s (see "
				"envelogd --help)\n",
				argv[optind]);
		}
		return 2;
	}
	return -1;
}

int config_load(struct config *cfg, int argc, char **argv)
{
	const char *config = NULL;
	int rc;

	defaults(cfg);
	if ((rc = parse(cfg, argc, argv, 0, &config)) >= 0)
		return rc;
	/* The config file first, so that the command line overrides it.
	 * The default file is read when it exists; a given one must. */
	if (config) {
		if (load_file(cfg, config) != 0)
			return 2;
	} else if (elog_path_config[0] && access(elog_path_config, F_OK) == 0) {
		if (load_file(cfg, elog_path_config) != 0)
			return 2;
	}
	if ((rc = parse(cfg, argc, argv, 1, &config)) >= 0)
		return rc;
	if (cfg->read_db[0] &&
	    (!elog_store_is_pg(cfg->db) || !elog_store_is_pg(cfg->read_db))) {
		fprintf(stderr, "envelogd: --read-db is a PostgreSQL hot "
				"standby of a --db on PostgreSQL: both must "
				"be PostgreSQL connection strings\n");
		return 2;
	}
	if (!cfg->key[0] && (rc = default_key(cfg)) != 0) {
		fprintf(stderr, rc == -2 ? "envelogd: the database is "
					   "PostgreSQL: give the log key's "
					   "file with --key (or key in the "
					   "configuration file)\n"
					 : "envelogd: --db: path too long\n");
		return 2;
	}
	if (!cfg->state[0] &&
	    elog_state_path(cfg->key, cfg->state, sizeof cfg->state) != 0) {
		fprintf(stderr, "envelogd: --key: path too long\n");
		return 2;
	}
	if (!cfg->tls_cert[0] != !cfg->tls_key[0]) {
		fprintf(stderr,
			"envelogd: --tls-cert and --tls-key go together\n");
		return 2;
	}
	if (cfg->threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		cfg->threads = n > 0 ? (uint64_t)n : 1;
	}
	return 0;
}
