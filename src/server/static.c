/*
 * static.c — files of the auditor console from --web for GET and HEAD of
 * paths outside /v1/.  "/" and directories serve their index.html.  The
 * path must resolve (realpath, so through symlinks too) inside the web
 * root; "..", hidden files, backslashes and anything but printable ASCII
 * are refused before that.
 */
#include "handlers.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{".html", "text/html; charset=utf-8"},
	{".htm", "text/html; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".mjs", "text/javascript; charset=utf-8"},
	{".json", "application/json"},
	{".txt", "text/plain; charset=utf-8"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".jpg", "image/jpeg"},
	{".jpeg", "image/jpeg"},
	{".gif", "image/gif"},
	{".ico", "image/x-icon"},
	{".webp", "image/webp"},
	{".woff", "font/woff"},
	{".woff2", "font/woff2"},
	{".wasm", "application/wasm"},
	{".map", "application/json"},
};

static const char *content_type(const char *path)
{
	const char *dot = strrchr(path, '.');
	size_t i;

	if (dot && !strchr(dot, '/'))
		for (i = 0; i < sizeof types / sizeof types[0]; i++)
			if (!strcasecmp(dot, types[i].ext))
				return types[i].type;
	return "application/octet-stream";
}

int static_path_clean(const char *p)
{
	const char *seg;

	if (p[0] != '/')
		return 0;
	for (seg = p; *seg; seg++) {
		unsigned char c = (unsigned char)*seg;
		if (c < 0x21 || c > 0x7e || c == '\\' || c == '%')
			return 0;
	}
	/* no segment may start with '.': refuses "..", "." and dot files */
	for (seg = strchr(p, '/'); seg; seg = strchr(seg + 1, '/'))
		if (seg[1] == '.')
			return 0;
	return 1;
}

static enum MHD_Result not_found(struct request *rq)
{
	return reply_error(rq, ELOG_NOT_FOUND, -1, NULL, "no such file");
}

enum MHD_Result handle_static(struct request *rq)
{
	const char *root = rq->srv->web_root;
	const char *url = rq->url;
	char want[PATH_MAX], real[PATH_MAX];
	struct MHD_Response *resp;
	struct stat st;
	size_t rlen = strlen(root);
	int n, fd;

	if (!*root || !static_path_clean(url))
		return not_found(rq);
	n = snprintf(want, sizeof want, "%s%s%s", root, url,
		     url[strlen(url) - 1] == '/' ? "index.html" : "");
	if (n < 0 || (size_t)n >= sizeof want)
		return not_found(rq);
	if (!realpath(want, real))
		return not_found(rq);
	if (strncmp(real, root, rlen) != 0 || real[rlen] != '/')
		return not_found(rq);
	if (stat(real, &st) == 0 && S_ISDIR(st.st_mode)) {
		size_t l = strlen(real);
		if (l + sizeof "/index.html" > sizeof real)
			return not_found(rq);
		memcpy(real + l, "/index.html", sizeof "/index.html");
		if (!realpath(real, want) || strncmp(want, root, rlen) != 0 ||
		    want[rlen] != '/')
			return not_found(rq);
		memcpy(real, want, strlen(want) + 1);
	}
	fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return not_found(rq);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return not_found(rq);
	}
	resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (!resp) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				content_type(real));
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				"no-cache");
	return reply(rq, 200, resp, (uint64_t)st.st_size);
}
