/*
 * monitor.h — the monitor of a running log, as a library: everything
 * `envelog audit` decides about what a (possibly hostile) server sends.
 *
 * The monitor does no I/O of its own.  It asks a fetch callback for a path
 * of the public API ("/v1/checkpoint", "/v1/leaves?start=A&end=B",
 * "/v1/proof/consistency?old=M&new=N", and a POST of "/v1/cosignatures")
 * or of the log's C2SP tlog-tiles ("/tlog/checkpoint", "/tlog/tile/L/N",
 * "/tlog/tile/entries/N", with ".p/W" when partial) and gets back the HTTP
 * status and body — the way transparency-dev's Go client takes its
 * checkpoint and tile fetcher functions.  The callback may serve the
 * "/tlog/" paths from another place (a static copy made by `envelog tiles
 * export`).
 *
 * Tiles (m->tiles): when the log offers them (ELOG_MONITOR_TILES_AUTO: a
 * 404 on /tlog/checkpoint means it does not, and the run uses /v1/), the
 * checkpoint comes from /tlog/checkpoint, the leaves' public data from
 * entry bundles, and every consistency proof is computed from hash tiles
 * read at the checkpoint's size; the checks are the same.  The tiles carry
 * no chain values: over tiles the monitor computes them (for its state)
 * but has none served to compare, and a leaf's kind comes from its data.
 * A leaf whose data does not give the hash that the level-0 hash tile
 * holds is the "leaf_hash" finding, as a served leaf_hash is over /v1/.  Its state (the
 * last verified checkpoint and the tree's frontier) goes in and out as the
 * text of an "envelog-audit-state/v1" file; writing that file (atomically)
 * is the caller's.
 *
 * One run: fetch the latest checkpoint and verify it with the pinned log
 * key; check that it extends the state's checkpoint (rollback, fork,
 * consistency proof); fetch the new leaves in pages, recompute their chain
 * values and every leaf hash from the served public data (R2: an event's
 * data is exactly its commitment), and the tree root over them; after
 * every page, check with a consistency proof that the leaves so far are a
 * prefix of the checkpoint's tree, and bisect with proofs to name the
 * first bad leaf.  The state advances only when every check holds.
 *
 * Return convention: 0 when every check holds; -ELOG_TAMPERED when one
 * fails (result->check names it, result->seq is the leaf or -1); any other
 * negative code for trouble — the fetch callback failed, the server
 * answered a non-2xx status (result->network set), or memory ran out —
 * after which nothing about the log is known.  The state is unchanged
 * unless 0 is returned.
 */
#ifndef ELOG_MONITOR_H
#define ELOG_MONITOR_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "checkpoint.h"
#include "error.h"
#include "merkle.h"
#include "note.h"

#define ELOG_MONITOR_STATE_FORMAT "envelog-audit-state/v1"
#define ELOG_MONITOR_STATE_MAX ((size_t)4 << 20) /* bytes of a state file */
#define ELOG_MONITOR_PAGE 1000		  /* leaves asked for per /v1/leaves */
#define ELOG_MONITOR_LIST_MAX 1000	  /* public entries kept in a result */
#define ELOG_MONITOR_TILE_PREFIX "/tlog/" /* where a log serves its tiles */

/* Whether a run reads the log's tiles (see above). */
enum {
	ELOG_MONITOR_TILES_AUTO = 0, /* tiles when offered, else /v1/ */
	ELOG_MONITOR_TILES_OFF,	     /* /v1/ only */
	ELOG_MONITOR_TILES_ONLY,     /* tiles; their absence is trouble */
};

/*
 * The transport.  GET path (post == NULL) or POST post (post_len bytes,
 * text/plain) to path.  On an answer, set *status and *body (malloc'd,
 * NUL-terminated, *body_len bytes without the NUL; the monitor frees it)
 * and return 0, whatever the status.  On a transport failure (no answer,
 * a timeout, an answer too large) return a negative elog code with err
 * filled (its message names the request) and leave *body NULL.
 */
typedef int (*elog_monitor_fetch_fn)(void *ctx, const char *path,
				     const char *post, size_t post_len,
				     long *status, char **body,
				     size_t *body_len, elog_err_t *err);

/* Called before the leaves are fetched (done 0, also when there are none)
 * and after each page, with the leaves done and to do in this run. */
typedef void (*elog_monitor_progress_fn)(void *ctx, uint64_t done,
					 uint64_t total);

/* The last verified checkpoint and what the monitor keeps with it. */
typedef struct elog_monitor_state {
	int present;	  /* 0: the empty log, trusted on first use */
	elog_verifier vk; /* the log key */
	char vkey[ELOG_KEY_TEXT_MAX];
	elog_frontier fr; /* fr.size is the verified size */
	elog_hash root;	  /* the tree root at fr.size */
	elog_hash chain;  /* the chain value of seq fr.size-1 (zero at 0) */
	char *note; /* the signed checkpoint (owned), NULL at first use */
	size_t note_len;
	uint64_t entries, disclosures, refusals, purges; /* totals */
} elog_monitor_state;

/* The outcome of a run or a compare. */
typedef struct elog_monitor_result {
	int rc;		 /* what the function returned */
	int network;	 /* trouble came from the transport or the server */
	char check[32];	 /* the failed check: signature, rollback, fork,
			     consistency, response, chain, entry, leaf_hash,
			     tree_root; "network" or "io" for trouble */
	long long seq;	 /* the seq it concerns, or -1 */
	char msg[512];	 /* one sentence; may quote the server: clean it
			     before printing */
	int show_state;	 /* the state's checkpoint is evidence */
	int show_served; /* the served checkpoint is evidence */
	char *served;	 /* the served checkpoint note (owned), or NULL */
	size_t served_len, served_text_len;
	elog_checkpoint cp; /* ... parsed, once its signature holds */
	int first_run;
	uint64_t old_size, checked, disclosures, refusals, purges;
	uint64_t shard_entries; /* a root log's entries (shard.h) */
	json_t *public_entries; /* [{seq, entry}] of the public entries seen
				   (at most ELOG_MONITOR_LIST_MAX) */
	int cosigned;
	int tiles;	   /* the run read tiles (else /v1/) */
	uint64_t requests; /* requests made through the fetch callback */
} elog_monitor_result;

struct elog_monitor_tiles; /* a run's tile cache (monitor.c) */

/* A monitor: the pinned key, the transport, and what it cosigned last. */
typedef struct elog_monitor {
	elog_verifier vk; /* the pinned log key */
	elog_monitor_fetch_fn fetch;
	void *fetch_ctx;
	const char *where; /* prefix of messages about a request
					  (the base URL), or NULL */
	elog_monitor_progress_fn progress; /* or NULL */
	void *progress_ctx;
	const elog_signer *witness;    /* cosignature/v1 key, or NULL */
	char *last_cosigned;	       /* the note cosigned last (owned) */
	int tiles;		       /* ELOG_MONITOR_TILES_* */
	struct elog_monitor_tiles *tc; /* during a run over tiles (private) */
} elog_monitor;

/* Free what m owns (not the witness key). */
void elog_monitor_free(elog_monitor *m);

/* The empty log under key vk (its text vkey), trusted on first use. */
void elog_monitor_state_init(elog_monitor_state *st, const elog_verifier *vk,
			     const char *vkey);

/*
 * Parse the text (len bytes) of a state file into *st; name is the file's
 * name in messages.  With pin, the state must be for that key, else
 * UNKNOWN_KEY; without, the state's own key is used.  Everything in it is
 * cross-checked: the checkpoint's signature, size and root, the frontier's
 * root, a zero chain value at size 0.  Sets st->present.  0 or a negative
 * code (st left empty).
 */
int elog_monitor_state_parse(const char *text, size_t len, const char *name,
			     const elog_verifier *pin, elog_monitor_state *st,
			     elog_err_t *err);

/* The text of st as a state file (malloc'd into *text, caller frees),
 * stamped updated = now (Unix seconds). */
int elog_monitor_state_format(const elog_monitor_state *st, uint64_t now,
			      char **text, elog_err_t *err);

void elog_monitor_state_free(elog_monitor_state *st);

/*
 * One run against *st (see the top of this file).  *r is reset first and
 * filled; free it with elog_monitor_result_free.  On 0, *st holds the new
 * checkpoint, frontier, chain value and totals (st->present set).
 */
int elog_monitor_run(elog_monitor *m, elog_monitor_state *st,
		     elog_monitor_result *r);

/*
 * After a run that returned 0: cosign its checkpoint with m->witness
 * (C2SP cosignature/v1, timestamp now) and POST it to /v1/cosignatures,
 * unless that very note was the last one cosigned (a follow loop sees the
 * same checkpoint often).  0 (r->cosigned says whether it was sent) or a
 * trouble code with r filled.
 */
int elog_monitor_cosign(elog_monitor *m, elog_monitor_result *r, uint64_t now);

/*
 * Are the checkpoints of two states (same key) consistent?  Equal sizes
 * need equal roots (else "fork"); a smaller empty log is a prefix; else a
 * consistency proof from fetch (which may be NULL only when no proof is
 * needed: then trouble INVALID_PARAMETER) must link the smaller to the
 * larger (else "consistency").  r->msg says why, naming the states "A"
 * and "B".  0, -ELOG_TAMPERED or trouble.
 */
int elog_monitor_compare(elog_monitor *m, const elog_monitor_state *a,
			 const elog_monitor_state *b, elog_monitor_result *r);

void elog_monitor_result_free(elog_monitor_result *r);

#endif
