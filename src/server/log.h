/*
 * log.h — envelogd's log on stderr once it serves: one logfmt line per
 * request (http.c) and per event (a retention purge, a witness alarm, an
 * internal error), "ts=… level=… msg=…" then key=value fields; see
 * docs/OPERATIONS.md, "Logs".  Each line is one write(2), so lines from
 * different threads do not mix.  Startup errors stay plain sentences.
 */
#ifndef ELOG_SERVER_LOG_H
#define ELOG_SERVER_LOG_H

#include <stddef.h>

enum log_level { LEVEL_INFO, LEVEL_WARN, LEVEL_ERROR };

#define LOG_LINE_MAX 1024

/* Start a line in line (cap bytes): "ts=<RFC 3339 now> level=<level>";
 * returns its length. */
size_t log_begin(char *line, size_t cap, int level);

/*
 * Append " key=value" to line (cap bytes, *n used): the value bare when it
 * holds only [A-Za-z0-9._:/@+-], else quoted with '"' and '\' escaped;
 * anything but printable ASCII becomes '?'.  Cut short when line is full.
 */
void log_field(char *line, size_t cap, size_t *n, const char *key,
	       const char *v);

/* Write line (n bytes) and a newline to stderr in one write. */
void log_write(char *line, size_t cap, size_t n);

/* One event: level, msg from fmt (printf), and, if id is not NULL, the
 * request id it belongs to. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void log_event(int level, const char *id, const char *fmt, ...);

#endif
