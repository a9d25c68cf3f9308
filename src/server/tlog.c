/*
 * tlog.c — the log as C2SP tlog-tiles (https://c2sp.org/tlog-tiles) under
 * TLOG_PREFIX, read from the stored tree hashes and entries:
 *
 *   GET /tlog/checkpoint                 the latest signed checkpoint
 *   GET /tlog/tile/<L>/<N>[.p/<W>]       hash tiles
 *   GET /tlog/tile/entries/<N>[.p/<W>]   entry bundles (public leaf data)
 *
 * Full tiles never change and are cached for a year as immutable; partial
 * tiles and the checkpoint are short-lived.  A path that is not a tile is
 * 400 invalid_parameter; a tile the tree does not reach (yet) is 404.
 * A partial tile of any width the tree has reached is served, also once
 * its tile is full, so a client holding an older checkpoint still reads it.
 */
#include "handlers.h"

#include <stdlib.h>
#include <string.h>

#define TEXT_PLAIN "text/plain; charset=utf-8"
#define CACHE_FULL "public, max-age=31536000, immutable"
#define CACHE_SHORT "public, max-age=5"

/* Queue body (taken) with its type and Cache-Control. */
static enum MHD_Result reply_cached(struct request *rq, const char *type,
				    const char *cache, void *body, size_t len)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(len, body,
					       MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return reply_error(rq, ELOG_NOMEM, -1, NULL, NULL);
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cache);
	return reply(rq, 200, resp, len);
}

enum MHD_Result handle_tlog_checkpoint(struct request *rq)
{
	elog_store *s;
	elog_err_t err;
	char *note = NULL;
	size_t len = 0;
	uint64_t size;
	int rc;

	elog_err_clear(&err);
	rc = http_reader(rq->srv, &s, &err);
	if (rc == 0)
		rc = elog_store_checkpoint_latest(s, &note, &len, &size, &err);
	if (rc)
		return reply_err(rq, rc, &err);
	return reply_cached(rq, TEXT_PLAIN, CACHE_SHORT, note, len);
}

/* The size of the log a tile needs: the leaves under its width (entry
 * bundles count as level 0); UINT64_MAX when that overflows. */
static uint64_t tile_needs(const elog_tile *t)
{
	int level = t->level == ELOG_TILE_ENTRIES ? 0 : t->level;
	uint64_t n;

	if (t->index > (UINT64_MAX - t->width) / ELOG_TILE_WIDTH)
		return UINT64_MAX;
	n = t->index * ELOG_TILE_WIDTH + t->width;
	for (int i = 0; i < level; i++) {
		if (n > UINT64_MAX / ELOG_TILE_WIDTH)
			return UINT64_MAX;
		n *= ELOG_TILE_WIDTH;
	}
	return n;
}

enum MHD_Result handle_tlog_tile(struct request *rq)
{
	elog_store *s;
	elog_err_t err;
	elog_tile t;
	uint8_t *body = NULL;
	size_t len = 0;
	uint64_t size;
	int rc;

	elog_err_clear(&err);
	rc = elog_tile_parse(rq->url + strlen(TLOG_PREFIX), &t, &err);
	if (rc == 0)
		rc = http_reader_at(rq->srv, tile_needs(&t), &s, &size, &err);
	if (rc == 0)
		rc = elog_store_tile(s, &t, size, &body, &len, &err);
	if (rc)
		return reply_err(rq, rc, &err);
	return reply_cached(rq, "application/octet-stream",
			    t.width == ELOG_TILE_WIDTH ? CACHE_FULL
						       : CACHE_SHORT,
			    body, len);
}
