/* health.c — GET /healthz: {"status":"ok","size":N}. */
#include "handlers.h"

enum MHD_Result handle_healthz(struct request *rq)
{
	elog_store *s;
	elog_err_t err;
	uint64_t size;
	int rc;

	elog_err_clear(&err);
	rc = http_reader(rq->srv, &s, &err);
	if (rc == 0)
		rc = elog_store_size(s, &size, &err);
	if (rc)
		return reply_err(rq, rc, &err);
	return reply_json(rq, 200,
			  json_pack("{s:s,s:I}", "status", "ok", "size",
				    (json_int_t)size));
}
