/* version.c — the --version text of both programs.  See version.h. */
#include "version.h"

#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>
#include <sqlite3.h>

#include "optab.h"
#include "schema.h"

void elog_print_version(FILE *f, const char *prog)
{
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);

	fprintf(f,
		"%s %s\n"
		"schema %d\n"
		"sqlite %s\n"
		"libmicrohttpd %s\n"
		"jansson %s\n"
		"libsodium %s\n"
		"libcurl %s\n",
		prog, elog_version, elog_schema_count, sqlite3_libversion(),
		MHD_get_version(), jansson_version_str(),
		sodium_version_string(), cv ? cv->version : "?");
}
