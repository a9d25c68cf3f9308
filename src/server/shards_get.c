/* shards_get.c — GET /v1/shards on a root log (docs/PROTOCOL.md §21). */
#include "handlers.h"

#include "shards.h"
#include "store.h"

enum MHD_Result handle_shards(struct request *rq)
{
	elog_store *s;
	elog_err_t err;
	uint64_t size = 0;
	json_t *o;
	int rc;

	if (!rq->srv->shards)
		return reply_error(rq, ELOG_NOT_FOUND, -1, NULL,
				   "This log is not a root: it has no shards.");
	elog_err_clear(&err);
	if ((rc = http_reader(rq->srv, &s, &err)) ||
	    (rc = elog_store_size(s, &size, &err)))
		return reply_err(rq, rc, &err);
	if (!(o = shards_json(rq->srv->shards)) ||
	    json_object_set_new(o, "size", json_integer((json_int_t)size)))
		return reply_error(rq, ELOG_NOMEM, -1, NULL, NULL);
	return reply_json(rq, 200, o);
}
