/*
 * http.h — the glue between libmicrohttpd and the handlers: the server
 * context, the per-request state, the route table's row type, and the
 * replies.  Every JSON error reply is built by reply_error().
 *
 * Handlers have three outcomes (enum MHD_Result): MHD_YES when a response
 * was queued or the connection was suspended to be resumed later, MHD_NO
 * when the connection must close.
 */
#ifndef ELOG_SERVER_HTTP_H
#define ELOG_SERVER_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>
#include <jansson.h>

#include "config.h"
#include "error.h"
#include "note.h"
#include "store.h"
#include "token.h"
#include "writer.h"

struct writer;

/* What the whole server shares; read-only once the daemon runs, apart from
 * the atomics. */
struct server {
	struct config cfg;
	char web_root[CONFIG_PATH_MAX]; /* realpath of cfg.web, "" if none */
	char vkey[ELOG_KEY_TEXT_MAX];	/* the log's verifier key text */
	elog_signer signer;
	struct writer *writer;
	struct shards *shards; /* a root's follower (shards.h), else NULL */
	char *tls_cert_pem;    /* NULL without TLS */
	char *tls_key_pem;
	volatile int stopping; /* set once shutdown began */
};

enum http_method {
	M_GET = 1,
	M_HEAD = 2,
	M_POST = 4,
	M_PUT = 8,
	M_DELETE = 16,
	M_OTHER = 32,
};

struct request;
typedef enum MHD_Result (*handler_fn)(struct request *rq);

/* One row of the route table (routes.c). */
/*
 * Cross-origin reads (CORS), so that a console served from elsewhere, or
 * from a file, can check the log: the answers carry
 * Access-Control-Allow-Origin: *, and a preflight OPTIONS is answered 204.
 * CORS_READ_AUTH also allows the Authorization header (the auditor's
 * bearer token; no cookies are ever involved, so * is safe).
 */
enum route_cors { CORS_NONE = 0, CORS_READ = 1, CORS_READ_AUTH = 2 };

struct route {
	const char *path;	  /* exact path; ending in '/': a prefix */
	int method;		  /* one enum http_method (GET implies HEAD) */
	int role;		  /* enum elog_role; ELOG_ROLE_NONE: public */
	const char *const *types; /* accepted body media types; NULL: no body */
	handler_fn handler;
	int cors; /* enum route_cors */
};

/* Where the C2SP tlog-tiles of the log are served (tlog.c). */
#define TLOG_PREFIX "/tlog/"

extern const struct route routes[];
extern const size_t nroutes;

/* Slots for metrics beyond the table rows. */
#define ROUTE_STATIC (nroutes)
#define ROUTE_UNMATCHED (nroutes + 1)

#define HTTP_REQUEST_ID_LEN 16

/* The state of one request, from its first callback to its completion. */
struct request {
	struct server *srv;
	struct MHD_Connection *conn;
	const struct route *route; /* NULL for static files and 404s */
	int cors;		   /* enum route_cors of the path's row */
	size_t slot;		   /* metrics slot */
	int method;
	const char *url;   /* decoded path, MHD's, valid until completion */
	const char *ctype; /* the body's media type, when it has one */
	elog_token_info token; /* when the route needs a role */
	/* the body, bounded by cfg.max_body */
	char *body;
	size_t len, cap;
	int too_large; /* stopped buffering; the rest discarded */
	int body_done;
	int begun; /* begin() ran: routed, role checked */
	/* the handler's own state, freed by state_free at completion */
	void *state;
	void (*state_free)(void *state);
	/* for the request log */
	char id[HTTP_REQUEST_ID_LEN + 1];
	char method_name[16];
	char path[256];
	unsigned status;
	uint64_t bytes;
	uint64_t start_us;
};

/*
 * The token of an Authorization header value h (NULL when absent):
 * "Bearer", any case, a space, then the token, spaces around it ignored.
 * 0 with *tok, *len set (not NUL-terminated); ELOG_MISSING_TOKEN without
 * "Bearer " or a token; ELOG_UNKNOWN_TOKEN when longer than any token.
 */
int http_bearer(const char *h, const char **tok, size_t *len);

/*
 * 1 if the Content-Type header value h (NULL when absent) names one of
 * types (a NULL-terminated list; parameters allowed; a charset only utf-8),
 * with *match set to the entry; else 0.
 */
int http_content_type_match(const char *h, const char *const *types,
			    const char **match);

/*
 * Append a chunk of the request body to rq->body (NUL-terminated), within
 * rq->srv->cfg.max_body; past it, drop what was kept and set rq->too_large
 * (also on allocation failure), discarding the rest.
 */
void http_absorb(struct request *rq, const char *data, size_t n);

/* The calling thread's read connection to the store, opened on first use
 * and closed when the thread exits; one that lost its database (a reply of
 * DB_UNAVAILABLE drops it: a failover) is opened again, and counted. */
int http_reader(struct server *srv, elog_store **out, elog_err_t *err);
/* Close the calling thread's read connections (it lost its database): the
 * thread's next http_reader opens a new one. */
void http_reader_drop(void);
/*
 * A read connection for a read of the log at size need (the tree size of a
 * proof, the end of a range of leaves, the size a tile or a checkpoint
 * needs), with the log's size there into *size (NULL: not wanted).  With
 * --read-db, the standby's when it has replayed need and the primary's
 * writer confirmed it (counted: metrics_read_db); else, and whenever the
 * standby cannot be reached or read, the primary's (http_reader).  Either
 * answers a read at or below need the same.
 */
int http_reader_at(struct server *srv, uint64_t need, elog_store **out,
		   uint64_t *size, elog_err_t *err);
/*
 * The calling thread's connection to the --read-db standby, and the size of
 * the log it can answer for into *have: what it has replayed, no more than
 * the writer confirmed.  0, or -1: no --read-db, or it cannot be reached
 * or read (tried again a second later).
 */
int http_standby(struct server *srv, elog_store **out, uint64_t *have);

/* Queue resp with status (takes resp; destroys it).  Records status and
 * bytes for the log and metrics. */
enum MHD_Result reply(struct request *rq, unsigned status,
		      struct MHD_Response *resp, uint64_t bytes);

/*
 * The one builder of error replies:
 * {"error":{"code":…,"message":…,"detail":{["index":i,]["field":f]}}} with
 * the code's HTTP status.  index < 0 and field NULL or "" are left out.
 */
enum MHD_Result reply_error(struct request *rq, int code, long index,
			    const char *field, const char *message);
/* reply_error() with a detail object of the handler's (taken). */
enum MHD_Result reply_error_detail(struct request *rq, int code,
				   const char *message, json_t *detail);
/* reply_error() from a filled elog_err_t (rc is the failing status, used
 * when err->code is unset). */
enum MHD_Result reply_err(struct request *rq, int rc, const elog_err_t *err);

/* Serialise v (takes the reference) as application/json. */
enum MHD_Result reply_json(struct request *rq, unsigned status, json_t *v);
/* Copy text out as content_type. */
enum MHD_Result reply_text(struct request *rq, unsigned status,
			   const char *content_type, const char *text,
			   size_t len);

/*
 * A query parameter as an unsigned integer: MISSING_PARAMETER,
 * INVALID_PARAMETER (not a plain decimal number) or PARAMETER_OUT_OF_RANGE
 * (above 2^63 - 1), with err naming the parameter.
 */
int query_uint(struct request *rq, const char *name, uint64_t *out,
	       elog_err_t *err);

/*
 * A change a handler hands to the writer.  The connection is suspended
 * until the writer has committed it (or failed), then resumed: the handler
 * is called again and finds the outcome here.  Embed it first in the
 * handler's state; the handler sets job.run, job.ctx and job.weight.
 */
struct write_request {
	struct writer_job job;
	struct MHD_Connection *conn;
	int rc; /* 0 once committed */
	elog_err_t err;
	uint64_t size;	  /* the commit's tree size */
	char *checkpoint; /* its signed checkpoint (malloc'd; see below) */
};

/* Queue wr and suspend rq until the writer is done with it.  If the writer
 * refuses the job (queue full, shutting down), rq is resumed at once with
 * wr->rc set.  Returns MHD_YES. */
enum MHD_Result write_submit(struct request *rq, struct write_request *wr);
/* Free what the writer left in wr. */
void write_request_clear(struct write_request *wr);

/*
 * The GnuTLS priority string of HTTPS: TLS 1.2 and 1.3 only, forward
 * secret key exchange only (ECDHE, or TLS 1.3's), AEAD ciphers only; no
 * static RSA, no CBC, no SHA-1 MACs.
 */
#define HTTP_TLS_PRIORITIES \
	"SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-KX-ALL:+ECDHE-ECDSA:" \
	"+ECDHE-RSA:-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:" \
	"+CHACHA20-POLY1305:-MAC-ALL:+AEAD"

/* Start the daemon on the listening socket fd (taken). */
struct MHD_Daemon *http_start(struct server *srv, int fd, elog_err_t *err);
/* Requests begun and not yet completed. */
uint64_t http_in_flight(void);

#endif
