/* cli.c — what the subcommands share.  See cli.h. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

int cli_fail(const char *what, const elog_err_t *err)
{
	char msg[4 * sizeof err->msg];

	fprintf(stderr, "envelog: %s: %s\n", what,
		err && err->msg[0] ? cli_clean(msg, sizeof msg, err->msg,
					       strlen(err->msg), 0)
				   : "failed");
	return CLI_USAGE;
}

int cli_usage(const char *cmd, int is_error)
{
	FILE *f = is_error ? stderr : stdout;
	const struct optab_cmd *c = cmd ? optab_cmd(&envelog_prog, cmd) : NULL;

	if (c)
		optab_usage(f, &envelog_prog, c);
	else
		optab_usage_prog(f, &envelog_prog);
	return is_error ? CLI_USAGE : CLI_OK;
}

int cli_open(const char *db, int mode, elog_store **out)
{
	elog_err_t err;
	elog_err_clear(&err);
	if (!elog_store_is_pg(db) && access(db, F_OK) != 0) {
		fprintf(stderr,
			"envelog: %s does not exist (run `envelog init` "
			"first)\n",
			db);
		return CLI_USAGE;
	}
	if (elog_store_open(db, mode, ELOG_SYNC_FULL, out, &err))
		return cli_fail("open", &err);
	return CLI_OK;
}

int cli_key_path(const char *db, char *buf, size_t cap)
{
	size_t n = strlen(db);
	int w;
	if (elog_store_is_pg(db)) {
		fprintf(stderr,
			"envelog: the database is PostgreSQL: give the "
			"log key's file with --key\n");
		return -1;
	}
	if (n > 3 && strcmp(db + n - 3, ".db") == 0)
		w = snprintf(buf, cap, "%.*s.key", (int)(n - 3), db);
	else
		w = snprintf(buf, cap, "%s.key", db);
	return w < 0 || (size_t)w >= cap ? -1 : 0;
}

int cli_read_file(const char *path, size_t max, char **buf, size_t *len,
		  elog_err_t *err)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t n = 0, cap = 4096;
	char *b;
	*buf = NULL;
	if (!f)
		return elog_fail(err, ELOG_IO, -1, NULL, "cannot open %s: %s",
				 path, strerror(errno));
	b = malloc(cap + 1);
	if (!b) {
		if (f != stdin)
			fclose(f);
		return elog_fail(err, ELOG_NOMEM, -1, NULL, "out of memory");
	}
	for (;;) {
		size_t r;
		if (n == cap) {
			char *g;
			if (cap >= max)
				break;
			cap = cap * 2 > max ? max : cap * 2;
			g = realloc(b, cap + 1);
			if (!g) {
				free(b);
				if (f != stdin)
					fclose(f);
				return elog_fail(err, ELOG_NOMEM, -1, NULL,
						 "out of memory");
			}
			b = g;
		}
		r = fread(b + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (n == cap && cap >= max && fgetc(f) != EOF) {
		free(b);
		if (f != stdin)
			fclose(f);
		return elog_fail(err, ELOG_BODY_TOO_LARGE, -1, NULL,
				 "%s is larger than %zu bytes", path, max);
	}
	if (ferror(f)) {
		free(b);
		if (f != stdin)
			fclose(f);
		return elog_fail(err, ELOG_IO, -1, NULL, "cannot read %s",
				 path);
	}
	if (f != stdin)
		fclose(f);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* The length of the UTF-8 sequence at s (at most n bytes) and its code
 * point, or 0 if it is not well-formed (overlong, surrogate, > U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	*cp = c;
	return len;
}

char *cli_clean(char *out, size_t cap, const char *in, size_t n,
		int keep_newlines)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0;

	if (cap == 0)
		return out;
	while (i < n && s) {
		char esc[8];
		const char *piece;
		size_t plen;
		uint32_t cp = 0;
		size_t len = utf8_seq(s + i, n - i, &cp);

		if (len == 0) {
			snprintf(esc, sizeof esc, "\\x%02x", s[i]);
			piece = esc;
			plen = 4;
			len = 1;
		} else if ((cp < 0x20 && !(cp == '\n' && keep_newlines)) ||
			   (cp >= 0x7f && cp <= 0x9f)) {
			if (cp < 0x80)
				snprintf(esc, sizeof esc, "\\x%02x",
					 (unsigned)cp);
			else
				snprintf(esc, sizeof esc, "\\u%04x",
					 (unsigned)cp);
			piece = esc;
			plen = strlen(esc);
		} else {
			piece = in + i;
			plen = len;
		}
		if (o + plen + 1 > cap)
			break;
		memcpy(out + o, piece, plen);
		o += plen;
		i += len;
	}
	out[o] = '\0';
	return out;
}

int cli_write_secret(const char *path, const char *text, elog_err_t *err)
{
	size_t len = strlen(text), off = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return elog_fail(err, ELOG_IO, -1, NULL,
				 "cannot create %s: %s", path,
				 strerror(errno));
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			unlink(path);
			return elog_fail(err, ELOG_IO, -1, NULL,
					 "cannot write %s", path);
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		unlink(path);
		return elog_fail(err, ELOG_IO, -1, NULL, "cannot write %s",
				 path);
	}
	return 0;
}

void cli_warn_mode(const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0 && (st.st_mode & 077))
		fprintf(stderr,
			"envelog: warning: %s is readable by others; it "
			"should be mode 0600\n",
			path);
}

int cli_load_signer(const char *path, elog_signer *out, elog_err_t *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;
	cli_warn_mode(path);
	if ((rc = cli_read_file(path, 4096, &text, &len, err)))
		return rc;
	rc = elog_signer_parse(text, out, err);
	sodium_memzero(text, len);
	free(text);
	return rc;
}

void cli_progress(void *ctx, uint64_t done, uint64_t total)
{
	const int width = 40;
	int fill;
	(void)ctx;
	if (!isatty(STDERR_FILENO) || total == 0)
		return;
	fill = (int)(done * (uint64_t)width / total);
	fprintf(stderr, "\r[%.*s%*s] %3d%% %llu/%llu", fill,
		"########################################", width - fill, "",
		(int)(done * 100 / total), (unsigned long long)done,
		(unsigned long long)total);
	if (done >= total)
		fputc('\n', stderr);
	fflush(stderr);
}

#define CLI_MAX_OPTS 32

/* The binding of the table's option o in opts, or NULL. */
static const cli_opt *bound(const cli_opt *opts, const char *name)
{
	for (; opts->name; opts++)
		if (strcmp(opts->name, name) == 0)
			return opts;
	return NULL;
}

int cli_options(int argc, char **argv, const cli_opt *opts, const char *cmd,
		int *first)
{
	const struct optab_cmd *c = optab_cmd(&envelog_prog, cmd);
	struct option lo[CLI_MAX_OPTS + 3];
	const cli_opt *o;
	int n, ch, idx;

	/* The table and the command's variables name the same options:
	 * what --help and the man page say is what is parsed. */
	n = c ? optab_longopts(c, 0, lo, sizeof lo / sizeof lo[0]) : -1;
	for (o = opts; n >= 0 && o->name; o++)
		if (!optab_opt(c, o->name))
			n = -1;
	for (idx = 0; n >= 0 && idx < n; idx++)
		if (!bound(opts, c->opts[idx].name))
			n = -1;
	if (n < 0) {
		fprintf(stderr,
			"envelog: internal: the options of %s differ "
			"from its table\n",
			cmd);
		return CLI_USAGE;
	}
	optind = 1;
	opterr = 1;
	while ((ch = getopt_long(argc, argv, "h", lo, &idx)) != -1) {
		const struct optab_opt *t;
		if (ch == 'h')
			return cli_usage(cmd, 0);
		if (ch < 0x100 || ch >= 0x100 + n) {
			fprintf(stderr, "envelog: see envelog %s --help\n",
				cmd);
			return CLI_USAGE;
		}
		t = &c->opts[ch - 0x100];
		o = bound(opts, t->name);
		if (o->flag) {
			*o->flag = 1;
		} else if (o->list) {
			if (*o->count >= o->max) {
				fprintf(stderr, "envelog: at most %zu --%s\n",
					o->max, o->name);
				return CLI_USAGE;
			}
			o->list[(*o->count)++] = optarg;
		} else {
			*o->value = optarg;
		}
	}
	*first = optind;
	return -1;
}

int cli_verb_options(int argc, char **argv, const cli_opt *opts,
		     const char *cmd, const char **verb, int *nargs,
		     char ***args)
{
	int first, rc;
	if (argc < 2)
		return cli_usage(cmd, 1);
	*verb = argv[1];
	if (strcmp(*verb, "--help") == 0 || strcmp(*verb, "-h") == 0)
		return cli_usage(cmd, 0);
	if ((rc = cli_options(argc - 1, argv + 1, opts, cmd, &first)) >= 0)
		return rc;
	*nargs = argc - 1 - first;
	*args = argv + 1 + first;
	return -1;
}

int cli_keygen(const char *what, const char *name, uint8_t alg, const char *out)
{
	elog_signer s;
	elog_verifier v;
	elog_err_t err;
	char sk[ELOG_KEY_TEXT_MAX + 2], vk[ELOG_KEY_TEXT_MAX];
	int rc = CLI_USAGE;
	size_t n;

	elog_err_clear(&err);
	memset(&s, 0, sizeof s);
	if (elog_signer_generate(name, &s, &err))
		goto fail;
	if (alg != s.alg) {
		s.alg = alg;
		s.keyid = elog_key_id(s.name, s.alg, s.pk);
	}
	if (elog_signer_format(&s, sk, sizeof sk - 1, &err))
		goto fail;
	n = strlen(sk);
	sk[n] = '\n';
	sk[n + 1] = '\0';
	elog_signer_public(&s, &v);
	if (elog_verifier_format(&v, vk, sizeof vk, &err) ||
	    cli_write_secret(out, sk, &err))
		goto fail;
	printf("%s\n", vk);
	rc = CLI_OK;
	goto out;
fail:
	rc = cli_fail(what, &err);
out:
	elog_signer_wipe(&s);
	sodium_memzero(sk, sizeof sk);
	return rc;
}
