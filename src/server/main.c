/*
 * main.c — envelogd: settings, startup checks, the listening socket, the
 * daemon, and the orderly shutdown on SIGTERM/SIGINT.
 *
 * Exit status: 0 after a clean shutdown, 1 if the final checkpoint could
 * not be committed, 2 when it cannot start (usage, database, key, port).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <systemd/sd-daemon.h>

#include "config.h"
#include "handlers.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "retention.h"
#include "shards.h"
#include "witnesses.h"
#include "rfc3339.h"
#include "statefile.h"
#include "verify.h"
#include "writer.h"

#define FILE_MAX (1 << 20)

static struct server srv;

/*
 * Read a whole file of at most FILE_MAX bytes into a malloc'd,
 * NUL-terminated buffer.  0 or -1 (errno set).
 */
static int read_file(const char *path, char **out, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	buf = malloc(FILE_MAX + 1);
	if (!buf)
		goto out;
	for (;;) {
		ssize_t k = read(fd, buf + n, FILE_MAX - n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		if (k == 0)
			break;
		n += (size_t)k;
		if (n == FILE_MAX) {
			errno = EFBIG;
			goto out;
		}
	}
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	buf = NULL;
	rc = 0;
out:
	if (buf) {
		sodium_memzero(buf, FILE_MAX + 1);
		free(buf);
	}
	close(fd);
	return rc;
}

static void free_secret(char *p, size_t len)
{
	if (p) {
		sodium_memzero(p, len);
		free(p);
	}
}

/*
 * The log this key signed must be the database's, whole: the latest stored
 * checkpoint (note, len) verifies, matches the stored tree and covers every
 * entry (an unsigned tail was appended without the key); and the last
 * checkpoint this process's predecessors signed, kept in the state file
 * beside the key, is not ahead of the database nor inconsistent with it (a
 * database restored from a backup would make the log sign those sizes
 * again with other roots: a fork).  Then the state file holds the latest
 * checkpoint.  0, or -1 with a message.
 */
static int check_signed(elog_store *w, const elog_verifier *mine,
			const char *note, size_t len)
{
	const char *state_path = srv.cfg.state;
	elog_err_t err;
	char *kept = NULL;
	size_t kept_len = 0;
	uint64_t size, signed_size;
	int rc = -1;

	elog_err_clear(&err);
	if (elog_verify_checkpoint(w, mine, note, len, &signed_size, &err)) {
		fprintf(stderr,
			"envelogd: refusing to start: the database's latest "
			"checkpoint does not match its log: %s (run envelog "
			"verify)\n",
			err.msg);
		return -1;
	}
	if (elog_store_size(w, &size, &err)) {
		fprintf(stderr, "envelogd: cannot read the database: %s\n",
			err.msg);
		return -1;
	}
	if (size != signed_size) {
		fprintf(stderr,
			"envelogd: refusing to start: the log has %llu entries "
			"but its last signed checkpoint covers %llu: entries "
			"from seq %llu on were added without the log key (an "
			"unsigned tail; run envelog verify)\n",
			(unsigned long long)size,
			(unsigned long long)signed_size,
			(unsigned long long)signed_size);
		return -1;
	}
	if (read_file(state_path, &kept, &kept_len) == 0) {
		rc = elog_verify_checkpoint(w, mine, kept, kept_len, NULL,
					    &err);
		free(kept);
		if (rc) {
			fprintf(stderr,
				"envelogd: refusing to start: the database "
				"does not hold the last checkpoint this log "
				"signed (kept in %s): %s.  Was the database "
				"restored from a backup?  Signing on would "
				"fork the log.\n",
				state_path, err.msg);
			return -1;
		}
	} else if (errno != ENOENT) {
		fprintf(stderr, "envelogd: cannot read %s: %s\n", state_path,
			strerror(errno));
		return -1;
	} else {
		fprintf(stderr,
			"envelogd: no record of the last signed checkpoint "
			"yet; keeping it from now on in %s\n",
			state_path);
	}
	if (elog_file_replace(state_path, note, len, 0600, &err)) {
		fprintf(stderr, "envelogd: %s\n", err.msg);
		return -1;
	}
	return 0;
}

/*
 * Open the database as the writer once (applying migrations), check the
 * origin and that the key file's key is the log's, make sure a checkpoint
 * exists, and check the log against what it signed (check_signed).  Fills
 * srv.vkey.
 */
static int check_store(void)
{
	struct config *c = &srv.cfg;
	elog_verifier stored, mine;
	elog_store *w = NULL;
	elog_commit commit = {0};
	elog_err_t err;
	char *note = NULL;
	size_t len;
	uint64_t size;
	struct stat st;
	char name[512];
	int rc = -1, n;

	elog_err_clear(&err);
	if (!elog_store_is_pg(c->db) && stat(c->db, &st) != 0) {
		fprintf(stderr, "envelogd: cannot open database %s: %s\n",
			c->db, strerror(errno));
		return -1;
	}
	if (elog_store_open(c->db, ELOG_STORE_WRITE, c->sync, &w, &err)) {
		fprintf(stderr, "envelogd: cannot open database %s: %s\n",
			elog_store_name(c->db, name, sizeof name), err.msg);
		return -1;
	}
	if (c->origin[0] && strcmp(c->origin, elog_store_origin(w)) != 0) {
		fprintf(stderr,
			"envelogd: --origin %s does not match the database's "
			"origin %s\n",
			c->origin, elog_store_origin(w));
		goto out;
	}
	if (elog_verifier_parse(elog_store_vkey(w), &stored, &err)) {
		fprintf(stderr,
			"envelogd: the database's verifier key is unreadable: "
			"%s\n",
			err.msg);
		goto out;
	}
	elog_signer_public(&srv.signer, &mine);
	if (strcmp(stored.name, mine.name) != 0 ||
	    stored.keyid != mine.keyid ||
	    memcmp(stored.pk, mine.pk, sizeof mine.pk) != 0) {
		fprintf(stderr,
			"envelogd: the key in %s is not this log's key "
			"(the database expects %s)\n",
			c->key, elog_store_vkey(w));
		goto out;
	}
	n = snprintf(srv.vkey, sizeof srv.vkey, "%s", elog_store_vkey(w));
	if (n < 0 || (size_t)n >= sizeof srv.vkey)
		goto out;
	rc = elog_store_checkpoint_latest(w, &note, &len, &size, &err);
	if (rc == -ELOG_NOT_FOUND) {
		elog_err_clear(&err);
		if ((rc = elog_store_size(w, &size, &err)) == 0 && size > 0) {
			fprintf(stderr,
				"envelogd: refusing to start: the log has %llu "
				"entries and no signed checkpoint (an unsigned "
				"tail; run envelog verify)\n",
				(unsigned long long)size);
			rc = -1;
			goto out;
		}
		if (rc == 0)
			rc = elog_store_begin(w, &err);
		if (rc == 0)
			rc = elog_store_commit(w, &srv.signer, elog_now_ms(),
					       &commit, &err);
	}
	if (rc) {
		fprintf(stderr, "envelogd: cannot read the checkpoint: %s\n",
			err.msg);
		rc = -1;
		goto out;
	}
	rc = note ? check_signed(w, &mine, note, len)
		  : check_signed(w, &mine, commit.checkpoint,
				 commit.checkpoint_len);
out:
	free(note);
	elog_commit_free(&commit);
	elog_store_close(w);
	return rc;
}

/*
 * The log key, the database and the TLS key are the operator's secrets:
 * refuse to start (-1, with a message) when the log key is readable or
 * writable by group or others, or the database writable by them; warn when
 * the database or the TLS key is readable by them.  A missing file is left
 * to the code that opens it.
 */
static int check_modes(void)
{
	struct stat st;

	if (stat(srv.cfg.key, &st) == 0 && (st.st_mode & 077)) {
		fprintf(stderr,
			"envelogd: the log key %s is mode %04o, open to group "
			"or others; refusing to start (chmod 600 %s)\n",
			srv.cfg.key, (unsigned)(st.st_mode & 07777),
			srv.cfg.key);
		return -1;
	}
	if (stat(srv.cfg.db, &st) == 0 && (st.st_mode & 022)) {
		fprintf(stderr,
			"envelogd: the database %s is mode %04o, writable by "
			"group or others; refusing to start (chmod 600 %s)\n",
			srv.cfg.db, (unsigned)(st.st_mode & 07777),
			srv.cfg.db);
		return -1;
	}
	if (stat(srv.cfg.db, &st) == 0 && (st.st_mode & 044))
		fprintf(stderr,
			"envelogd: warning: the database %s (event metadata) "
			"is readable by group or others (mode %04o); it "
			"should be mode 0600\n",
			srv.cfg.db, (unsigned)(st.st_mode & 07777));
	if (srv.cfg.tls_key[0] && stat(srv.cfg.tls_key, &st) == 0 &&
	    (st.st_mode & 077))
		fprintf(stderr,
			"envelogd: warning: the TLS key %s is open to group or "
			"others (mode %04o); it should be mode 0600\n",
			srv.cfg.tls_key, (unsigned)(st.st_mode & 07777));
	return 0;
}

static int load_key(void)
{
	elog_err_t err;
	char *text = NULL;
	size_t len = 0;
	int rc;

	elog_err_clear(&err);
	if (read_file(srv.cfg.key, &text, &len) != 0) {
		fprintf(stderr, "envelogd: cannot read the log key %s: %s\n",
			srv.cfg.key, strerror(errno));
		return -1;
	}
	rc = elog_signer_parse(text, &srv.signer, &err);
	free_secret(text, len);
	if (rc) {
		fprintf(stderr, "envelogd: the log key %s is unusable: %s\n",
			srv.cfg.key, err.msg);
		return -1;
	}
	return 0;
}

/* Split "host:port" or "[v6]:port"; bind and listen.  Returns the socket
 * or -1 (with a message). */
static int listen_on(const char *spec, int *is_v6)
{
	char host[256], port[16];
	const char *colon;
	struct addrinfo hints, *res = NULL;
	size_t hl;
	int fd = -1, one = 1, e;

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (!close || close[1] != ':')
			goto bad;
		hl = (size_t)(close - spec - 1);
		if (hl == 0 || hl >= sizeof host)
			goto bad;
		memcpy(host, spec + 1, hl);
		host[hl] = '\0';
		colon = close + 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon)
			goto bad;
		hl = (size_t)(colon - spec);
		if (hl >= sizeof host)
			goto bad;
		memcpy(host, spec, hl);
		host[hl] = '\0';
	}
	if (snprintf(port, sizeof port, "%s", colon + 1) >= (int)sizeof port ||
	    !port[0])
		goto bad;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	e = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (e != 0) {
		fprintf(stderr, "envelogd: --listen %s: %s\n", spec,
			gai_strerror(e));
		return -1;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC,
		    res->ai_protocol);
	if (fd < 0) {
		fprintf(stderr, "envelogd: socket: %s\n", strerror(errno));
		goto fail;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	*is_v6 = res->ai_family == AF_INET6;
	if (*is_v6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, res->ai_addr, res->ai_addrlen) != 0) {
		fprintf(stderr, "envelogd: cannot listen on %s: %s\n", spec,
			errno == EADDRINUSE ? "the port is already in use"
					    : strerror(errno));
		goto fail;
	}
	if (listen(fd, 511) != 0) {
		fprintf(stderr, "envelogd: cannot listen on %s: %s\n", spec,
			strerror(errno));
		goto fail;
	}
	freeaddrinfo(res);
	return fd;
bad:
	fprintf(stderr,
		"envelogd: --listen %s: expected HOST:PORT or "
		"[IPV6]:PORT\n",
		spec);
	return -1;
fail:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
	return -1;
}

/* Wait until no request is in flight, or seconds passed. */
static void wait_idle(double seconds)
{
	struct timespec ts = {0, 10 * 1000 * 1000};
	double waited = 0;

	while (http_in_flight() > 0 && waited < seconds) {
		nanosleep(&ts, NULL);
		waited += 0.01;
	}
}

/*
 * SIGHUP: read --tls-cert and --tls-key again and start a second daemon with
 * them on the same listening socket (a duplicate of *lfd, which becomes
 * the new daemon's); only once it runs
 * is the old one quiesced (it finishes its connections and is stopped by
 * retire()).  If the files cannot be read or the daemon cannot start, the
 * old one serves on.  Takes the old daemon in *d (replaced on success) and
 * keeps it in *old.  0 or -1 with a message.
 */
static int reload_tls(struct MHD_Daemon **d, struct MHD_Daemon **old, int *lfd,
		      size_t *cert_len, size_t *key_len, char **old_cert,
		      size_t *old_cert_len, char **old_key,
		      size_t *old_key_len)
{
	struct MHD_Daemon *nd;
	elog_err_t err;
	char *cert = NULL, *key = NULL, *pc = srv.tls_cert_pem,
	     *pk = srv.tls_key_pem;
	size_t cl = 0, kl = 0;
	int fd, q;

	if (!srv.cfg.tls_cert[0]) {
		log_event(LEVEL_WARN, NULL, "SIGHUP: no TLS to reload");
		return 0;
	}
	if (*old) {
		log_event(LEVEL_ERROR, NULL,
			  "SIGHUP: the previous reload is "
			  "still draining; try again later");
		return -1;
	}
	if (read_file(srv.cfg.tls_cert, &cert, &cl) ||
	    read_file(srv.cfg.tls_key, &key, &kl)) {
		log_event(LEVEL_ERROR, NULL,
			  "SIGHUP: cannot read the TLS "
			  "files: %s; keeping the old certificate",
			  strerror(errno));
		goto fail;
	}
	fd = dup(*lfd);
	if (fd < 0) {
		log_event(LEVEL_ERROR, NULL, "SIGHUP: %s", strerror(errno));
		goto fail;
	}
	elog_err_clear(&err);
	srv.tls_cert_pem = cert;
	srv.tls_key_pem = key;
	nd = http_start(&srv, fd, &err);
	srv.tls_cert_pem = pc;
	srv.tls_key_pem = pk;
	if (!nd) {
		close(fd);
		log_event(LEVEL_ERROR, NULL,
			  "SIGHUP: the new certificate is not "
			  "usable; keeping the old one");
		goto fail;
	}
	q = MHD_quiesce_daemon(*d);
	if (q >= 0)
		close(q);
	*lfd = fd;
	*old = *d;
	*d = nd;
	/* The old daemon's PEM stays until it is stopped. */
	*old_cert = pc;
	*old_cert_len = *cert_len;
	*old_key = pk;
	*old_key_len = *key_len;
	srv.tls_cert_pem = cert;
	srv.tls_key_pem = key;
	*cert_len = cl;
	*key_len = kl;
	log_event(LEVEL_INFO, NULL,
		  "SIGHUP: serving with the certificate "
		  "read again from %s",
		  srv.cfg.tls_cert);
	return 0;
fail:
	free(cert);
	free_secret(key, kl);
	return -1;
}

/* Stop the daemon replaced by a reload once its connections are done, or
 * after the idle timeout and the drain time have passed (force). */
static void retire(struct MHD_Daemon **old, char **cert, size_t cert_len,
		   char **key, size_t key_len, int force)
{
	const union MHD_DaemonInfo *i;

	if (!*old)
		return;
	i = MHD_get_daemon_info(*old, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	if (!force && i && i->num_connections > 0)
		return;
	MHD_stop_daemon(*old);
	*old = NULL;
	log_event(LEVEL_INFO, NULL,
		  "SIGHUP: the connections under the old "
		  "certificate are closed");
	(void)cert_len;
	free(*cert);
	*cert = NULL;
	free_secret(*key, key_len);
	*key = NULL;
}

int main(int argc, char **argv)
{
	const char *labels[METRICS_MAX_ROUTES];
	struct writer_config wc;
	struct MHD_Daemon *d = NULL, *old = NULL;
	char *old_cert = NULL, *old_key = NULL;
	size_t old_cert_len = 0, old_key_len = 0;
	time_t old_since = 0;
	struct timespec tick = {1, 0};
	struct retention *ret = NULL;
	struct witnesses *wit = NULL;
	elog_err_t err;
	sigset_t set;
	char real[PATH_MAX];
	size_t i, cert_len = 0, key_len = 0;
	int rc, fd, lfd, sig, is_v6 = 0, status = 2;

	rc = config_load(&srv.cfg, argc, argv);
	if (rc)
		return rc == 1 ? 0 : 2;
	if (sodium_init() < 0) {
		fprintf(stderr, "envelogd: libsodium failed to start\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	/* Every thread started from here on inherits this mask; main takes
	 * the signals with sigwait(). */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	elog_err_clear(&err);
	for (i = 0; i < nroutes && i < METRICS_MAX_ROUTES; i++)
		labels[i] = routes[i].path;
	metrics_init(nroutes < METRICS_MAX_ROUTES ? nroutes
						  : METRICS_MAX_ROUTES,
		     labels);

	if (check_modes() != 0 || load_key() != 0)
		goto out;
	if (check_store() != 0)
		goto out;
	if (realpath(srv.cfg.web, real)) {
		snprintf(srv.web_root, sizeof srv.web_root, "%s", real);
	}
	if (srv.cfg.tls_cert[0]) {
		if (read_file(srv.cfg.tls_cert, &srv.tls_cert_pem, &cert_len)) {
			fprintf(stderr, "envelogd: cannot read %s: %s\n",
				srv.cfg.tls_cert, strerror(errno));
			goto out;
		}
		if (read_file(srv.cfg.tls_key, &srv.tls_key_pem, &key_len)) {
			fprintf(stderr, "envelogd: cannot read %s: %s\n",
				srv.cfg.tls_key, strerror(errno));
			goto out;
		}
	}
	fd = listen_on(srv.cfg.listen, &is_v6);
	if (fd < 0)
		goto out;
	lfd = fd;

	wc.db_path = srv.cfg.db;
	wc.sync = srv.cfg.sync;
	wc.signer = &srv.signer;
	wc.queue_max = (size_t)srv.cfg.queue;
	wc.batch_max = (size_t)srv.cfg.max_events * 4;
	wc.state_path = srv.cfg.state;
	if (writer_start(&wc, &srv.writer, &err) != 0) {
		char name[512];
		fprintf(stderr, "envelogd: cannot open database %s: %s\n",
			elog_store_name(srv.cfg.db, name, sizeof name),
			err.msg);
		close(fd);
		goto out;
	}
	if (witnesses_start(&srv.cfg, srv.writer, &wit, &err) != 0) {
		fprintf(stderr, "envelogd: refusing to run: %s\n", err.msg);
		close(fd);
		writer_stop(srv.writer, NULL);
		writer_free(srv.writer);
		srv.writer = NULL;
		status = 2;
		goto out;
	}
	if (shards_start(&srv, &srv.shards, &err) != 0) {
		fprintf(stderr, "envelogd: refusing to run: %s\n", err.msg);
		witnesses_stop(wit);
		close(fd);
		writer_stop(srv.writer, NULL);
		writer_free(srv.writer);
		srv.writer = NULL;
		goto out;
	}
	d = http_start(&srv, fd, &err);
	if (!d) {
		shards_free(srv.shards);
		srv.shards = NULL;
		witnesses_stop(wit);
		fprintf(stderr, "envelogd: %s\n", err.msg);
		close(fd);
		writer_stop(srv.writer, NULL);
		writer_free(srv.writer);
		srv.writer = NULL;
		goto out;
	}
	if (retention_start(srv.writer, srv.cfg.retention_days,
			    srv.cfg.retention_interval, &ret) != 0)
		log_event(LEVEL_ERROR, NULL,
			  "cannot start the retention purge");
	log_event(LEVEL_INFO, NULL, "serving %s on %s://%s with %llu threads",
		  srv.vkey, srv.tls_cert_pem ? "https" : "http",
		  srv.cfg.listen, (unsigned long long)srv.cfg.threads);

	sd_notifyf(0, "READY=1\nSTATUS=serving on %s", srv.cfg.listen);

	for (;;) {
		sig = sigtimedwait(&set, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGHUP) {
			/* MONOTONIC_USEC: what Type=notify-reload wants with
			 * RELOADING=1. */
			struct timespec mono;
			clock_gettime(CLOCK_MONOTONIC, &mono);
			sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
				   (unsigned long long)mono.tv_sec * 1000000u +
					   (unsigned long long)mono.tv_nsec /
						   1000u);
			if (reload_tls(&d, &old, &lfd, &cert_len, &key_len,
				       &old_cert, &old_cert_len, &old_key,
				       &old_key_len) == 0 &&
			    old)
				old_since = time(NULL);
			shards_reload(srv.shards);
			sd_notify(0, "READY=1");
		}
		retire(&old, &old_cert, old_cert_len, &old_key, old_key_len,
		       time(NULL) - old_since >
			       (time_t)(srv.cfg.timeout + srv.cfg.drain));
	}
	sd_notify(0, "STOPPING=1\nSTATUS=draining");
	log_event(LEVEL_INFO, NULL, "%s: shutting down",
		  sig == SIGTERM ? "SIGTERM" : "SIGINT");

	/* Stop accepting, let requests in flight finish (the writer still
	 * commits their batches), then drain the writer and sign the final
	 * checkpoint. */
	srv.stopping = 1;
	retention_stop(ret);
	witnesses_stop(wit);
	shards_stop(srv.shards);
	fd = MHD_quiesce_daemon(d);
	if (fd >= 0)
		close(fd);
	wait_idle((double)srv.cfg.drain);
	status = 0;
	if (writer_stop(srv.writer, &err) != 0) {
		log_event(LEVEL_ERROR, NULL, "the final checkpoint failed: %s",
			  err.msg);
		status = 1;
	}
	/* Requests still arriving are answered 503 shutting_down by the
	 * stopped writer; it is freed only once no HTTP thread can reach it. */
	wait_idle(2.0);
	retire(&old, &old_cert, old_cert_len, &old_key, old_key_len, 1);
	MHD_stop_daemon(d);
	shards_free(srv.shards);
	srv.shards = NULL;
	writer_free(srv.writer);
	srv.writer = NULL;
	log_event(LEVEL_INFO, NULL, "stopped");
out:
	elog_signer_wipe(&srv.signer);
	free_secret(srv.tls_key_pem, key_len);
	free(srv.tls_cert_pem);
	return status;
}
