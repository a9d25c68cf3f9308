/*
 * signnote — sign notes for tests, without the checks of the envelog CLI,
 * so that tests can build notes that are correctly signed but otherwise
 * wrong:
 *   signnote KEYFILE < TEXT > NOTE
 *       sign any text as a C2SP signed note;
 *   signnote cosign KEYFILE CHECKPOINT-NOTE > BODY
 *       a cosignature/v1 of the checkpoint's text by the witness key, as
 *       the body of POST /v1/cosignatures (text, blank line, the line).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checkpoint.h"
#include "note.h"

static int load_key(const char *path, elog_signer *s)
{
	char key[1024];
	elog_err_t err;
	FILE *f = fopen(path, "r");
	if (!f || !fgets(key, sizeof key, f)) {
		fprintf(stderr, "signnote: cannot read %s\n", path);
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	if (elog_signer_parse(key, s, &err)) {
		fprintf(stderr, "signnote: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static char *slurp(FILE *f, size_t *len)
{
	size_t cap = 1 << 16;
	char *buf = malloc(cap);
	if (buf)
		*len = fread(buf, 1, cap, f);
	return buf;
}

int main(int argc, char **argv)
{
	elog_signer s;
	elog_err_t err;
	char *text, *note = NULL;
	size_t len = 0, nlen = 0;

	if (argc == 4 && strcmp(argv[1], "cosign") == 0) {
		char line[512];
		size_t tl = 0, ns = 0;
		elog_note_sig sig;
		FILE *f = fopen(argv[3], "r");
		if (!f || load_key(argv[2], &s))
			return 2;
		text = slurp(f, &len);
		fclose(f);
		if (!text || elog_note_parse(text, len, &tl, &sig, 1, &ns, &err) ||
		    elog_cosign(text, tl, &s, (uint64_t)time(NULL), line,
				sizeof line, &err))
			return fprintf(stderr, "signnote: %s\n", err.msg), 2;
		fwrite(text, 1, tl, stdout);
		printf("\n%s", line);
		free(text);
		elog_signer_wipe(&s);
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: signnote KEYFILE < TEXT\n"
				"       signnote cosign KEYFILE CHECKPOINT\n");
		return 2;
	}
	if (load_key(argv[1], &s))
		return 2;
	text = slurp(stdin, &len);
	if (!text || elog_note_sign(text, len, &s, &note, &nlen, &err))
		return fprintf(stderr, "signnote: %s\n", err.msg), 2;
	fwrite(note, 1, nlen, stdout);
	free(note);
	free(text);
	elog_signer_wipe(&s);
	return 0;
}
