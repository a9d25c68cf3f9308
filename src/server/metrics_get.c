/* metrics_get.c — GET /metrics: Prometheus text exposition. */
#include "handlers.h"

#include <stdlib.h>

#include "metrics.h"

enum MHD_Result handle_metrics(struct request *rq)
{
	struct MHD_Response *resp;
	char *text;
	size_t len;

	if (metrics_render(http_in_flight(), &text, &len) != 0)
		return reply_error(rq, ELOG_NOMEM, -1, NULL, NULL);
	resp = MHD_create_response_from_buffer(len, text,
					       MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; version=0.0.4");
	return reply(rq, 200, resp, len);
}
