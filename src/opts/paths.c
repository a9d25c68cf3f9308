/*
 * paths.c — what the Makefile fixes at build time (see optab.h).  Built
 * twice: the source tree's programs keep ./var/ and this tree's web/, so
 * `make run` works from the tree; the installed ones (`make install`) use
 * $(LOCALSTATEDIR)/lib/envelog, $(PREFIX)/share/envelog/web and
 * $(SYSCONFDIR)/envelog/envelogd.conf.
 */
#include "optab.h"

#ifndef ELOG_DB_DEFAULT
#define ELOG_DB_DEFAULT "./var/envelog.db"
#endif
#ifndef ELOG_WEB_DIR
#define ELOG_WEB_DIR "./web"
#endif
#ifndef ELOG_CONFIG_FILE
#define ELOG_CONFIG_FILE ""
#endif
#ifndef ELOG_VERSION
#define ELOG_VERSION "0.0.0"
#endif

const char elog_path_db[] = ELOG_DB_DEFAULT;
const char elog_path_web[] = ELOG_WEB_DIR;
const char elog_path_config[] = ELOG_CONFIG_FILE;
const char elog_version[] = ELOG_VERSION;
