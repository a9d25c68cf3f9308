/*
 * config.h — envelogd's settings: defaults, a "key = value" config file and
 * command-line flags with the same names (flags win).
 */
#ifndef ELOG_SERVER_CONFIG_H
#define ELOG_SERVER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_PATH_MAX 4096
#define CONFIG_MAX_WITNESSES 8

struct config {
	char db[CONFIG_PATH_MAX];
	char read_db[CONFIG_PATH_MAX]; /* "": none (reads from db) */
	char key[CONFIG_PATH_MAX];     /* "" until defaulted from db */
	char state[CONFIG_PATH_MAX];   /* "" until defaulted from key */
	char listen[256];
	char origin[256];      /* "" = take the database's */
	char root_origin[256]; /* "": not a shard of a root log */
	char web[CONFIG_PATH_MAX];
	char tls_cert[CONFIG_PATH_MAX];
	char tls_key[CONFIG_PATH_MAX];
	int sync; /* enum elog_sync */
	uint64_t max_window_days;
	uint64_t max_subjects;
	uint64_t max_records; /* records per disclosure bundle */
	uint64_t threads;     /* 0 = number of cores */
	uint64_t max_body;    /* bytes */
	uint64_t max_events;
	uint64_t max_connections;
	uint64_t max_per_ip;
	uint64_t timeout;	     /* seconds of inactivity per connection */
	uint64_t request_timeout;    /* seconds to receive a request body */
	uint64_t queue;		     /* entries waiting for the writer */
	uint64_t max_future_ms;	     /* how far ahead of the clock ts may be */
	uint64_t idempotency_window; /* seconds an Idempotency-Key is kept */
	uint64_t drain;		 /* seconds to wait for in-flight requests */
	uint64_t retention_days; /* 0: never purge */
	uint64_t retention_interval; /* seconds between purges */
	/* --witness URL=VKEY, repeatable: C2SP tlog-witnesses to submit
	 * checkpoints to (witnesses.c) */
	char witness[CONFIG_MAX_WITNESSES][1024];
	size_t nwitness;
	/* --shards FILE: this log is a root following those shards
	 * (shards.c); "" for an ordinary log */
	char shards[CONFIG_PATH_MAX];
	uint64_t follow_interval; /* ms between polls of each shard */
};

/*
 * Fill cfg from defaults, the --config file if any, then argv.  Writes
 * diagnostics to stderr.  Returns 0 to run, 1 when --help was printed, 2 on
 * a usage error.
 */
int config_load(struct config *cfg, int argc, char **argv);

#endif
