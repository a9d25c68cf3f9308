/*
 * witness.c — envelog witness serve: a C2SP tlog-witness
 * (https://c2sp.org/tlog-witness) for the logs given by their keys, with
 * its own cosignature/v1 key and its own small state file.
 */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "cli.h"
#include "statefile.h"
#include "witness.h"

struct wsrv {
	elog_signer key;
	elog_witness_log logs[ELOG_WITNESS_MAX_LOGS];
	size_t nlogs;
	const char *state;
	pthread_mutex_t mu;
};

struct body {
	char buf[ELOG_WITNESS_MAX_BODY + 1];
	size_t len;
	int too_long;
};

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status,
			      const char *type, const char *text, size_t len)
{
	struct MHD_Response
		*r = MHD_create_response_from_buffer(len, (void *)text,
						     MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Check, store the new state, then answer (under the lock: C2SP wants the
 * check and the update atomic). */
static enum MHD_Result add_checkpoint(struct wsrv *w, struct MHD_Connection *c,
				      const struct body *b)
{
	char line[512], msg[300], *text = NULL;
	elog_witness_log next[ELOG_WITNESS_MAX_LOGS];
	elog_err_t err;
	elog_hash root;
	uint64_t size = 0;
	size_t log = 0, tlen = 0;
	enum MHD_Result ret;
	int rc;

	elog_err_clear(&err);
	pthread_mutex_lock(&w->mu);
	rc = elog_witness_check(b->buf, b->len, w->logs, w->nlogs, &w->key,
				(uint64_t)time(NULL), line, sizeof line, &log,
				&size, &root, &err);
	if (rc == 0) {
		memcpy(next, w->logs, sizeof next);
		next[log].size = size;
		next[log].root = root;
		rc = elog_witness_state_format(next, w->nlogs, &text, &tlen,
					       &err);
		if (rc == 0)
			rc = elog_file_replace(w->state, text, tlen, 0600,
					       &err);
		free(text);
		if (rc == 0)
			memcpy(w->logs, next, sizeof next);
	}
	pthread_mutex_unlock(&w->mu);
	if (rc == 0) {
		fprintf(stderr, "envelog witness: cosigned %s at size %llu\n",
			w->logs[log].key.name, (unsigned long long)size);
		return answer(c, 200, "text/plain; charset=utf-8", line,
			      strlen(line));
	}
	if (err.code == ELOG_CONFLICT) {
		int k = snprintf(msg, sizeof msg, "%llu\n",
				 (unsigned long long)size);
		fprintf(stderr, "envelog witness: refused (409): %s\n",
			err.msg);
		return answer(c, 409, "text/x.tlog.size", msg, (size_t)k);
	}
	fprintf(stderr, "envelog witness: refused (%d): %s\n",
		elog_code_http(err.code), err.msg);
	{
		int k = snprintf(msg, sizeof msg, "%s\n", err.msg);
		ret = answer(c, (unsigned)elog_code_http(err.code),
			     "text/plain; charset=utf-8", msg,
			     k > 0 && (size_t)k < sizeof msg ? (size_t)k
							     : strlen(msg));
	}
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *data,
			      size_t *size, void **ctx)
{
	struct wsrv *w = cls;
	struct body *b = *ctx;

	(void)version;
	if (strcmp(url, "/add-checkpoint") != 0)
		return answer(c, 404, "text/plain; charset=utf-8",
			      "not found\n", 10);
	if (strcmp(method, "POST") != 0)
		return answer(c, 405, "text/plain; charset=utf-8",
			      "POST only\n", 10);
	if (!b) {
		if (!(b = calloc(1, sizeof *b)))
			return MHD_NO;
		*ctx = b;
		return MHD_YES;
	}
	if (*size) {
		if (b->len + *size > ELOG_WITNESS_MAX_BODY)
			b->too_long = 1;
		else {
			memcpy(b->buf + b->len, data, *size);
			b->len += *size;
		}
		*size = 0;
		return MHD_YES;
	}
	if (b->too_long)
		return answer(c, 413, "text/plain; charset=utf-8",
			      "body too long\n", 14);
	b->buf[b->len] = '\0';
	return add_checkpoint(w, c, b);
}

static void done(void *cls, struct MHD_Connection *c, void **ctx,
		 enum MHD_RequestTerminationCode code)
{
	(void)cls;
	(void)c;
	(void)code;
	free(*ctx);
	*ctx = NULL;
}

int cmd_witness_serve(int argc, char **argv)
{
	const char *keyf = NULL, *state = NULL, *listen = "127.0.0.1:8090";
	const char *vkeys[ELOG_WITNESS_MAX_LOGS];
	size_t nv = 0;
	const cli_opt opts[] = {
		{.name = "key", .value = &keyf},
		{.name = "state", .value = &state},
		{.name = "listen", .value = &listen},
		{.name = "log",
		 .list = vkeys,
		 .count = &nv,
		 .max = ELOG_WITNESS_MAX_LOGS},
		{.name = NULL},
	};
	static struct wsrv w;
	struct MHD_Daemon *d = NULL;
	struct addrinfo hints, *ai = NULL;
	char host[256], *text = NULL;
	const char *colon;
	elog_err_t err;
	sigset_t set;
	size_t len = 0;
	int first, rc, sig;

	elog_err_clear(&err);
	if ((rc = cli_options(argc, argv, opts, "witness serve", &first)) >= 0)
		return rc;
	if (first != argc || !keyf || !state || nv == 0)
		return cli_usage("witness serve", 1);
	memset(&w, 0, sizeof w);
	pthread_mutex_init(&w.mu, NULL);
	w.state = state;
	if (cli_load_signer(keyf, &w.key, &err))
		return cli_fail("witness serve", &err);
	rc = CLI_USAGE;
	if (w.key.alg != ELOG_ALG_COSIGNATURE_V1) {
		fprintf(stderr,
			"envelog: witness serve: %s is not a witness "
			"key (make one with `envelog witness "
			"keygen`)\n",
			keyf);
		goto out;
	}
	for (size_t i = 0; i < nv; i++) {
		if (elog_verifier_parse(vkeys[i], &w.logs[i].key, &err)) {
			cli_fail("witness serve: --log", &err);
			goto out;
		}
	}
	w.nlogs = nv;
	if (access(state, F_OK) == 0) {
		if (cli_read_file(state, 1 << 20, &text, &len, &err) ||
		    elog_witness_state_parse(text, len, w.logs, w.nlogs,
					     &err)) {
			cli_fail("witness serve: --state", &err);
			goto out;
		}
	}
	colon = strrchr(listen, ':');
	if (!colon || (size_t)(colon - listen) >= sizeof host) {
		fprintf(stderr, "envelog: witness serve: --listen HOST:PORT\n");
		goto out;
	}
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0 || !ai) {
		fprintf(stderr,
			"envelog: witness serve: --listen %s: not an "
			"IPv4 HOST:PORT\n",
			listen);
		goto out;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
			     handle, &w, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
			     MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
			     MHD_OPTION_CONNECTION_TIMEOUT, 30u,
			     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr,
			"envelog: witness serve: cannot listen on "
			"%s\n",
			listen);
		goto out;
	}
	fprintf(stderr, "envelog witness: %s listening on %s for %zu log(s)\n",
		w.key.name, listen, w.nlogs);
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	rc = CLI_OK;
out:
	if (ai)
		freeaddrinfo(ai);
	free(text);
	elog_signer_wipe(&w.key);
	return rc;
}
