/*
 * libFuzzer target: envelogd's settings (config_load).  The first byte
 * picks the part: even, the input is a --config file; odd, it is the
 * command line, one argument per line.  What is accepted must be within
 * the documented bounds.  The parser's diagnostics go to /dev/null.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char file[64];
static int devnull = -1;

static void cleanup(void)
{
	unlink(file);
}

static void check(const struct config *c)
{
	if (!memchr(c->db, '\0', sizeof c->db) ||
	    !memchr(c->key, '\0', sizeof c->key) || !c->key[0] ||
	    !memchr(c->listen, '\0', sizeof c->listen) ||
	    c->max_subjects < 1 || c->max_subjects > 1000 ||
	    c->max_body < 1024 || c->max_body > (1u << 30) ||
	    c->threads < 1 || c->timeout < 1 ||
	    (!c->tls_cert[0] != !c->tls_key[0]))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	char *argv[66], *buf;
	int argc = 0, rc, saved;
	size_t i, start;

	if (devnull < 0) {
		int fd;
		snprintf(file, sizeof file, "/tmp/fuzz_config.XXXXXX");
		fd = mkstemp(file);
		if (fd < 0)
			__builtin_trap();
		close(fd);
		atexit(cleanup);
		devnull = open("/dev/null", O_WRONLY);
	}
	if (size < 1)
		return 0;
	buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	argv[argc++] = "envelogd";
	if (data[0] % 2 == 0) {
		FILE *f = fopen(file, "w");
		if (!f) {
			free(buf);
			return 0;
		}
		fwrite(data + 1, 1, size - 1, f);
		fclose(f);
		argv[argc++] = "--config";
		argv[argc++] = file;
	} else {
		for (i = start = 0; i < size && argc < 64; i++) {
			if (i == size - 1 || buf[i] == '\n') {
				buf[i] = '\0';
				argv[argc++] = buf + start;
				start = i + 1;
			}
		}
	}
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	saved = dup(2);
	dup2(devnull, 2);
	rc = config_load(&c, argc, argv);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	if (rc == 0)
		check(&c);
	else if (rc != 1 && rc != 2)
		__builtin_trap();
	free(buf);
	return 0;
}
