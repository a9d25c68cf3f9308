/*
 * routes.c — the route table.  Adding an endpoint is one file and one row.
 * Paths are matched exactly, or as a prefix when the row's ends with '/'; a
 * path that matches with another method gets 405 with an Allow header;
 * paths outside /v1/ and /tlog/ that no row names are static files from
 * --web.
 */
#include "handlers.h"

static const char *const json_types[] = {"application/json",
					 "application/x-ndjson", NULL};
static const char *const warrant_types[] = {"text/plain", NULL};
static const char *const cosignature_types[] = {"text/plain", NULL};

const struct route routes[] = {
	{"/healthz", M_GET, ELOG_ROLE_NONE, NULL, handle_healthz},
	{"/metrics", M_GET, ELOG_ROLE_NONE, NULL, handle_metrics},
	{"/v1/checkpoint", M_GET, ELOG_ROLE_NONE, NULL, handle_checkpoint},
	{"/v1/key", M_GET, ELOG_ROLE_NONE, NULL, handle_key},
	{"/v1/leaves", M_GET, ELOG_ROLE_NONE, NULL, handle_leaves},
	{"/v1/proof/inclusion", M_GET, ELOG_ROLE_NONE, NULL,
	 handle_proof_inclusion},
	{"/v1/proof/consistency", M_GET, ELOG_ROLE_NONE, NULL,
	 handle_proof_consistency},
	{TLOG_PREFIX "checkpoint", M_GET, ELOG_ROLE_NONE, NULL,
	 handle_tlog_checkpoint},
	{TLOG_PREFIX "tile/", M_GET, ELOG_ROLE_NONE, NULL, handle_tlog_tile},
	{"/v1/events", M_POST, ELOG_ROLE_INGEST, json_types,
	 handle_events_post},
	{"/v1/requests", M_POST, ELOG_ROLE_AUTHORITY, warrant_types,
	 handle_requests_post},
	{"/v1/disclosures", M_GET, ELOG_ROLE_AUDITOR, NULL, handle_disclosures},
	{"/v1/report", M_GET, ELOG_ROLE_AUDITOR, NULL, handle_report},
	{"/v1/cosignatures", M_POST, ELOG_ROLE_AUDITOR, cosignature_types,
	 handle_cosignatures_post},
};

const size_t nroutes = sizeof routes / sizeof routes[0];
