/* version.h — what `envelog --version` and `envelogd --version` print. */
#ifndef ELOG_VERSION_H
#define ELOG_VERSION_H

#include <stdio.h>

/*
 * Print "PROG VERSION", then one "name version" line each for the schema
 * (the database's user_version this build writes) and the libraries as
 * linked at run time: sqlite, libmicrohttpd, jansson, libsodium, libcurl.
 */
void elog_print_version(FILE *f, const char *prog);

#endif
