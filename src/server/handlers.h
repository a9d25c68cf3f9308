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
/* events.c */
enum MHD_Result handle_events_post(struct request *rq);
/* requests.c */
enum MHD_Result handle_requests_post(struct request *rq);
/* disclosures.c */
enum MHD_Result handle_disclosures(struct request *rq);
enum MHD_Result handle_report(struct request *rq);
/* cosignatures.c */
enum MHD_Result handle_cosignatures_post(struct request *rq);
/* metrics_get.c */
enum MHD_Result handle_metrics(struct request *rq);
/* static.c: GET/HEAD of any path outside /v1/ that no row matches */
enum MHD_Result handle_static(struct request *rq);

#endif
