/* optab.c — option tables: lookup, getopt_long options, usage text.  See
 * optab.h. */
#include "optab.h"

#include <string.h>

const struct optab_cmd *optab_cmd(const struct optab_prog *p, const char *name)
{
	const struct optab_cmd *c;

	for (c = p->cmds; c->synopsis; c++)
		if ((!name && !c->name) ||
		    (name && c->name && strcmp(name, c->name) == 0))
			return c;
	return NULL;
}

const struct optab_opt *optab_opt(const struct optab_cmd *c, const char *name)
{
	const struct optab_opt *o;

	for (o = c->opts; o && o->name; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

int optab_longopts(const struct optab_cmd *c, int version, struct option *lo,
		   size_t cap)
{
	size_t n = 0;
	const struct optab_opt *o;

	for (o = c->opts; o && o->name; o++, n++) {
		if (n + 3 >= cap)
			return -1;
		lo[n].name = o->name;
		lo[n].has_arg = o->arg ? required_argument : no_argument;
		lo[n].flag = NULL;
		lo[n].val = 0x100 + (int)n;
	}
	lo[n] = (struct option){"help", no_argument, NULL, 'h'};
	if (version)
		lo[n + 1] = (struct option){"version", no_argument, NULL, 'V'};
	else
		lo[n + 1] = (struct option){NULL, 0, NULL, 0};
	lo[n + 2] = (struct option){NULL, 0, NULL, 0};
	return (int)n;
}

/* Print the words of the filled run [s, end) to f. */
static void fill_run(FILE *f, const char *s, const char *end, int indent,
		     int width, int first_col)
{
	int col = first_col;

	while (s < end) {
		const char *w;
		int len;

		while (s < end && (*s == ' ' || *s == '\n'))
			s++;
		if (s >= end)
			break;
		w = s;
		while (s < end && *s != ' ' && *s != '\n')
			s++;
		len = (int)(s - w);
		if (col > indent && col + 1 + len > width) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		} else if (col < indent) {
			fprintf(f, "%*s", indent - col, "");
			col = indent;
		}
		fwrite(w, 1, (size_t)len, f);
		col += len;
	}
	if (col > indent || first_col > indent)
		fputc('\n', f);
}

void optab_fill(FILE *f, const char *text, int indent, int width)
{
	const char *s = text, *run = NULL;

	while (s && *s) {
		const char *eol = strchr(s, '\n');
		const char *next = eol ? eol + 1 : s + strlen(s);

		if (!eol)
			eol = s + strlen(s);
		if (eol == s || (s[0] == ' ' && s[1] == ' ')) {
			if (run)
				fill_run(f, run, s, indent, width, 0);
			run = NULL;
			if (eol == s)
				fputc('\n', f);
			else
				fprintf(f, "%*s%.*s\n", indent, "",
					(int)(eol - s), s);
		} else if (!run) {
			run = s;
		}
		s = next;
	}
	if (run)
		fill_run(f, run, s, indent, width, 0);
}

/* Print the words of a synopsis s (after its command, from column indent)
 * filled to 79 columns; a bracketed group "[--name VALUE]" is one word. */
static void words(FILE *f, const char *s, int indent)
{
	int col = indent;

	while (*s) {
		const char *w;
		int len, depth = 0;

		while (*s == ' ')
			s++;
		if (!*s)
			break;
		w = s;
		for (; *s && (*s != ' ' || depth > 0); s++)
			depth += *s == '[' ? 1 : *s == ']' ? -1 : 0;
		len = (int)(s - w);
		if (col > indent && col + 1 + len > 79) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else {
			fputc(' ', f);
			col++;
		}
		fwrite(w, 1, (size_t)len, f);
		col += len;
	}
	fputc('\n', f);
}

/* The synopsis lines, the first after "usage: ", the rest aligned; a long
 * line is filled to 79 columns, continued under its first option. */
static void synopsis(FILE *f, const char *syn)
{
	const char *s = syn;
	int first = 1;

	while (*s) {
		const char *eol = strchr(s, '\n'), *o1, *o2, *opt;
		int len = eol ? (int)(eol - s) : (int)strlen(s), indent;
		char line[512];

		snprintf(line, sizeof line, "%.*s", len, s);
		o1 = strstr(line, " -");
		o2 = strstr(line, " [");
		opt = o1 && (!o2 || o1 < o2) ? o1 : o2;
		indent = 7 + (opt ? (int)(opt - line) + 1 : 0);
		fputs(first ? "usage: " : "       ", f);
		if (!opt || indent > 40 || 7 + len <= 79) {
			fprintf(f, "%s\n", line);
		} else {
			fprintf(f, "%.*s", (int)(opt - line), line);
			words(f, opt, indent);
		}
		first = 0;
		s += len;
		if (*s)
			s++;
	}
}

void optab_usage(FILE *f, const struct optab_prog *p, const struct optab_cmd *c)
{
	const struct optab_opt *o;
	(void)p;

	synopsis(f, c->synopsis);
	if (c->text) {
		fputc('\n', f);
		optab_fill(f, c->text, 0, 78);
	}
	if (!c->opts || !c->opts->name)
		return;
	fputs("\noptions:\n", f);
	for (o = c->opts; o->name; o++) {
		char head[64], help[1024];
		int n = snprintf(head, sizeof head, "  --%s%s%s", o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");

		if (o->def && o->def[0])
			snprintf(help, sizeof help, "%s (default %s)", o->help,
				 o->def);
		else
			snprintf(help, sizeof help, "%s", o->help);
		fputs(head, f);
		if (n >= 24) {
			fputc('\n', f);
			n = 0;
		}
		fprintf(f, "%*s", 24 - n, "");
		fill_run(f, help, help + strlen(help), 24, 78, 24);
	}
}

void optab_usage_prog(FILE *f, const struct optab_prog *p)
{
	const struct optab_cmd *c;

	synopsis(f, p->cmds[0].synopsis);
	fputc('\n', f);
	optab_fill(f, p->text, 0, 78);
	fputs("\ncommands:\n", f);
	for (c = p->cmds + 1; c->synopsis; c++) {
		int n = fprintf(f, "  %s", c->name);
		const char *v;

		if (c->verbs) {
			fputc(' ', f);
			n++;
			for (v = c->verbs; *v; v++, n++)
				fputc(*v == ' ' ? '|' : *v, f);
		}
		if (n >= 30) {
			fputc('\n', f);
			n = 0;
		}
		fprintf(f, "%*s%s\n", 30 - n, "", c->summary);
	}
	for (const struct optab_section *x = p->sections; x && x->title; x++) {
		if (strcmp(x->title, "EXIT STATUS") == 0) {
			fputs("\nexit status:\n", f);
			optab_fill(f, x->text, 2, 78);
		}
	}
}
