/*
 * cli.h — the envelog command line: one file per subcommand, and the few
 * things they share.  Results go to stdout, diagnostics to stderr.
 * Exit codes: 0 success (or intact), 1 verification failed, 2 usage or I/O.
 */
#ifndef ELOG_CLI_H
#define ELOG_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "note.h"
#include "store.h"

#include "optab.h"

/* The default database, fixed at build time (src/opts/paths.c). */
#define CLI_DEFAULT_DB elog_path_db

/* Exit codes; CLI_REFUSED: envelog purge with a horizon that would move
 * back (nothing changed). */
enum { CLI_OK = 0, CLI_BAD = 1, CLI_USAGE = 2, CLI_REFUSED = 3 };

int cmd_init(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_authority(int argc, char **argv);
int cmd_witness(int argc, char **argv);
int cmd_warrant(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_bundle(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_purge(int argc, char **argv);
int cmd_tiles(int argc, char **argv);
int cmd_copy(int argc, char **argv);
int cmd_request(int argc, char **argv);
/* witness.c: envelog witness serve (argv[0] is "serve") */
int cmd_witness_serve(int argc, char **argv);

/* Print "envelog: <what>: <message>" to stderr; returns CLI_USAGE. */
int cli_fail(const char *what, const elog_err_t *err);
/* Print the usage of command cmd from envelog's option table (NULL: of
 * envelog itself) to stdout (help) or stderr (error); returns 0 / 2. */
int cli_usage(const char *cmd, int is_error);

/* Open the database; prints the error and returns CLI_USAGE on failure. */
int cli_open(const char *db, int mode, elog_store **out);

/* The key file beside a database: "x.db" -> "x.key", else "<db>.key".
 * Writes into buf (cap bytes); 0 or -1 if it does not fit. */
int cli_key_path(const char *db, char *buf, size_t cap);

/* Read a whole file (or stdin for "-") of at most max bytes, NUL-terminated,
 * into a malloc'd *buf.  0 or a negative elog code with err filled. */
int cli_read_file(const char *path, size_t max, char **buf, size_t *len,
		  elog_err_t *err);

/*
 * Copy n bytes of untrusted text (a server's answer, a bundle's field) into
 * out (cap bytes, NUL-terminated, cut at an escape boundary) so that it is
 * safe to print on a terminal: control characters (C0 but a newline when
 * keep_newlines, DEL, and C1 as UTF-8), and bytes that are not UTF-8,
 * become visible escapes \xHH or \uHHHH.  Returns out.
 */
char *cli_clean(char *out, size_t cap, const char *in, size_t n,
		int keep_newlines);

/* Write text to a new file with mode 0600 (fails if it exists). */
int cli_write_secret(const char *path, const char *text, elog_err_t *err);

/* A warning on stderr if the file at path is readable by others (a key or
 * token file should be mode 0600). */
void cli_warn_mode(const char *path);
/* Load a signer key file (wipes its buffer). */
int cli_load_signer(const char *path, elog_signer *out, elog_err_t *err);

/*
 * One option of a command: "--name VALUE" stored in *value (the last one
 * given wins), or, with list, appended to list[*count] (at most max), or a
 * flag "--name" setting *flag to 1.
 */
typedef struct cli_opt {
	const char *name;
	const char **value;
	int *flag;
	const char **list;
	size_t *count;
	size_t max;
} cli_opt;

/*
 * Parse the options in argv[1..argc) of command cmd ("purge", "audit
 * compare"): envelog's option table (src/cli/options.c) names them, opts
 * (ended by a NULL name) binds each to a variable and must name the same
 * ones, or it is an internal error (exit 2); --help prints the usage.  The positional arguments are left in order in
 * argv[*first..argc).  Returns -1 to go on, or the exit status to return at
 * once: CLI_OK after --help, CLI_USAGE after a usage error.
 */
int cli_options(int argc, char **argv, const cli_opt *opts, const char *cmd,
		int *first);

/*
 * The same for a command with verbs ("token add …"): argv[1] is the verb,
 * into *verb; the positional arguments after it are (*args)[0..*nargs).
 */
int cli_verb_options(int argc, char **argv, const cli_opt *opts,
		     const char *cmd, const char **verb, int *nargs,
		     char ***args);

/*
 * Generate a signer key named name with algorithm alg (ELOG_ALG_ED25519 for
 * authorities, ELOG_ALG_COSIGNATURE_V1 for witnesses), write it to the new
 * file out (mode 0600) and print its verifier key.  Returns an exit status;
 * what names the command in messages.
 */
int cli_keygen(const char *what, const char *name, uint8_t alg,
	       const char *out);

/* Draw a progress bar on stderr if it is a terminal. */
void cli_progress(void *ctx, uint64_t done, uint64_t total);

#endif
