/* statefile.c — files replaced whole.  See statefile.h. */
#include "statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int elog_file_temp(char *tmpl, const void *data, size_t len, mode_t mode,
		   elog_err_t *err)
{
	int fd = mkstemp(tmpl), rc;

	if (fd < 0)
		return elog_fail(err, ELOG_IO, -1, NULL,
				 "cannot create %s: %s", tmpl,
				 strerror(errno));
	if (fchmod(fd, mode) != 0 || write_all(fd, data, len) ||
	    fsync(fd) != 0) {
		rc = elog_fail(err, ELOG_IO, -1, NULL, "cannot write %s: %s",
			       tmpl, strerror(errno));
		close(fd);
		unlink(tmpl);
		return rc;
	}
	if (close(fd) != 0) {
		rc = elog_fail(err, ELOG_IO, -1, NULL, "cannot write %s: %s",
			       tmpl, strerror(errno));
		unlink(tmpl);
		return rc;
	}
	return 0;
}

int elog_file_replace(const char *path, const char *data, size_t len,
		      mode_t mode, elog_err_t *err)
{
	char tmp[4096], dir[4096];
	const char *slash = strrchr(path, '/');
	int fd, n, rc = 0;

	n = snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof tmp)
		return elog_fail(err, ELOG_IO, -1, NULL, "%s: path too long",
				 path);
	if (slash)
		n = snprintf(dir, sizeof dir, "%.*s",
			     (int)(slash == path ? 1 : slash - path), path);
	else
		n = snprintf(dir, sizeof dir, ".");
	if (n < 0 || (size_t)n >= sizeof dir)
		return elog_fail(err, ELOG_IO, -1, NULL, "%s: path too long",
				 path);
	if ((rc = elog_file_temp(tmp, data, len, mode, err)))
		return rc;
	if (rename(tmp, path) != 0) {
		rc = elog_fail(err, ELOG_IO, -1, NULL, "cannot replace %s: %s",
			       path, strerror(errno));
		unlink(tmp);
		return rc;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	return 0;
}

int elog_state_path(const char *key_path, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%s.state", key_path);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}
