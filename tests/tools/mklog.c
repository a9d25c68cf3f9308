/*
 * mklog — make a log for tests and benchmarks without a server:
 *   mklog DB N [BATCH]
 * creates DB (and DB's .key beside it) if missing, with origin
 * "test.example/log", then appends N generated events in batches of BATCH
 * (default 1000) and prints the new size.  Event i has sender
 * "+4470000" + (i % 1000), recipient "+4471000" + ((i * 7) % 1000),
 * ts 1700000000000 + i * 1000.  Each batch is committed, as far as the log
 * can tell (its checkpoint's time), at the ts of its last event, so that a
 * retention purge by commit time sees an old log.  DB may be a
 * PostgreSQL conninfo: its key file is then $MKLOG_KEY (required, and
 * ignored for a file), whose existence says whether the log does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "entry.h"
#include "note.h"
#include "rfc3339.h"
#include "store.h"

static int die(const char *what, const elog_err_t *e)
{
	fprintf(stderr, "mklog: %s: %s\n", what, e->msg);
	return 2;
}

int main(int argc, char **argv)
{
	elog_err_t err;
	elog_signer sk;
	elog_store *w = NULL;
	char keypath[4096], text[ELOG_KEY_TEXT_MAX];
	unsigned long n, batch = 1000;
	int pg;
	elog_ingest_rules rules = {.now_ms = 0,
				   .max_future_ms = 300000,
				   .max_events = ELOG_MAX_BATCH};

	elog_err_clear(&err);
	if (argc < 3)
		return fprintf(stderr, "usage: mklog DB N [BATCH]\n"), 2;
	n = strtoul(argv[2], NULL, 10);
	if (argc > 3)
		batch = strtoul(argv[3], NULL, 10);
	if (batch == 0 || batch > ELOG_MAX_BATCH)
		batch = 1000;
	/* A PostgreSQL log (a conninfo) has no file to lie beside: its key
	 * file is $MKLOG_KEY. */
	pg = elog_store_is_pg(argv[1]);
	if (pg && !getenv("MKLOG_KEY"))
		return fprintf(stderr, "mklog: a PostgreSQL DB needs "
				       "MKLOG_KEY\n"),
		       2;
	if (pg)
		snprintf(keypath, sizeof keypath, "%s", getenv("MKLOG_KEY"));
	else
		snprintf(keypath, sizeof keypath, "%.*s.key",
			 (int)strlen(argv[1]) - 3, argv[1]);
	if (access(pg ? keypath : argv[1], F_OK) != 0) {
		elog_verifier vk;
		FILE *f;
		if (elog_signer_generate("test.example/log", &sk, &err) ||
		    elog_signer_format(&sk, text, sizeof text, &err))
			return die("key", &err);
		{
			mode_t old = umask(077);
			f = fopen(keypath, "w");
			umask(old);
		}
		if (!f)
			return fprintf(stderr, "mklog: cannot write key\n"), 2;
		fprintf(f, "%s\n", text);
		fclose(f);
		elog_signer_public(&sk, &vk);
		elog_verifier_format(&vk, text, sizeof text, &err);
		if (elog_store_create(argv[1], "test.example/log", text, &err))
			return die("create", &err);
	} else {
		FILE *f = fopen(keypath, "r");
		if (!f || !fgets(text, sizeof text, f))
			return fprintf(stderr, "mklog: cannot read key\n"), 2;
		fclose(f);
		if (elog_signer_parse(text, &sk, &err))
			return die("key", &err);
	}
	if (elog_store_open(argv[1], ELOG_STORE_WRITE, ELOG_SYNC_NORMAL, &w,
			    &err))
		return die("open", &err);
	rules.now_ms = elog_now_ms();
	for (unsigned long done = 0; done < n || n == 0;) {
		unsigned long m = n - done < batch ? n - done : batch;
		elog_entry *es = calloc(m ? m : 1, sizeof *es);
		elog_commit c;
		for (unsigned long i = 0; i < m; i++) {
			unsigned long k = done + i;
			json_t *o = json_object();
			char s1[32], s2[32];
			snprintf(s1, sizeof s1, "+4470000%lu", k % 1000);
			snprintf(s2, sizeof s2, "+4471000%lu", (k * 7) % 1000);
			json_object_set_new(o, "ts",
					    json_integer(1700000000000LL +
							 (long long)k * 1000));
			json_object_set_new(o, "sender", json_string(s1));
			json_object_set_new(o, "recipient", json_string(s2));
			json_object_set_new(o, "type", json_string("message"));
			json_object_set_new(o, "size",
					    json_integer((json_int_t)(k * 37 %
								      100000)));
			if (elog_event_from_json(o, i, &rules, &es[i], &err))
				return die("event", &err);
			json_decref(o);
		}
		if (elog_store_append(w, es, m, &sk,
				      m ? es[m - 1].ts : elog_now_ms(), &c,
				      &err))
			return die("append", &err);
		elog_commit_free(&c);
		elog_entries_free(es, m);
		done += m;
		if (n == 0)
			break;
	}
	{
		uint64_t size;
		elog_store_size(w, &size, &err);
		printf("%llu\n", (unsigned long long)size);
	}
	elog_store_close(w);
	elog_signer_wipe(&sk);
	return 0;
}
