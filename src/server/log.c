/* log.c — logfmt lines on stderr.  See log.h. */
#include "log.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rfc3339.h"

static const char *const level_names[] = {"info", "warn", "error"};

size_t log_begin(char *line, size_t cap, int level)
{
	char when[32];
	int k;

	elog_rfc3339_format(elog_now_ms(), when);
	k = snprintf(line, cap, "ts=%s level=%s", when,
		     level_names[level >= LEVEL_INFO && level <= LEVEL_ERROR
					 ? level
					 : LEVEL_ERROR]);
	if (k < 0)
		return 0;
	return (size_t)k < cap ? (size_t)k : cap - 1;
}

void log_field(char *line, size_t cap, size_t *n, const char *key,
	       const char *v)
{
	size_t i, o = *n;
	int bare = v[0] != '\0';

	for (i = 0; v[i] && bare; i++)
		bare = isalnum((unsigned char)v[i]) || strchr("._:/@+-", v[i]);
	if (o + strlen(key) + 4 >= cap)
		return;
	o += (size_t)snprintf(line + o, cap - o, " %s=%s", key,
			      bare ? "" : "\"");
	for (i = 0; v[i] && o + 4 < cap; i++) {
		unsigned char c = (unsigned char)v[i];
		if (!bare && (c == '"' || c == '\\'))
			line[o++] = '\\';
		line[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (!bare && o + 1 < cap)
		line[o++] = '"';
	line[o] = '\0';
	*n = o;
}

void log_write(char *line, size_t cap, size_t n)
{
	if (n + 1 >= cap)
		n = cap - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0) {
		/* nothing sensible to do about a lost log line */
	}
}

void log_event(int level, const char *id, const char *fmt, ...)
{
	char line[LOG_LINE_MAX], msg[LOG_LINE_MAX / 2];
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	n = log_begin(line, sizeof line, level);
	log_field(line, sizeof line, &n, "msg", msg);
	if (id)
		log_field(line, sizeof line, &n, "id", id);
	log_write(line, sizeof line, n);
}
