/*
 * handlers.h — the endpoint handlers, one file per endpoint family, named
 * in the route table (routes.c).
 */
#ifndef ELOG_SERVER_HANDLERS_H
#define ELOG_SERVER_HANDLERS_H

#include "http.h"

/* health.c */
enum MHD_Result handle_healthz(struct request *rq);
/* checkpoint.c */
enum MHD_Result handle_checkpoint(struct request *rq);
enum MHD_Result handle_key(struct request *rq);
/* leaves.c */
enum MHD_Result handle_leaves(struct request *rq);
/* proof.c */
enum MHD_Result handle_proof_inclusion(struct request *rq);
enum MHD_Result handle_proof_consistency(struct request *rq);
/* tlog.c: C2SP tlog-tiles under TLOG_PREFIX */
enum MHD_Result handle_tlog_checkpoint(struct request *rq);
enum MHD_Result handle_tlog_tile(struct request *rq);
/* events.c */
enum MHD_Result handle_events_post(struct request *rq);
/* requests.c */
enum MHD_Result handle_requests_post(struct request *rq);
/* disclosures.c */
enum MHD_Result handle_disclosures(struct request *rq);
enum MHD_Result handle_report(struct request *rq);
/* shards_report.c: GET /v1/report on a root, summed over its shards'
 * reports (from and to as given, or NULL) */
enum MHD_Result root_report(struct request *rq, const char *from,
			    const char *to);
/* cosignatures.c */
enum MHD_Result handle_cosignatures_post(struct request *rq);
/* The check of a cosignature body (rq->body, rq->len) against the stored
 * checkpoint and the registered witness, without storing it; *size (if not
 * NULL) gets the checkpoint's size.  0 or the error the POST answers. */
int cosignature_check(struct request *rq, uint64_t *size, elog_err_t *err);
/* shards_get.c: a root's shards */
enum MHD_Result handle_shards(struct request *rq);
/* metrics_get.c */
enum MHD_Result handle_metrics(struct request *rq);
/* static.c: GET/HEAD of any path outside /v1/ that no row matches */
enum MHD_Result handle_static(struct request *rq);
/* 1 if the (decoded) URL path p may be looked up at all: it starts with
 * '/', holds only printable ASCII but '\\' and '%', and no segment starts
 * with '.' (no "..", "." or hidden files). */
int static_path_clean(const char *p);

#endif
