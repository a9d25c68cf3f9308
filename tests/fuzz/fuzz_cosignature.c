/*
 * libFuzzer target: the check of a POST /v1/cosignatures body
 * (cosignature_check): the note grammar, the checkpoint text against the
 * one stored, the witness lookup and the cosignature.  The store holds the
 * empty tree's checkpoint signed by a fixed test key and one registered
 * witness, so that the seed (tests/fuzz/corpus/fuzz_cosignature/valid)
 * passes; a body that passes must carry that witness's valid line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handlers.h"
#include "http.h"
#include "keyring.h"
#include "note.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Test keys, used nowhere else. */
#define LOG_SKEY "PRIVATE+KEY+fuzz.example/log+c1c19b6f+" \
		 "Aayknwx5VRTBjNV1N95CmIV0STlo6Op19TmyocKBqkel"
#define LOG_VKEY "fuzz.example/log+c1c19b6f+" \
		 "AUVz3Nb1l0dAhrPYwomLnrkh6fahOF5IVnGM2oyI+A9P"
#define WITNESS_VKEY "fuzz-witness+3b0f7ca9+" \
		     "BM7fBDKIqU6OykVhKlec8JAMa0c2ahDUkoIrDZgIvjOx"

static struct server srv;
static int ready;
static char dir[] = "/tmp/fuzz_cosignature.XXXXXX";

/* The thread's reader (http_reader) stays open; its files go anyway. */
static void cleanup(void)
{
	char f[CONFIG_PATH_MAX + 8];

	unlink(srv.cfg.db);
	snprintf(f, sizeof f, "%s-wal", srv.cfg.db);
	unlink(f);
	snprintf(f, sizeof f, "%s-shm", srv.cfg.db);
	unlink(f);
	rmdir(dir);
}

static void setup(void)
{
	elog_signer s;
	elog_store *w = NULL;
	elog_commit c = {0};

	if (!mkdtemp(dir))
		__builtin_trap();
	atexit(cleanup);
	snprintf(srv.cfg.db, sizeof srv.cfg.db, "%s/f.db", dir);
	srv.cfg.sync = ELOG_SYNC_NORMAL;
	if (elog_signer_parse(LOG_SKEY, &s, NULL) ||
	    elog_store_create(srv.cfg.db, "fuzz.example/log", LOG_VKEY,
			      NULL) ||
	    elog_store_open(srv.cfg.db, ELOG_STORE_WRITE, ELOG_SYNC_NORMAL,
			    &w, NULL) ||
	    elog_keyring_add(w, ELOG_KEYRING_WITNESS, "fuzz-witness",
			     WITNESS_VKEY, NULL) ||
	    elog_store_begin(w, NULL) ||
	    elog_store_commit(w, &s, 1700000000000, &c, NULL))
		__builtin_trap();
	elog_commit_free(&c);
	elog_store_close(w);
	elog_signer_wipe(&s);
	ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request rq;
	elog_err_t err;
	uint64_t sz = 99;
	int rc;

	if (!ready)
		setup();
	memset(&rq, 0, sizeof rq);
	rq.srv = &srv;
	rq.body = malloc(size + 1);
	if (!rq.body)
		return 0;
	memcpy(rq.body, data, size);
	rq.body[size] = '\0';
	rq.len = size;
	rc = cosignature_check(&rq, &sz, &err);
	if (rc == 0 && (sz != 0 || !strstr(rq.body, "\n\xe2\x80\x94 fuzz-witness ")))
		__builtin_trap();
	if (rc > 0)
		__builtin_trap();
	free(rq.body);
	return 0;
}
