/* cli.c — what the subcommands share.  See cli.h. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

int cli_fail(const char *what, const elog_err_t *err)
{
	fprintf(stderr, "envelog: %s: %s\n", what,
		err && err->msg[0] ? err->msg : "failed");
	return CLI_USAGE;
}

int cli_usage(const char *text, int is_error)
{
	fputs(text, is_error ? stderr : stdout);
	return is_error ? CLI_USAGE : CLI_OK;
}

int cli_open(const char *db, int mode, elog_store **out)
{
	elog_err_t err;
	elog_err_clear(&err);
	if (access(db, F_OK) != 0) {
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

int cli_write_secret(const char *path, const char *text, elog_err_t *err)
{
	size_t len = strlen(text), off = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return elog_fail(err, ELOG_IO, -1, NULL, "cannot create %s: %s",
				 path, strerror(errno));
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

int cli_load_signer(const char *path, elog_signer *out, elog_err_t *err)
{
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	int rc;
	if (stat(path, &st) == 0 && (st.st_mode & 077))
		fprintf(stderr,
			"envelog: warning: %s is readable by others; it "
			"should be mode 0600\n",
			path);
	if ((rc = cli_read_file(path, 4096, &text, &len, err)))
		return rc;
	rc = elog_signer_parse(text, out, err);
	sodium_memzero(text, len);
	free(text);
	return rc;
}

int cli_parse_u64(const char *s, unsigned long long *out)
{
	unsigned long long v = 0;
	if (!s || !*s || strlen(s) > 19)
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	*out = v;
	return 0;
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
