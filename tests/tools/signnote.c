/*
 * signnote — sign any text as a C2SP signed note, without the grammar
 * checks of `envelog warrant sign`, so that tests can build notes that are
 * correctly signed but otherwise wrong:
 *   signnote KEYFILE < TEXT > NOTE
 */
#include <stdio.h>
#include <stdlib.h>

#include "note.h"

int main(int argc, char **argv)
{
	char key[1024], *text, *note = NULL;
	size_t len = 0, cap = 1 << 16, nlen = 0;
	elog_signer s;
	elog_err_t err;
	FILE *f;

	if (argc != 2)
		return fprintf(stderr, "usage: signnote KEYFILE < TEXT\n"), 2;
	f = fopen(argv[1], "r");
	if (!f || !fgets(key, sizeof key, f))
		return fprintf(stderr, "signnote: cannot read key\n"), 2;
	fclose(f);
	if (elog_signer_parse(key, &s, &err))
		return fprintf(stderr, "signnote: %s\n", err.msg), 2;
	text = malloc(cap);
	if (!text)
		return 2;
	len = fread(text, 1, cap, stdin);
	if (elog_note_sign(text, len, &s, &note, &nlen, &err))
		return fprintf(stderr, "signnote: %s\n", err.msg), 2;
	fwrite(note, 1, nlen, stdout);
	free(note);
	free(text);
	elog_signer_wipe(&s);
	return 0;
}
