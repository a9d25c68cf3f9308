/* error.c — the error-code registry and elog_fail(). */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	int http;
} codes[] = {
#define ELOG_X(name, str, http) {str, http},
	ELOG_CODE_TABLE(ELOG_X)
#undef ELOG_X
};

const char *elog_code_name(int code)
{
	if (code < 0)
		code = -code;
	if (code >= ELOG_CODE_COUNT)
		return "internal_error";
	return codes[code].name;
}

int elog_code_http(int code)
{
	if (code < 0)
		code = -code;
	if (code >= ELOG_CODE_COUNT)
		return 500;
	return codes[code].http;
}

int elog_fail(elog_err_t *err, int code, long index, const char *field,
	      const char *fmt, ...)
{
	if (err) {
		va_list ap;
		err->code = code;
		err->index = index;
		snprintf(err->field, sizeof err->field, "%s",
			 field ? field : "");
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return -code;
}

void elog_err_clear(elog_err_t *err)
{
	if (err) {
		memset(err, 0, sizeof *err);
		err->index = -1;
	}
}
