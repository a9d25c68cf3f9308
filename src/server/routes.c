/*
 * routes.c — the route table.  Adding an endpoint is one file and one row.
 * Paths are matched exactly, or as a prefix when the row's ends with '/'; a
 * path that matches with another method gets 405 with an Allow header;
 * paths outside /v1/ and /tlog/ that no row names are static files from
 * --web.  The last column: which rows other origins may read (CORS, see
 * http.h): the public read API, and the auditor's reads with the
 * Authorization header; never the writes.
 */
#include "handlers.h"

static const char *const json_types[] = {"application/json",
					 "application/x-ndjson", NULL};
static const char *const warrant_types[] = {"text/plain", NULL};
static const char *const cosignature_types[] = {"text/plain", NULL};

const struct route routes[] = {
	{"/healthz", M_GET, ELOG_ROLE_NONE, NULL, handle_healthz, CORS_READ},
	{"/metrics", M_GET, ELOG_ROLE_NONE, NULL, handle_metrics, CORS_NONE},
	{"/v1/checkpoint", M_GET, ELOG_ROLE_NONE, NULL, handle_checkpoint,
	 CORS_READ},
	{"/v1/key", M_GET, ELOG_ROLE_NONE, NULL, handle_key, CORS_READ},
	{"/v1/leaves", M_GET, ELOG_ROLE_NONE, NULL, handle_leaves, CORS_READ},
	{"/v1/proof/inclusion", M_GET, ELOG_ROLE_NONE, NULL,
	 handle_proof_inclusion, CORS_READ},
	{"/v1/proof/consistency", M_GET, ELOG_ROLE_NONE, NULL,
	 handle_proof_consistency, CORS_READ},
	{TLOG_PREFIX "checkpoint", M_GET, ELOG_ROLE_NONE, NULL,
	 handle_tlog_checkpoint, CORS_READ},
	{TLOG_PREFIX "tile/", M_GET, ELOG_ROLE_NONE, NULL, handle_tlog_tile,
	 CORS_READ},
	{"/v1/events", M_POST, ELOG_ROLE_INGEST, json_types,
	 handle_events_post, CORS_NONE},
	{"/v1/requests", M_POST, ELOG_ROLE_AUTHORITY, warrant_types,
	 handle_requests_post, CORS_NONE},
	{"/v1/disclosures", M_GET, ELOG_ROLE_AUDITOR, NULL, handle_disclosures,
	 CORS_READ_AUTH},
	{"/v1/report", M_GET, ELOG_ROLE_AUDITOR, NULL, handle_report,
	 CORS_READ_AUTH},
	{"/v1/shards", M_GET, ELOG_ROLE_NONE, NULL, handle_shards, CORS_READ},
	{"/v1/cosignatures", M_POST, ELOG_ROLE_AUDITOR, cosignature_types,
	 handle_cosignatures_post, CORS_NONE},
};

const size_t nroutes = sizeof routes / sizeof routes[0];
