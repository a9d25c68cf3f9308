/* warrant.c — parse a warrant body and apply the lawful-request policy. */
#include "warrant.h"

#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "entry.h"
#include "rfc3339.h"

#define DEFAULT_MAX_WINDOW_MS ((int64_t)366 * 24 * 3600 * 1000)
#define DEFAULT_MAX_SUBJECTS 10

enum {
	K_ID,
	K_AUTHORITY,
	K_FROM,
	K_TO,
	K_EXPIRES,
	K_BASIS,
	K_LOG,
	K_SUBJECT,
	K_COUNT
};

static const char *const key_names[K_COUNT] = {
	"id", "authority", "from", "to", "expires", "basis", "log", "subject",
};

void elog_warrant_free(elog_warrant *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; i < w->nsubjects; i++)
		free(w->subjects[i]);
	free(w->subjects);
	memset(w, 0, sizeof *w);
}

static int bad(elog_err_t *err, size_t line, const char *field,
	       const char *what)
{
	return elog_fail(err, ELOG_MALFORMED_WARRANT, (long)line, field,
			 "Warrant line %zu: %s.", line, what);
}

static int id_valid(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > ELOG_WARRANT_ID_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == ':' || c == '/' || c == '-'))
			return 0;
	}
	return 1;
}

static int add_subject(elog_warrant *w, const char *s, size_t n, size_t line,
		       elog_err_t *err)
{
	char **grown;
	size_t i;

	if (!elog_identifier_valid(s, n, ELOG_PARTY_MAX))
		return bad(err, line, "subject",
			   "a subject must be an identifier: 1-128 bytes of "
			   "A-Z a-z 0-9 and + . _ : @ / = -");
	for (i = 0; i < w->nsubjects; i++)
		if (strlen(w->subjects[i]) == n &&
		    memcmp(w->subjects[i], s, n) == 0)
			return bad(err, line, "subject",
				   "the subject is listed twice");
	if (w->nsubjects >= ELOG_WARRANT_MAX_SUBJECTS)
		return bad(err, line, "subject", "too many subjects");
	grown = realloc(w->subjects, (w->nsubjects + 1) * sizeof *grown);
	if (!grown)
		return elog_fail(err, ELOG_NOMEM, (long)line, "subject",
				 "Out of memory parsing a warrant.");
	w->subjects = grown;
	w->subjects[w->nsubjects] = malloc(n + 1);
	if (!w->subjects[w->nsubjects])
		return elog_fail(err, ELOG_NOMEM, (long)line, "subject",
				 "Out of memory parsing a warrant.");
	memcpy(w->subjects[w->nsubjects], s, n);
	w->subjects[w->nsubjects][n] = '\0';
	w->nsubjects++;
	return 0;
}

static int set_field(elog_warrant *w, int k, const char *v, size_t n,
		     size_t line, elog_err_t *err)
{
	const char *name = key_names[k];
	int64_t *t = NULL;

	switch (k) {
	case K_ID:
		if (!id_valid(v, n))
			return bad(err, line, name,
				   "the id must be 1-64 of A-Z a-z 0-9 . _ : "
				   "/ -");
		memcpy(w->id, v, n);
		w->id[n] = '\0';
		return 0;
	case K_AUTHORITY:
		if (n > ELOG_NAME_MAX)
			return bad(err, line, name,
				   "the authority is not a valid key name");
		memcpy(w->authority, v, n);
		w->authority[n] = '\0';
		if (strlen(w->authority) != n ||
		    !elog_key_name_valid(w->authority))
			return bad(err, line, name,
				   "the authority is not a valid key name");
		return 0;
	case K_LOG:
		if (n > ELOG_NAME_MAX)
			return bad(err, line, name,
				   "the log is not a valid origin");
		memcpy(w->log, v, n);
		w->log[n] = '\0';
		if (strlen(w->log) != n || !elog_key_name_valid(w->log))
			return bad(err, line, name,
				   "the log is not a valid origin");
		return 0;
	case K_BASIS:
		if (n < 1 || n > ELOG_WARRANT_BASIS_MAX ||
		    !elog_text_clean(v, n))
			return bad(err, line, name,
				   "the basis must be 1-512 bytes of text");
		memcpy(w->basis, v, n);
		w->basis[n] = '\0';
		return 0;
	case K_FROM:
		t = &w->from;
		break;
	case K_TO:
		t = &w->to;
		break;
	case K_EXPIRES:
		t = &w->expires;
		break;
	default:
		return add_subject(w, v, n, line, err);
	}
	if (elog_rfc3339_parse(v, n, 1, t) != 0)
		return bad(err, line, name,
			   "the time is not an RFC 3339 UTC timestamp");
	return 0;
}

int elog_warrant_parse(const char *text, size_t len, elog_warrant *w,
		       elog_err_t *err)
{
	static const size_t hlen = sizeof ELOG_WARRANT_HEADER - 1;
	int seen[K_COUNT] = {0};
	size_t pos, line = 1;
	int rc = 0, k;

	memset(w, 0, sizeof *w);
	if (!text || len == 0 || text[len - 1] != '\n')
		return bad(err, 1, NULL, "the text must end with a newline");
	if (len < hlen + 1 || memcmp(text, ELOG_WARRANT_HEADER, hlen) != 0 ||
	    text[hlen] != '\n')
		return bad(err, 1, NULL,
			   "the first line must be " ELOG_WARRANT_HEADER);
	pos = hlen + 1;
	while (pos < len) {
		const char *s = text + pos, *sp;
		size_t n = (size_t)((const char *)memchr(s, '\n', len - pos) -
				    s);
		size_t klen;

		line++;
		pos += n + 1;
		if (n == 0) {
			rc = bad(err, line, NULL, "empty line");
			goto out;
		}
		sp = memchr(s, ' ', n);
		if (!sp) {
			rc = bad(err, line, NULL,
				 "expected a key, a space and a value");
			goto out;
		}
		klen = (size_t)(sp - s);
		for (k = 0; k < K_COUNT; k++)
			if (strlen(key_names[k]) == klen &&
			    memcmp(key_names[k], s, klen) == 0)
				break;
		if (k == K_COUNT) {
			rc = bad(err, line, NULL, "unknown key");
			goto out;
		}
		if (seen[k] && k != K_SUBJECT) {
			rc = bad(err, line, key_names[k],
				 "the key appears twice");
			goto out;
		}
		seen[k] = 1;
		if (klen + 1 >= n || s[klen + 1] == ' ') {
			rc = bad(err, line, key_names[k],
				 "the value is missing or has a leading "
				 "space");
			goto out;
		}
		rc = set_field(w, k, s + klen + 1, n - klen - 1, line, err);
		if (rc)
			goto out;
	}
	for (k = 0; k < K_SUBJECT; k++) {
		if (!seen[k]) {
			rc = elog_fail(err, ELOG_MALFORMED_WARRANT, -1,
				       key_names[k],
				       "The warrant has no %s line.",
				       key_names[k]);
			goto out;
		}
	}
out:
	if (rc)
		elog_warrant_free(w);
	return rc;
}

const char *elog_warrant_refusal(const elog_warrant *w, const elog_policy *p)
{
	int64_t max_window = p->max_window_ms > 0 ? p->max_window_ms
						  : DEFAULT_MAX_WINDOW_MS;
	size_t max_subjects = p->max_subjects ? p->max_subjects
					      : DEFAULT_MAX_SUBJECTS;

	if (w->expires <= p->now_ms)
		return "expired";
	if (w->from >= w->to)
		return "window_reversed";
	if (w->to - w->from > max_window)
		return "window_too_long";
	if (w->nsubjects == 0)
		return "no_subjects";
	if (w->nsubjects > max_subjects)
		return "too_many_subjects";
	return NULL;
}
