/* shards_file.c — the shards file of a root log.  See shards.h. */
#include "shards.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define LINE_MAX_LEN 4096

static int bad(elog_err_t *err, const char *path, int line, const char *why)
{
	return elog_fail(err, ELOG_INVALID_VALUE, line, "shards",
			 "%.200s:%d: %s", path, line, why);
}

/* The next space-separated word of *p (NUL-terminated in place), or NULL. */
static char *word(char **p)
{
	char *w = *p, *sp;

	if (!*w)
		return NULL;
	if ((sp = strchr(w, ' ')) != NULL) {
		*sp = '\0';
		*p = sp + 1;
	} else {
		*p = w + strlen(w);
	}
	return w;
}

static int copy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n == 0 || n >= cap)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

/* An option word key=value of a shard line into s. */
static int option(struct shard_spec *s, const char *w, const char **why)
{
	struct stat st;

	if (strncmp(w, "state=", 6) == 0) {
		w += 6;
		if (!strcmp(w, "active"))
			s->state = SHARD_ACTIVE;
		else if (!strcmp(w, "retired"))
			s->state = SHARD_RETIRED;
		else if (!strcmp(w, "closed"))
			s->state = SHARD_CLOSED;
		else
			return *why = "state must be active, retired or closed",
			       -1;
		return 0;
	}
	if (strncmp(w, "auditor-token=", 14) == 0) {
		if (copy(s->token_path, sizeof s->token_path, w + 14))
			return *why = "auditor-token needs a path", -1;
		if (stat(s->token_path, &st) != 0)
			return *why = "the auditor-token file cannot be read",
			       -1;
		if (st.st_mode & 077)
			return *why = "the auditor-token file is readable by "
				      "others than its owner (chmod 600)",
			       -1;
		return 0;
	}
	return *why = "unknown key (state=, auditor-token=)", -1;
}

/* One non-comment line into s; *why says what is wrong. */
static int parse_line(char *p, struct shard_spec *s, const char **why)
{
	char *w, *origin, *url, *vkey;
	size_t n;

	memset(s, 0, sizeof *s);
	if (!(w = word(&p)) || strcmp(w, "shard") != 0)
		return *why = "expected \"shard ORIGIN URL VKEY [key=value]…\"",
		       -1;
	if (!(origin = word(&p)) || !(url = word(&p)) || !(vkey = word(&p)))
		return *why = "expected \"shard ORIGIN URL VKEY\"", -1;
	if (!elog_key_name_valid(origin) ||
	    copy(s->origin, sizeof s->origin, origin))
		return *why = "ORIGIN is not a valid log name", -1;
	if ((strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) ||
	    copy(s->url, sizeof s->url, url))
		return *why = "URL must be an http:// or https:// URL", -1;
	n = strlen(s->url);
	while (n > 0 && s->url[n - 1] == '/')
		s->url[--n] = '\0';
	if (elog_verifier_parse(vkey, &s->vk, NULL) != 0 ||
	    s->vk.alg != ELOG_ALG_ED25519 ||
	    elog_verifier_format(&s->vk, s->vkey, sizeof s->vkey, NULL) != 0)
		return *why = "VKEY is not an Ed25519 verifier key", -1;
	if (strcmp(s->vk.name, s->origin) != 0)
		return *why = "VKEY's name is not ORIGIN", -1;
	while ((w = word(&p)) != NULL)
		if (!*w || option(s, w, why))
			return *w ? -1 : (*why = "two spaces in a row", -1);
	return 0;
}

int shards_file_load(const char *path, struct shards_file *out, elog_err_t *err)
{
	char line[LINE_MAX_LEN + 2];
	const char *why = NULL;
	FILE *f = fopen(path, "r");
	int lineno = 0, rc = 0;

	out->n = 0;
	if (!f)
		return elog_fail(err, ELOG_IO, -1, "shards",
				 "cannot open the shards file %.200s: %s",
				 path, strerror(errno));
	while (fgets(line, sizeof line, f)) {
		size_t n = strlen(line);
		lineno++;
		if (n > LINE_MAX_LEN ||
		    (n > 0 && line[n - 1] != '\n' && !feof(f))) {
			rc = bad(err, path, lineno, "line too long");
			goto out;
		}
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		if (out->n == SHARDS_MAX) {
			rc = bad(err, path, lineno, "too many shards");
			goto out;
		}
		if (parse_line(line, &out->spec[out->n], &why)) {
			rc = bad(err, path, lineno, why);
			goto out;
		}
		for (size_t i = 0; i < out->n; i++)
			if (!strcmp(out->spec[i].origin,
				    out->spec[out->n].origin)) {
				rc = bad(err, path, lineno, "duplicate origin");
				goto out;
			}
		out->n++;
	}
	if (ferror(f))
		rc = elog_fail(err, ELOG_IO, -1, "shards",
			       "cannot read the shards file %.200s", path);
out:
	fclose(f);
	return rc;
}
