/*
 * http.c — libmicrohttpd glue: request state, routing, roles, body limits,
 * replies, the access log and the per-thread read connections.
 */
#include "http.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "handlers.h"
#include "log.h"
#include "metrics.h"
#include "param.h"
#include "rfc3339.h"

static atomic_uint_fast64_t in_flight;

uint64_t http_in_flight(void)
{
	return atomic_load(&in_flight);
}

/* ---- the per-thread read connection ---- */

static pthread_key_t reader_key, standby_key;
static pthread_once_t reader_once = PTHREAD_ONCE_INIT;
static int reader_key_ok;

static void reader_close(void *p)
{
	elog_store_close(p);
}

static void reader_key_init(void)
{
	reader_key_ok = pthread_key_create(&reader_key, reader_close) == 0 &&
			pthread_key_create(&standby_key, reader_close) == 0;
}

/* Readers map the database: proofs are random point reads. */
#define READER_MAP_BYTES ((int64_t)1 << 30)

/* The calling thread's read connection was dropped (it lost its
 * database): the next one opened is a reconnection, and counted. */
static _Thread_local int reader_dropped;

/* Close the calling thread's connection to the --read-db standby. */
static void standby_drop(void)
{
	elog_store *s = pthread_getspecific(standby_key);

	if (!s)
		return;
	pthread_setspecific(standby_key, NULL);
	elog_store_close(s);
}

void http_reader_drop(void)
{
	elog_store *s;

	pthread_once(&reader_once, reader_key_init);
	if (!reader_key_ok)
		return;
	/* A read answered DB_UNAVAILABLE may have been the standby's. */
	standby_drop();
	if (!(s = pthread_getspecific(reader_key)))
		return;
	pthread_setspecific(reader_key, NULL);
	elog_store_close(s);
	reader_dropped = 1;
}

int http_reader(struct server *srv, elog_store **out, elog_err_t *err)
{
	elog_store *s;
	int rc;

	pthread_once(&reader_once, reader_key_init);
	if (!reader_key_ok)
		return elog_fail(err, ELOG_INTERNAL, -1, NULL,
				 "no thread-local storage");
	s = pthread_getspecific(reader_key);
	if (!s) {
		rc = elog_store_open(srv->cfg.db, ELOG_STORE_READ,
				     srv->cfg.sync, &s, err);
		if (rc == 0)
			rc = elog_store_map(s, READER_MAP_BYTES, err);
		/* A PostgreSQL server that cannot be reached (a failover
		 * under way) is DB_UNAVAILABLE: answered 503. */
		if (rc) {
			elog_store_close(s);
			return rc;
		}
		if (pthread_setspecific(reader_key, s) != 0) {
			elog_store_close(s);
			return elog_fail(err, ELOG_INTERNAL, -1, NULL,
					 "no thread-local storage");
		}
		if (reader_dropped) {
			reader_dropped = 0;
			metrics_reconnect(0);
			log_event(LEVEL_INFO, NULL,
				  "a reader reconnected to the database");
		}
	}
	*out = s;
	return 0;
}

/* After the standby could not be reached or read, the calling thread
 * reads from the primary for STANDBY_RETRY_S before it tries again: a
 * standby that is down costs one failed connection a second per thread,
 * not one per request. */
#define STANDBY_RETRY_S 1.0
static _Thread_local double standby_retry_at;

static double mono_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Whether the standby s holds this log: the primary's origin and verifier
 * key, and the primary's root at the size the standby has.  0, or -1
 * (logged): a standby of another log, or of a fork, answers nothing.
 */
static int standby_same_log(struct server *srv, elog_store *s)
{
	elog_store *p;
	elog_hash a, b;
	uint64_t have;
	elog_err_t err;

	elog_err_clear(&err);
	if (http_reader(srv, &p, &err) != 0)
		goto unread;
	if (strcmp(elog_store_origin(s), elog_store_origin(p)) != 0 ||
	    strcmp(elog_store_vkey(s), elog_store_vkey(p)) != 0) {
		log_event(LEVEL_ERROR, NULL,
			  "the read standby holds another log (its origin or "
			  "key differs): reading from the primary");
		return -1;
	}
	if (elog_store_size(s, &have, &err) != 0)
		goto unread;
	if (have > writer_committed(srv->writer))
		have = writer_committed(srv->writer);
	if (elog_store_root(s, have, &a, &err) != 0 ||
	    elog_store_root(p, have, &b, &err) != 0)
		goto unread;
	if (memcmp(a.b, b.b, sizeof a.b) != 0) {
		log_event(LEVEL_ERROR, NULL,
			  "the read standby's tree differs from the primary's "
			  "at size %llu: reading from the primary",
			  (unsigned long long)have);
		return -1;
	}
	return 0;
unread:
	log_event(LEVEL_WARN, NULL,
		  "the read standby cannot be checked against the primary, "
		  "reading from the primary: %s",
		  err.msg);
	return -1;
}

/*
 * The calling thread's connection to the --read-db standby and the size of
 * the log it has replayed, into *out and *have: 0, or -1 (none set, it
 * cannot be reached or read, or it was tried less than STANDBY_RETRY_S
 * ago).  The size is the standby's count of entries (elog_store_size):
 * every entry, tree hash and checkpoint of the log up to it is there, the
 * same as on the primary (the standby replays the primary's transactions,
 * each a group commit with its tree hashes and checkpoint).
 */
static int standby_reader(struct server *srv, elog_store **out, uint64_t *have)
{
	elog_store *s = pthread_getspecific(standby_key);
	elog_err_t err;

	if (!s && mono_seconds() < standby_retry_at)
		return -1;
	elog_err_clear(&err);
	if (!s) {
		if (elog_store_open(srv->cfg.read_db, ELOG_STORE_READ,
				    srv->cfg.sync, &s, &err) != 0 ||
		    pthread_setspecific(standby_key, s) != 0) {
			elog_store_close(s);
			log_event(LEVEL_WARN, NULL,
				  "the read standby cannot be opened, reading "
				  "from the primary: %s",
				  err.msg);
			standby_retry_at = mono_seconds() + STANDBY_RETRY_S;
			return -1;
		}
		if (standby_same_log(srv, s) != 0) {
			standby_drop();
			standby_retry_at = mono_seconds() + STANDBY_RETRY_S;
			return -1;
		}
		log_event(LEVEL_INFO, NULL, "a reader opened the read standby");
	}
	if (elog_store_size(s, have, &err) != 0) {
		log_event(LEVEL_WARN, NULL,
			  "the read standby cannot be read, reading from the "
			  "primary: %s",
			  err.msg);
		standby_drop();
		standby_retry_at = mono_seconds() + STANDBY_RETRY_S;
		return -1;
	}
	*out = s;
	return 0;
}

int http_standby(struct server *srv, elog_store **out, uint64_t *have)
{
	uint64_t top = writer_committed(srv->writer);

	pthread_once(&reader_once, reader_key_init);
	if (!srv->cfg.read_db[0] || !reader_key_ok ||
	    standby_reader(srv, out, have) != 0)
		return -1;
	/* Only what the primary confirmed: an asynchronous standby may
	 * replay a commit the writer never acknowledged. */
	if (*have > top)
		*have = top;
	return 0;
}

int http_reader_at(struct server *srv, uint64_t need, elog_store **out,
		   uint64_t *size, elog_err_t *err)
{
	uint64_t have;
	int rc;

	if (srv->cfg.read_db[0]) {
		if (http_standby(srv, out, &have) == 0 && need <= have) {
			metrics_read_db(1);
			if (size)
				*size = have;
			return 0;
		}
		metrics_read_db(0);
	}
	rc = http_reader(srv, out, err);
	if (rc == 0 && size)
		rc = elog_store_size(*out, size, err);
	return rc;
}

/* ---- replies ---- */

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* A request id: 16 random hex digits, also sent as X-Request-Id so that a
 * client's report can be found in the log. */
static void new_request_id(char id[HTTP_REQUEST_ID_LEN + 1])
{
	unsigned char r[HTTP_REQUEST_ID_LEN / 2];

	randombytes_buf(r, sizeof r);
	sodium_bin2hex(id, HTTP_REQUEST_ID_LEN + 1, r, sizeof r);
}

enum MHD_Result reply(struct request *rq, unsigned status,
		      struct MHD_Response *resp, uint64_t bytes)
{
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Request-Id", rq->id);
	if (rq->cors != CORS_NONE)
		MHD_add_response_header(resp, "Access-Control-Allow-Origin",
					"*");
	if (rq->srv->stopping)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION,
					"close");
	rq->status = status;
	rq->bytes = bytes;
	ret = MHD_queue_response(rq->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static struct MHD_Response *buffer_response(const char *content_type,
					    char *body, size_t len)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(len, body,
					       MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return NULL;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				content_type);
	return resp;
}

/* The one error body (see reply_error); NULL when out of memory. */
static struct MHD_Response *error_response(int code, json_t *detail,
					   const char *message, size_t *len)
{
	json_t *v;
	char *body;

	if (code < 0)
		code = -code;
	if (!message || !*message)
		message = elog_code_name(code);
	v = json_pack("{s:{s:s,s:s,s:o}}", "error", "code",
		      elog_code_name(code), "message", message, "detail",
		      detail ? detail : json_object());
	if (!v)
		return NULL;
	body = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	if (!body)
		return NULL;
	*len = strlen(body);
	return buffer_response("application/json", body, *len);
}

enum MHD_Result reply_error(struct request *rq, int code, long index,
			    const char *field, const char *message)
{
	json_t *detail = json_object();

	if (detail && index >= 0)
		json_object_set_new(detail, "index", json_integer(index));
	if (detail && field && *field)
		json_object_set_new(detail, "field", json_string(field));
	return reply_error_detail(rq, code, message, detail);
}

enum MHD_Result reply_error_detail(struct request *rq, int code,
				   const char *message, json_t *detail)
{
	struct MHD_Response *resp;
	const char *ra = NULL;
	size_t len = 0;

	if (code < 0)
		code = -code;
	resp = error_response(code, detail, message, &len);
	if (!resp)
		return MHD_NO;
	if (code == ELOG_QUEUE_FULL || code == ELOG_DB_UNAVAILABLE)
		ra = "1";
	else if (code == ELOG_SHUTTING_DOWN)
		ra = "5";
	else if (code == ELOG_MISSING_TOKEN || code == ELOG_UNKNOWN_TOKEN)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Bearer");
	if (ra)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	return reply(rq, (unsigned)elog_code_http(code), resp, len);
}

enum MHD_Result reply_err(struct request *rq, int rc, const elog_err_t *err)
{
	int code = err && err->code ? err->code : (rc < 0 ? -rc : rc);

	if (code == ELOG_OK)
		code = ELOG_INTERNAL;
	if (code == ELOG_DB_UNAVAILABLE) {
		/* The next request of this thread reconnects. */
		http_reader_drop();
		log_event(LEVEL_WARN, rq->id, "%s: %s", elog_code_name(code),
			  err ? err->msg : "");
		return reply_error(rq, code, -1, NULL,
				   "the database is unreachable; retry (a "
				   "batch with the same Idempotency-Key)");
	}
	/* Internal failures keep their sentence in our log, not the reply. */
	if (elog_code_http(code) >= 500 && code != ELOG_QUEUE_FULL &&
	    code != ELOG_SHUTTING_DOWN) {
		log_event(LEVEL_ERROR, rq->id, "%s: %s", elog_code_name(code),
			  err ? err->msg : "");
		return reply_error(rq, code, -1, NULL,
				   "the server could not complete the request");
	}
	return reply_error(rq, code, err ? err->index : -1,
			   err ? err->field : NULL, err ? err->msg : NULL);
}

enum MHD_Result reply_json(struct request *rq, unsigned status, json_t *v)
{
	char *body;
	size_t len;

	if (!v)
		return reply_error(rq, ELOG_NOMEM, -1, NULL, NULL);
	body = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	if (!body)
		return reply_error(rq, ELOG_NOMEM, -1, NULL, NULL);
	len = strlen(body);
	return reply(rq, status,
		     buffer_response("application/json", body, len), len);
}

enum MHD_Result reply_text(struct request *rq, unsigned status,
			   const char *content_type, const char *text,
			   size_t len)
{
	char *copy = malloc(len ? len : 1);

	if (!copy)
		return reply_error(rq, ELOG_NOMEM, -1, NULL, NULL);
	memcpy(copy, text, len);
	return reply(rq, status, buffer_response(content_type, copy, len), len);
}

int query_uint(struct request *rq, const char *name, uint64_t *out,
	       elog_err_t *err)
{
	const char *v;
	int rc;

	v = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
	if (!v || !*v)
		return elog_fail(err, ELOG_MISSING_PARAMETER, -1, name,
				 "the query parameter %s is missing", name);
	rc = elog_param_uint(v, (uint64_t)INT64_MAX, out);
	if (rc == -1)
		return elog_fail(err, ELOG_INVALID_PARAMETER, -1, name,
				 "the query parameter %s must be a "
				 "non-negative decimal integer",
				 name);
	if (rc == -2)
		return elog_fail(err, ELOG_PARAMETER_OUT_OF_RANGE, -1, name,
				 "the query parameter %s is too large", name);
	return 0;
}

/* ---- routing ---- */

static int method_of(const char *m)
{
	if (!strcmp(m, "GET"))
		return M_GET;
	if (!strcmp(m, "HEAD"))
		return M_HEAD;
	if (!strcmp(m, "POST"))
		return M_POST;
	if (!strcmp(m, "PUT"))
		return M_PUT;
	if (!strcmp(m, "DELETE"))
		return M_DELETE;
	return M_OTHER;
}

/* A row's path matches url exactly, or, when it ends with '/', is a
 * prefix of it. */
static int route_matches(const char *path, const char *url)
{
	size_t n = strlen(path);

	if (n && path[n - 1] == '/')
		return strncmp(path, url, n) == 0;
	return strcmp(path, url) == 0;
}

static int method_matches(int row, int m)
{
	return row == m || (row == M_GET && m == M_HEAD);
}

/* Copy s into dst (cap bytes) with anything but printable ASCII replaced,
 * so that a log line stays one line. */
static void clean_copy(char *dst, size_t cap, const char *s)
{
	size_t i;

	for (i = 0; s && s[i] && i + 1 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		dst[i] = (c > 0x20 && c < 0x7f && c != '"') ? (char)c : '?';
	}
	dst[i < cap ? i : cap - 1] = '\0';
}

static enum MHD_Result method_not_allowed(struct request *rq, const char *allow)
{
	struct MHD_Response *resp;
	size_t len = 0;

	resp = error_response(ELOG_METHOD_NOT_ALLOWED, json_object(),
			      "this method is not allowed here", &len);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	return reply(rq, 405, resp, len);
}

int http_bearer(const char *h, const char **tok, size_t *len)
{
	const char *t;
	size_t n;

	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return ELOG_MISSING_TOKEN;
	t = h + 7;
	while (*t == ' ')
		t++;
	n = strlen(t);
	while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
		n--;
	if (n == 0)
		return ELOG_MISSING_TOKEN;
	if (n >= ELOG_TOKEN_TEXT_MAX)
		return ELOG_UNKNOWN_TOKEN;
	*tok = t;
	*len = n;
	return 0;
}

/* Check the bearer token for rq->route->role.  0 when allowed; otherwise an
 * error reply was queued (or failed) and *ret holds its outcome. */
static int authorize(struct request *rq, enum MHD_Result *ret)
{
	const char *h, *tok = NULL;
	size_t len = 0;
	elog_store *s;
	elog_err_t err;
	int rc;

	elog_err_clear(&err);
	h = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
					MHD_HTTP_HEADER_AUTHORIZATION);
	rc = http_bearer(h, &tok, &len);
	if (rc == ELOG_MISSING_TOKEN) {
		*ret = reply_error(rq, ELOG_MISSING_TOKEN, -1, NULL,
				   h && !strncasecmp(h, "Bearer ", 7)
					   ? "the bearer token is empty"
					   : "this endpoint needs an "
					     "\"Authorization: Bearer\" token");
		return -1;
	}
	if (rc) {
		*ret = reply_error(rq, ELOG_UNKNOWN_TOKEN, -1, NULL,
				   "the token is not known");
		return -1;
	}
	rc = http_reader(rq->srv, &s, &err);
	if (rc == 0)
		rc = elog_token_check(s, tok, len, &rq->token, &err);
	if (rc) {
		if (err.code == ELOG_UNKNOWN_TOKEN || -rc == ELOG_UNKNOWN_TOKEN)
			*ret = reply_error(rq, ELOG_UNKNOWN_TOKEN, -1, NULL,
					   "the token is not known");
		else
			*ret = reply_err(rq, rc, &err);
		return -1;
	}
	if (rq->token.role != rq->route->role) {
		*ret = reply_error(rq, ELOG_WRONG_ROLE, -1, NULL,
				   "this token's role may not use this "
				   "endpoint");
		return -1;
	}
	return 0;
}

int http_content_type_match(const char *h, const char *const *types,
			    const char **match)
{
	const char *semi, *p;
	size_t n, i;

	if (!h)
		return 0;
	while (*h == ' ' || *h == '\t')
		h++;
	semi = strchr(h, ';');
	n = semi ? (size_t)(semi - h) : strlen(h);
	while (n && (h[n - 1] == ' ' || h[n - 1] == '\t'))
		n--;
	for (i = 0; types[i]; i++)
		if (strlen(types[i]) == n && !strncasecmp(h, types[i], n))
			break;
	if (!types[i])
		return 0;
	/* parameters: only a utf-8 charset is allowed among charsets */
	for (p = semi; p && *p == ';'; p = strchr(p + 1, ';')) {
		const char *q = p + 1, *end;
		while (*q == ' ' || *q == '\t')
			q++;
		if (strncasecmp(q, "charset=", 8) != 0)
			continue;
		q += 8;
		if (*q == '"')
			q++;
		end = q;
		while (*end && *end != ';' && *end != '"' && *end != ' ')
			end++;
		if (!((end - q == 5 && !strncasecmp(q, "utf-8", 5)) ||
		      (end - q == 4 && !strncasecmp(q, "utf8", 4))))
			return 0;
	}
	*match = types[i];
	return 1;
}

/* 1 if the Content-Type header names one of types; sets rq->ctype. */
static int content_type_ok(struct request *rq, const char *const *types)
{
	return http_content_type_match(
		MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
					    MHD_HTTP_HEADER_CONTENT_TYPE),
		types, &rq->ctype);
}

/* Iterator: stop at the first query argument whose name or value holds a
 * NUL (percent-encoded %00), keeping its name. */
static enum MHD_Result arg_without_nul(void *cls, enum MHD_ValueKind kind,
				       const char *key, size_t key_size,
				       const char *value, size_t value_size)
{
	const char **bad = cls;

	(void)kind;
	if ((key && memchr(key, '\0', key_size)) ||
	    (value && memchr(value, '\0', value_size))) {
		*bad = key;
		return MHD_NO;
	}
	return MHD_YES;
}

/* A CORS preflight (OPTIONS) for a path other origins may read: 204 with
 * the methods and, for the auditor's reads, the Authorization header;
 * reply() adds Access-Control-Allow-Origin. */
static enum MHD_Result preflight(struct request *rq)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Access-Control-Allow-Methods",
				"GET, HEAD");
	if (rq->cors == CORS_READ_AUTH)
		MHD_add_response_header(resp, "Access-Control-Allow-Headers",
					"Authorization");
	MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
	return reply(rq, 204, resp, 0);
}

/* The first callback of a request: route, role, headers.  Returns with a
 * reply queued, or MHD_YES to receive the body. */
static enum MHD_Result begin(struct request *rq, const char *url)
{
	const struct route *r = NULL;
	char allow[64] = "";
	size_t i, alen = 0;
	enum MHD_Result ret;
	const char *cl, *nul = NULL;
	uint64_t clen;

	/* A NUL in a query argument would cut its value short ("1%00abc"
	 * read as 1): refused before anything reads one. */
	MHD_get_connection_values_n(rq->conn, MHD_GET_ARGUMENT_KIND,
				    arg_without_nul, &nul);
	if (nul)
		return reply_error(rq, ELOG_INVALID_PARAMETER, -1, nul,
				   "a query parameter holds a NUL byte");
	for (i = 0; i < nroutes; i++) {
		if (!route_matches(routes[i].path, url))
			continue;
		if (routes[i].cors > rq->cors)
			rq->cors = routes[i].cors;
		if (method_matches(routes[i].method, rq->method)) {
			r = &routes[i];
			break;
		}
		{
			const char *m = routes[i].method == M_GET ? "GET, HEAD"
					: routes[i].method == M_POST ? "POST"
								     : "PUT";
			int k = snprintf(allow + alen, sizeof allow - alen,
					 "%s%s", alen ? ", " : "", m);
			if (k > 0 && (size_t)k < sizeof allow - alen)
				alen += (size_t)k;
		}
	}
	if (!r && alen && rq->cors != CORS_NONE &&
	    !strcmp(rq->method_name, "OPTIONS")) {
		rq->slot = ROUTE_UNMATCHED;
		return preflight(rq);
	}
	if (!r && alen) {
		rq->slot = ROUTE_UNMATCHED;
		return method_not_allowed(rq, allow);
	}
	if (!r) {
		if (!strncmp(url, "/v1/", 4) || !strcmp(url, "/v1") ||
		    !strncmp(url, TLOG_PREFIX, strlen(TLOG_PREFIX))) {
			rq->slot = ROUTE_UNMATCHED;
			return reply_error(rq, ELOG_NOT_FOUND, -1, NULL,
					   "no such endpoint");
		}
		rq->slot = ROUTE_STATIC;
		if (rq->method != M_GET && rq->method != M_HEAD)
			return method_not_allowed(rq, "GET, HEAD");
		return handle_static(rq);
	}
	rq->route = r;
	rq->slot = (size_t)(r - routes);
	if (r->role != ELOG_ROLE_NONE && authorize(rq, &ret) != 0) {
		if (r->role == ELOG_ROLE_AUTHORITY)
			metrics_lawful("unauthenticated");
		return ret;
	}
	if (!r->types)
		return r->handler(rq);
	if (!content_type_ok(rq, r->types))
		return reply_error(rq, ELOG_UNSUPPORTED_MEDIA_TYPE, -1, NULL,
				   "unsupported Content-Type");
	cl = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
					 MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && elog_param_uint(cl, UINT64_MAX, &clen) == 0 &&
	    clen > rq->srv->cfg.max_body)
		return reply_error(rq, ELOG_BODY_TOO_LARGE, -1, NULL,
				   "the request body is too large");
	return MHD_YES;
}

void http_absorb(struct request *rq, const char *data, size_t n)
{
	size_t max = (size_t)rq->srv->cfg.max_body;

	if (rq->too_large)
		return;
	if (n > max - rq->len) {
		rq->too_large = 1;
		free(rq->body);
		rq->body = NULL;
		rq->len = rq->cap = 0;
		return;
	}
	if (rq->len + n > rq->cap) {
		size_t ncap = rq->cap ? rq->cap : 16384;
		char *nb;
		while (ncap < rq->len + n)
			ncap = ncap > max / 2 ? max : ncap * 2;
		nb = realloc(rq->body, ncap + 1);
		if (!nb) {
			rq->too_large = 1; /* answered as too large */
			free(rq->body);
			rq->body = NULL;
			rq->len = rq->cap = 0;
			return;
		}
		rq->body = nb;
		rq->cap = ncap;
	}
	memcpy(rq->body + rq->len, data, n);
	rq->len += n;
	rq->body[rq->len] = '\0';
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct server *srv = cls;
	struct request *rq = *con_cls;

	(void)version;
	if (!rq) {
		rq = calloc(1, sizeof *rq);
		if (!rq)
			return MHD_NO;
		rq->srv = srv;
		rq->conn = conn;
		rq->start_us = now_us();
		new_request_id(rq->id);
		rq->method = method_of(method);
		rq->slot = ROUTE_UNMATCHED;
		rq->url = url;
		clean_copy(rq->method_name, sizeof rq->method_name, method);
		clean_copy(rq->path, sizeof rq->path, url);
		*con_cls = rq;
		atomic_fetch_add(&in_flight, 1);
		/* A reply queued in this first callback makes libmicrohttpd
		 * close the connection after it; requests without a body are
		 * routed on the next call, so keep-alive and pipelining work. */
		if (rq->method == M_GET || rq->method == M_HEAD)
			return MHD_YES;
		rq->begun = 1;
		return begin(rq, url);
	}
	if (!rq->begun) {
		if (*upload_data_size) { /* a GET with a body: drop it */
			*upload_data_size = 0;
			return MHD_YES;
		}
		rq->begun = 1;
		return begin(rq, url);
	}
	/* Time per request is bounded: a body still arriving after
	 * --request-timeout seconds (however slowly it trickles) ends the
	 * connection. */
	if (*upload_data_size &&
	    now_us() - rq->start_us > srv->cfg.request_timeout * 1000000u)
		return MHD_NO;
	if (rq->route && rq->route->types && !rq->body_done) {
		if (*upload_data_size) {
			http_absorb(rq, upload_data, *upload_data_size);
			*upload_data_size = 0;
			return MHD_YES;
		}
		rq->body_done = 1;
		if (rq->too_large)
			return reply_error(rq, ELOG_BODY_TOO_LARGE, -1, NULL,
					   "the request body is too large");
	}
	if (*upload_data_size) { /* a body nobody asked for: drop it */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!rq->route) /* a reply was queued in begin() */
		return MHD_YES;
	return rq->route->handler(rq);
}

/*
 * The request log: one logfmt line per request on stderr (see
 * docs/OPERATIONS.md): time, level, request id, method, route pattern (never
 * the path's values or the query), status, bytes, duration, and for a route
 * that needs a token its role and label.  Never a token, an identifier or
 * a warrant's subject: none of them is in these fields.
 */
static void log_request(const struct request *rq, double seconds)
{
	char line[LOG_LINE_MAX], num[32];
	const char *route = rq->route		       ? rq->route->path
			    : rq->slot == ROUTE_STATIC ? "static"
						       : "unmatched";
	size_t n;

	n = log_begin(line, sizeof line,
		      rq->status >= 500	  ? LEVEL_ERROR
		      : rq->status >= 400 ? LEVEL_WARN
					  : LEVEL_INFO);
	log_field(line, sizeof line, &n, "msg", "request");
	log_field(line, sizeof line, &n, "id", rq->id);
	log_field(line, sizeof line, &n, "method", rq->method_name);
	log_field(line, sizeof line, &n, "route", route);
	snprintf(num, sizeof num, "%u", rq->status);
	log_field(line, sizeof line, &n, "status", num);
	snprintf(num, sizeof num, "%llu", (unsigned long long)rq->bytes);
	log_field(line, sizeof line, &n, "bytes", num);
	snprintf(num, sizeof num, "%.6f", seconds);
	log_field(line, sizeof line, &n, "duration_s", num);
	log_field(line, sizeof line, &n, "role",
		  rq->token.role != ELOG_ROLE_NONE
			  ? elog_role_name(rq->token.role)
			  : "public");
	if (rq->token.role != ELOG_ROLE_NONE)
		log_field(line, sizeof line, &n, "token",
			  rq->token.label[0] ? rq->token.label : "-");
	log_write(line, sizeof line, n);
}

static void on_completed(void *cls, struct MHD_Connection *conn,
			 void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;
	double seconds;

	(void)cls;
	(void)conn;
	(void)toe;
	if (!rq)
		return;
	*con_cls = NULL;
	seconds = (double)(now_us() - rq->start_us) / 1e6;
	if (rq->status)
		metrics_request(rq->slot, rq->status, seconds);
	log_request(rq, seconds);
	if (rq->state_free && rq->state)
		rq->state_free(rq->state);
	free(rq->body);
	free(rq);
	atomic_fetch_sub(&in_flight, 1);
}

struct MHD_Daemon *http_start(struct server *srv, int fd, elog_err_t *err)
{
	struct MHD_OptionItem opts[16];
	struct MHD_Daemon *d;
	unsigned flags;
	size_t n = 0;

	/* ITC: so that MHD_quiesce_daemon works with a thread pool (a
	 * SIGHUP reload and the shutdown). */
	flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
		MHD_USE_ERROR_LOG | MHD_USE_ITC;
	if (srv->tls_cert_pem)
		flags |= MHD_USE_TLS;
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET,
					    (intptr_t)fd, NULL};
	if (srv->cfg.threads > 1)
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE,
						    (intptr_t)srv->cfg.threads,
						    NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT,
					    (intptr_t)srv->cfg.max_connections,
					    NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT,
					    (intptr_t)srv->cfg.max_per_ip,
					    NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT,
					    (intptr_t)srv->cfg.timeout, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED,
					    (intptr_t)on_completed, NULL};
	if (srv->tls_cert_pem) {
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT,
						    0, srv->tls_cert_pem};
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY,
						    0, srv->tls_key_pem};
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES,
						    0,
						    (void *)HTTP_TLS_PRIORITIES};
	}
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
			     MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!d)
		elog_fail(err, ELOG_INTERNAL, -1, NULL,
			  "libmicrohttpd could not start (errno %d)", errno);
	return d;
}

/* Writer thread, after the commit or its failure: keep the outcome and
 * resume the connection. */
static void write_done(struct writer_job *job, int rc, const elog_err_t *err,
		       const elog_commit *c)
{
	struct write_request *wr = (struct write_request *)job;

	wr->rc = rc;
	if (rc == 0) {
		wr->size = c->size;
		wr->checkpoint = malloc(c->checkpoint_len + 1);
		if (wr->checkpoint) {
			memcpy(wr->checkpoint, c->checkpoint,
			       c->checkpoint_len);
			wr->checkpoint[c->checkpoint_len] = '\0';
		} else {
			wr->rc = elog_fail(&wr->err, ELOG_NOMEM, -1, NULL,
					   "out of memory");
		}
	} else if (err) {
		wr->err = *err;
	}
	MHD_resume_connection(wr->conn);
}

enum MHD_Result write_submit(struct request *rq, struct write_request *wr)
{
	int rc;

	wr->conn = rq->conn;
	wr->job.done = write_done;
	/* Suspend before the writer can resume us. */
	MHD_suspend_connection(rq->conn);
	rc = writer_submit(rq->srv->writer, &wr->job, &wr->err);
	if (rc) {
		wr->rc = rc;
		MHD_resume_connection(rq->conn);
	}
	return MHD_YES;
}

void write_request_clear(struct write_request *wr)
{
	free(wr->checkpoint);
	wr->checkpoint = NULL;
}
