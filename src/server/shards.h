/*
 * shards.h — envelogd as a root log (--shards FILE, docs/PROTOCOL.md §21):
 * the shards file, and the follower thread that polls each shard's signed
 * checkpoint every --follow-interval ms and records it through the writer
 * (a shard entry), or refuses it (a shard_refusal entry) when it rolls the
 * shard back or forks it.  A checkpoint that does not verify with the
 * shard's key, or a shard that cannot be read, is a line on stderr and a
 * metric, never an entry.
 *
 * At start the state of every shard (registration, last recorded
 * checkpoint, refusals) is read back from the root's own log, and the
 * entries the file asks for (shard_add, shard_retire, shard_close) are
 * appended; shards_reload() does the same for a file changed on SIGHUP.
 */
#ifndef ELOG_SERVER_SHARDS_H
#define ELOG_SERVER_SHARDS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "error.h"
#include "note.h"

#define SHARDS_MAX 256
#define SHARD_URL_MAX 1024

enum shard_state { SHARD_ACTIVE = 0, SHARD_RETIRED = 1, SHARD_CLOSED = 2 };

/* One line of the shards file. */
struct shard_spec {
	char origin[ELOG_NAME_MAX + 1];
	char url[SHARD_URL_MAX]; /* without a trailing '/' */
	char vkey[ELOG_KEY_TEXT_MAX];
	elog_verifier vk;
	int state;			  /* enum shard_state */
	char token_path[CONFIG_PATH_MAX]; /* "" for none */
};

struct shards_file {
	struct shard_spec spec[SHARDS_MAX];
	size_t n;
};

/*
 * Parse a shards file (shards_file.c).  INVALID_VALUE naming the line for
 * a malformed line, an unknown key, a duplicate origin, a VKEY that is not
 * an Ed25519 key named ORIGIN, or an auditor-token file that is missing or
 * readable by others than its owner.
 */
int shards_file_load(const char *path, struct shards_file *out,
		     elog_err_t *err);

struct server;
struct shards;

/* Read the file and the log, append what the file asks for and start the
 * follower.  An error (err says which) means envelogd must not run. */
int shards_start(struct server *srv, struct shards **out, elog_err_t *err);
/* SIGHUP: read the file again; the follower applies it at its next round.
 * A file that does not parse is logged and the old one kept. */
void shards_reload(struct shards *sh);
/* Stop and join the follower (it appends through the writer: before
 * writer_stop); shards_free, once no HTTP thread can reach it, frees. */
void shards_stop(struct shards *sh);
void shards_free(struct shards *sh);

/* A shard the root's report must read: registered and not closed (url
 * "" when the file no longer lists it). */
struct shard_target {
	char origin[ELOG_NAME_MAX + 1];
	char url[SHARD_URL_MAX];
	char token_path[CONFIG_PATH_MAX];
};
/* Copies of at most max targets into out; how many. */
size_t shards_targets(struct shards *sh, struct shard_target *out, size_t max);

/* The body of GET /v1/shards without "size" (a new reference), or NULL
 * when out of memory. */
json_t *shards_json(struct shards *sh);

#endif
