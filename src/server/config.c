/* config.c — defaults, config file and flags (see config.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idempotency.h"
#include "param.h"
#include "request.h"
#include "statefile.h"
#include "store.h"

/*
 * The console's directory when --web is not given, fixed at build time by
 * the Makefile: this tree's web/ for the build tree's envelogd, and
 * $(PREFIX)/share/envelog/web for the one `make install` installs.
 */
#ifndef ELOG_WEB_DIR
#define ELOG_WEB_DIR "./web"
#endif

static const char usage[] =
	"usage: envelogd [options]\n"
	"\n"
	"Serve the envelog HTTP API over a log database.\n"
	"\n"
	"  --db FILE              database (default ./var/envelog.db)\n"
	"  --key FILE             log signer key (default: the db path with\n"
	"                         .db replaced by .key)\n"
	"  --state FILE           where the last signed checkpoint is kept\n"
	"                         outside the database, so that a database\n"
	"                         rolled back or forked is refused at start\n"
	"                         (default: the key path + .state)\n"
	"  --listen ADDR:PORT     address to listen on (default "
	"127.0.0.1:8080;\n"
	"                         IPv6 as [::1]:8080)\n"
	"  --origin NAME          expected log origin (must match the db)\n"
	"  --sync full|normal     full: acknowledged means on disk "
	"(default);\n"
	"                         normal is for ingest only: lawful requests\n"
	"                         always commit with full sync\n"
	"  --max-window-days N    longest warrant window (default 366)\n"
	"  --max-subjects N       most subjects per warrant (default 10)\n"
	"  --max-records N        most records per disclosure; a warrant\n"
	"                         matching more is refused with\n"
	"                         too_many_records (default 10000)\n"
	"  --threads N            HTTP threads (default: number of cores)\n"
	"  --tls-cert FILE        serve HTTPS with this PEM certificate...\n"
	"  --tls-key FILE         ...and this PEM private key\n"
	"  --web DIR              static files for / (default\n"
	"                         " ELOG_WEB_DIR ")\n"
	"  --max-body BYTES       largest request body (default 8388608)\n"
	"  --max-events N         most events per request (default 10000)\n"
	"  --max-connections N    concurrent connections (default 1024)\n"
	"  --max-per-ip N         concurrent connections per client IP\n"
	"                         (default 64)\n"
	"  --timeout SECONDS      idle time before a connection is closed\n"
	"                         (default 30)\n"
	"  --request-timeout SECONDS  longest time to receive a request body,\n"
	"                         however slowly it arrives (default 120)\n"
	"  --queue N              entries waiting for the writer before\n"
	"                         503 queue_full (default 200000)\n"
	"  --idempotency-window SECONDS  how long the Idempotency-Key of an\n"
	"                         ingest request is kept (default 86400)\n"
	"  --max-future-ms MS     how far ahead of the clock an event's ts\n"
	"                         may be (default 300000)\n"
	"  --drain SECONDS        on SIGTERM, how long to wait for requests\n"
	"                         in flight (default 10)\n"
	"  --witness URL=VKEY     submit each new checkpoint, with a consistency\n"
	"                         proof, to this C2SP tlog-witness (repeatable;\n"
	"                         at most once a second each), store its\n"
	"                         cosignatures; at start refuse a log the\n"
	"                         witness saw larger or with another root\n"
	"  --retention-days N     purge the metadata of events older than N\n"
	"                         days, at start and then every\n"
	"                         --retention-interval seconds (default 0:\n"
	"                         never)\n"
	"  --retention-interval SECONDS  (default 86400)\n"
	"  --config FILE          read \"key = value\" lines with the names\n"
	"                         above (flags given here win)\n"
	"  --help                 this text\n";

static void defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->db, sizeof c->db, "%s", "./var/envelog.db");
	snprintf(c->listen, sizeof c->listen, "%s", "127.0.0.1:8080");
	snprintf(c->web, sizeof c->web, "%s", ELOG_WEB_DIR);
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
	if (!strcmp(name, "key"))
		return set_str(c->key, sizeof c->key, name, v);
	if (!strcmp(name, "state"))
		return set_str(c->state, sizeof c->state, name, v);
	if (!strcmp(name, "witness")) {
		if (c->nwitness == CONFIG_MAX_WITNESSES || !strchr(v, '=')) {
			fprintf(stderr, "envelogd: --witness URL=VKEY, at most "
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
			fprintf(stderr, "envelogd: %s:%d: expected key = value\n",
				path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		k = trim(k);
		v = trim(eq + 1);
		if (!strcmp(k, "config")) {
			fprintf(stderr, "envelogd: %s:%d: config cannot nest\n",
				path, lineno);
			rc = -1;
			break;
		}
		rc = apply(c, k, v);
		if (rc == -2)
			fprintf(stderr, "envelogd: %s:%d: unknown setting %s\n",
				path, lineno, k);
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

	if (n >= 3 && !strcmp(c->db + n - 3, ".db"))
		k = snprintf(c->key, sizeof c->key, "%.*s.key", (int)(n - 3),
			     c->db);
	else
		k = snprintf(c->key, sizeof c->key, "%s.key", c->db);
	return (k < 0 || (size_t)k >= sizeof c->key) ? -1 : 0;
}

int config_load(struct config *cfg, int argc, char **argv)
{
	int i, rc;

	defaults(cfg);
	/* The config file first, so that flags override it. */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 1;
		}
		if (!strcmp(argv[i], "--config")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "envelogd: --config needs a "
						"value\n");
				return 2;
			}
			if (load_file(cfg, argv[i + 1]) != 0)
				return 2;
		} else if (!strncmp(argv[i], "--config=", 9)) {
			if (load_file(cfg, argv[i] + 9) != 0)
				return 2;
		}
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *name, *v, *eq;
		char buf[64];

		if (strncmp(a, "--", 2) != 0 || !a[2]) {
			fprintf(stderr, "envelogd: unexpected argument %s\n%s",
				a, usage);
			return 2;
		}
		name = a + 2;
		eq = strchr(name, '=');
		if (eq) { /* --name=value */
			size_t n = (size_t)(eq - name);
			if (n >= sizeof buf) {
				fprintf(stderr, "envelogd: unknown option %s\n",
					a);
				return 2;
			}
			memcpy(buf, name, n);
			buf[n] = '\0';
			name = buf;
			v = eq + 1;
		} else {
			if (i + 1 >= argc) {
				fprintf(stderr, "envelogd: %s needs a value\n",
					a);
				return 2;
			}
			v = argv[++i];
		}
		if (!strcmp(name, "config"))
			continue;
		rc = apply(cfg, name, v);
		if (rc == -2) {
			fprintf(stderr, "envelogd: unknown option --%s\n%s",
				name, usage);
			return 2;
		}
		if (rc)
			return 2;
	}
	if (!cfg->key[0] && default_key(cfg) != 0) {
		fprintf(stderr, "envelogd: --db: path too long\n");
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
