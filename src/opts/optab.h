/*
 * optab.h — one option table per program.  envelogd's (src/server/options.c)
 * and envelog's (src/cli/options.c) tables feed the programs' option
 * parsers (getopt_long), their --help, and, through mkdoc, the man pages
 * envelog(1), envelogd(8) and envelogd.conf(5) and the bash completion.
 *
 * Texts are plain: paragraphs separated by an empty line; a line starting
 * with two spaces is shown as is (an example); everything else is filled.
 */
#ifndef ELOG_OPTAB_H
#define ELOG_OPTAB_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

enum optab_flags {
	OPT_REPEAT = 1,	 /* may be given more than once */
	OPT_CMDLINE = 2, /* command line only, not a config file setting */
};

struct optab_opt {
	const char *name; /* the long option, without "--" */
	const char *arg;  /* its value's name; NULL for a flag */
	const char *help; /* one paragraph */
	const char *def;  /* the default, shown as "(default X)"; or NULL */
	unsigned flags;	  /* enum optab_flags */
	const char *complete; /* completion of the value: "@file", "@dir", or
			       * words separated by spaces; NULL: none */
};

struct optab_cmd {
	const char *name;     /* "purge", "audit compare"; NULL: the program */
	const char *verbs;    /* "add list revoke", or NULL */
	const char *synopsis; /* usage lines, "\n" between them */
	const char *summary;  /* one line, for the command list */
	const char *text;     /* the description */
	const struct optab_opt *opts; /* ended by a NULL name */
};

struct optab_section {
	const char *title; /* "EXIT STATUS" */
	const char *text;
};

struct optab_prog {
	const char *name;
	int section;			      /* man section: 1 or 8 */
	const char *summary;		      /* the NAME line */
	const char *text;		      /* the description */
	const struct optab_cmd *cmds;	      /* ended by a NULL synopsis */
	const struct optab_section *sections; /* ended by a NULL title */
};

/* The tables (src/server/options.c, src/cli/options.c). */
extern const struct optab_prog envelogd_prog;
extern const struct optab_prog envelog_prog;

/* Paths fixed at build time (src/opts/paths.c, built twice: for the source
 * tree and for `make install`). */
extern const char elog_path_db[];     /* the default database */
extern const char elog_path_web[];    /* envelogd's default --web */
extern const char elog_path_config[]; /* envelogd's config file; "" none */
extern const char elog_version[];     /* the release */

/* The command named name (NULL: the program's own), or NULL. */
const struct optab_cmd *optab_cmd(const struct optab_prog *p, const char *name);

/* The option named name of c, or NULL. */
const struct optab_opt *optab_opt(const struct optab_cmd *c, const char *name);

/*
 * Fill lo (cap entries) with getopt_long options for c's options, each
 * returning 0x100 + its index in c->opts, then "help" ('h') and, when
 * version, "version" ('V'), and the terminating zero entry.  Returns the
 * number of c's options, or -1 if lo is too small.
 */
int optab_longopts(const struct optab_cmd *c, int version, struct option *lo,
		   size_t cap);

/* Print c's usage: synopsis, description and options, filled to 79
 * columns, to f. */
void optab_usage(FILE *f, const struct optab_prog *p,
		 const struct optab_cmd *c);

/* Print the program's usage: its synopsis and command list (for a
 * program with subcommands). */
void optab_usage_prog(FILE *f, const struct optab_prog *p);

/* Print text (see above) filled to width columns, each line indented by
 * indent spaces. */
void optab_fill(FILE *f, const char *text, int indent, int width);

#endif
