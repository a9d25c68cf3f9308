/*
 * statefile.h — small files kept outside the database and replaced whole:
 * the monitor's state (envelog audit) and envelogd's last signed
 * checkpoint, its guard against a database rolled back from a backup.
 */
#ifndef ELOG_STATEFILE_H
#define ELOG_STATEFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/*
 * Create a file from the mkstemp template tmpl (rewritten in place with the
 * name made), write the len bytes of data, set mode, fsync and close it:
 * ready to be renamed or linked into place.  On failure nothing is left.
 * 0 or IO.
 */
int elog_file_temp(char *tmpl, const void *data, size_t len, mode_t mode,
		   elog_err_t *err);

/*
 * Replace path atomically with the len bytes of data, with the given mode:
 * a temporary file beside it, fsync, rename, fsync of the directory.  On
 * failure path is left as it was.  0 or IO.
 */
int elog_file_replace(const char *path, const char *data, size_t len,
		      mode_t mode, elog_err_t *err);

/*
 * The state file of a log key: "<key>.state" into buf (cap bytes).  0, or
 * -1 if it does not fit.
 */
int elog_state_path(const char *key_path, char *buf, size_t cap);

#endif
