/*
 * options.c — envelog's option table: one entry per command, with its
 * synopsis, description and options.  The commands' parsers (cli.c), every
 * --help, the man page envelog(1) and the bash completion come from here.
 */
#include "monitor.h"
#include "optab.h"

#define OPT_DB_HELP \
	"the log database: a SQLite file, or a PostgreSQL connection string " \
	"(postgresql://USER@HOST/DBNAME; then give the log key with --key)"
#define OPT_DB \
	{ \
		"db", "DB", OPT_DB_HELP, elog_path_db, 0, "@file" \
	}
#define OPT_END \
	{ \
		NULL, NULL, NULL, NULL, 0, NULL \
	}

static const struct optab_opt init_opts[] = {
	OPT_DB,
	{"origin", "ORIGIN",
	 "the log's name in its checkpoints (default: HOSTNAME/envelog)", NULL,
	 0, NULL},
	{"key", "FILE",
	 "where to write the log's signer key (default: the --db path with "
	 ".db replaced by .key)",
	 NULL, 0, "@file"},
	{"writer-role", "ROLE",
	 "PostgreSQL: the role envelogd connects as, granted SELECT and "
	 "INSERT on the log's tables but no UPDATE, DELETE or TRUNCATE (the "
	 "tables stay the connection's role's); default: envelogd connects "
	 "as the owner",
	 NULL, 0, NULL},
	{"reader-role", "ROLE",
	 "PostgreSQL: a role granted SELECT only (envelog verify, tiles, "
	 "replicas' readers)",
	 NULL, 0, NULL},
	OPT_END,
};

static const struct optab_opt token_opts[] = {
	OPT_DB,
	{"role", "ROLE", "add: the token's role: ingest, auditor or authority",
	 NULL, 0, "ingest auditor authority"},
	{"authority", "NAME",
	 "add: the registered authority an authority token is bound to", NULL,
	 0, NULL},
	{"label", "LABEL",
	 "add: a label for the operator's records, shown by list and in "
	 "envelogd's request log",
	 NULL, 0, NULL},
	{"stdin", NULL,
	 "add: add the token read from stdin (one line, as another log's "
	 "token add printed it) instead of making a new one, and print "
	 "nothing: the same token then works on both logs, e.g. one ingest "
	 "token on every shard behind a routing proxy (docs/SCALING.md)",
	 NULL, 0, NULL},
	OPT_END,
};

static const struct optab_opt db_opts[] = {
	OPT_DB,
	OPT_END,
};

static const struct optab_opt keygen_opts[] = {
	{"out", "FILE", "the new signer key file (mode 0600; must not exist)",
	 NULL, 0, "@file"},
	OPT_END,
};

static const struct optab_opt serve_opts[] = {
	{"key", "FILE", "the witness's signer key (envelog witness keygen)",
	 NULL, 0, "@file"},
	{"state", "FILE",
	 "each log's last cosigned size and root (mode 0600), replaced "
	 "atomically before an answer",
	 NULL, 0, "@file"},
	{"listen", "HOST:PORT", "address to listen on", "127.0.0.1:8090", 0,
	 NULL},
	{"log", "VKEY",
	 "the verifier key of a log to witness; its name is the log's origin",
	 NULL, OPT_REPEAT, NULL},
	OPT_END,
};

static const struct optab_opt warrant_opts[] = {
	{"out", "FILE",
	 "keygen: the new signer key file (mode 0600; must not exist)", NULL,
	 0, "@file"},
	{"key", "FILE", "sign: the authority's signer key", NULL, 0, "@file"},
	OPT_END,
};

static const struct optab_opt verify_opts[] = {
	OPT_DB,
	{"vkey", "VKEY",
	 "the log's verifier key as you hold it; signatures are checked "
	 "against it.  Without it, verify trusts the key stored in the "
	 "database (and says so)",
	 NULL, 0, NULL},
	{"checkpoint", "FILE",
	 "a signed checkpoint you hold (e.g. cosigned by witnesses): the log "
	 "must contain it, so a truncated, rolled back or rewritten log fails",
	 NULL, 0, "@file"},
	{"quiet", NULL, "no progress bar", NULL, 0, NULL},
	OPT_END,
};

static const struct optab_opt bundle_opts[] = {
	{"vkey", "VKEY", "the log's verifier key text", NULL, 0, NULL},
	{"witness", "VKEY", "a witness's verifier key", NULL, OPT_REPEAT, NULL},
	{"min-witnesses", "N",
	 "require at least N cosignatures by distinct --witness keys", NULL, 0,
	 NULL},
	{"warrant", "FILE",
	 "the signed warrant the bundle answered: the disclosure must be for "
	 "it and every record inside it",
	 NULL, 0, "@file"},
	OPT_END,
};

static const struct optab_opt request_opts[] = {
	{"root", "URL", "the root log's base URL", NULL, 0, NULL},
	{"vkey", "VKEY", "the root log's verifier key text", NULL, 0, NULL},
	{"warrant", "FILE",
	 "the signed warrant, whose log line names the root's origin", NULL, 0,
	 "@file"},
	{"token", "TOKEN", "the authority token, the same on every shard",
	 NULL, 0, NULL},
	{"tokens", "FILE",
	 "the authority token of each shard, one \"ORIGIN TOKEN\" line each",
	 NULL, 0, "@file"},
	{"out", "FILE", "where to write the bundle set (mode 0600)", NULL, 0,
	 "@file"},
	{"wait", "SECONDS",
	 "how long each shard may take to answer, and the root to record "
	 "the shards that answered",
	 "30", 0, NULL},
	{"cacert", "FILE", "CA certificates for https URLs", NULL, 0, "@file"},
	OPT_END,
};

static const struct optab_opt audit_opts[] = {
	{"url", "URL", "the log's base URL", NULL, 0, NULL},
	{"vkey", "VKEY",
	 "the pinned log key (verifier key text, or a file "
	 "holding it)",
	 NULL, 0, NULL},
	{"state", "FILE", "the last verified checkpoint and frontier", NULL, 0,
	 "@file"},
	{"json", NULL, "print the result as one JSON object per run", NULL, 0,
	 NULL},
	{"follow", "SECONDS",
	 "keep auditing every SECONDS; stop at the first failed check "
	 "(network errors are retried)",
	 NULL, 0, NULL},
	{"cacert", "FILE", "CA certificates for an https URL", NULL, 0,
	 "@file"},
	{"timeout", "SECONDS", "per request (connect: 10)", "60", 0, NULL},
	{"cosign", "KEYFILE",
	 "after each successful run, cosign the checkpoint (C2SP "
	 "cosignature/v1) with the witness key made by envelog witness keygen "
	 "and POST it to URL/v1/cosignatures with the auditor token",
	 NULL, 0, "@file"},
	{"token", "TOKEN", "auditor bearer token (default: $ENVELOG_TOKEN)",
	 NULL, 0, NULL},
	{"tiles", "URL",
	 "read the tiles (checkpoint, tile/...) from URL, e.g. a static copy "
	 "made by envelog tiles export; --url still receives the cosignature",
	 NULL, 0, NULL},
	{"no-tiles", NULL, "read only the /v1/ API", NULL, 0, NULL},
	OPT_END,
};

static const struct optab_opt compare_opts[] = {
	{"url", "URL", "the log's base URL, for a consistency proof", NULL, 0,
	 NULL},
	{"vkey", "VKEY", "the log key (default: the one in STATE_A)", NULL, 0,
	 NULL},
	{"cacert", "FILE", "CA certificates for an https URL", NULL, 0,
	 "@file"},
	{"json", NULL, "print the result as one JSON object", NULL, 0, NULL},
	OPT_END,
};

static const struct optab_opt purge_opts[] = {
	OPT_DB,
	{"key", "FILE",
	 "the log's signer key (default: the --db path with .db "
	 "replaced by .key)",
	 NULL, 0, "@file"},
	{"before", "DATE",
	 "the horizon: YYYY-MM-DD or an RFC 3339 UTC time, not in the future",
	 NULL, 0, NULL},
	OPT_END,
};

static const struct optab_opt tiles_opts[] = {
	OPT_DB,
	{"out", "DIR", "the directory to write the tiles to", NULL, 0, "@dir"},
	OPT_END,
};

static const struct optab_opt copy_opts[] = {
	{"from", "DB",
	 "the log to copy: a database file or a PostgreSQL connection string",
	 NULL, 0, "@file"},
	{"to", "DB",
	 "where to copy it: a new database file, or an empty PostgreSQL "
	 "database (a connection string)",
	 NULL, 0, "@file"},
	{"key", "FILE",
	 "the log's signer key (default: the --from path with .db replaced "
	 "by .key)",
	 NULL, 0, "@file"},
	{"writer-role", "ROLE",
	 "PostgreSQL --to: grant this role what envelogd needs and no more, "
	 "as envelog init --writer-role does",
	 NULL, 0, NULL},
	{"reader-role", "ROLE", "PostgreSQL --to: grant this role SELECT only",
	 NULL, 0, NULL},
	OPT_END,
};

static const struct optab_cmd cmds[] = {
	{NULL, NULL, "envelog <command> [options]\nenvelog --version",
	 "the operator's and auditor's command line", NULL, NULL},
	{"init", NULL,
	 "envelog init [--db DB] [--origin ORIGIN] [--key FILE]\n"
	 "             [--writer-role ROLE] [--reader-role ROLE]",
	 "create the database and the log key",
	 "Create the database and the log's signing key beside it (mode "
	 "0600), then print the log's verifier key.  Refuses to overwrite.",
	 init_opts},
	{"token", "add list revoke",
	 "envelog token add --role ingest|auditor|authority [--authority NAME] "
	 "[--label L] [--stdin] [--db DB]\n"
	 "envelog token list [--db DB]\n"
	 "envelog token revoke ID [--db DB]",
	 "manage bearer tokens",
	 "add prints the new token alone on one line, once: only its hash is "
	 "stored.  list prints one token a line: ID ROLE AUTHORITY LABEL "
	 "STATUS (never the tokens).  Authority tokens are bound to one "
	 "registered authority.",
	 token_opts},
	{"authority", "add list revoke",
	 "envelog authority add NAME VKEY [--db DB]\n"
	 "envelog authority list [--db DB]\n"
	 "envelog authority revoke NAME [--db DB]",
	 "manage warrant-signing authorities",
	 "Authorities sign warrants.  VKEY is the authority's signed-note "
	 "verifier key text (NAME+KEYID+BASE64); its name must be NAME.",
	 db_opts},
	{"witness", "add list revoke keygen serve",
	 "envelog witness add NAME VKEY [--db DB]\n"
	 "envelog witness list [--db DB]\n"
	 "envelog witness revoke NAME [--db DB]\n"
	 "envelog witness keygen NAME --out FILE\n"
	 "envelog witness serve --key FILE --state FILE --log VKEY...",
	 "cosigning witnesses",
	 "Witnesses cosign checkpoints (C2SP tlog-cosignature).  VKEY is the "
	 "witness's verifier key text; its name must be NAME.  The log "
	 "accepts cosignatures from the witnesses added here.",
	 db_opts},
	{"witness keygen", NULL, "envelog witness keygen NAME --out FILE",
	 "make a witness key",
	 "Write a witness signer key (cosignature/v1, algorithm byte 0x04; "
	 "mode 0600) for envelog audit --cosign and print its verifier key.",
	 keygen_opts},
	{"witness serve", NULL,
	 "envelog witness serve --key FILE --state FILE --log VKEY... "
	 "[--listen HOST:PORT]",
	 "run a C2SP tlog-witness",
	 "Serve POST /add-checkpoint of C2SP tlog-witness for the logs whose "
	 "verifier keys are given (a log's origin is its key's name): check "
	 "each checkpoint's signature and its consistency proof from the last "
	 "checkpoint this witness cosigned for that log, and answer with a "
	 "cosignature/v1 line by --key.  Refusals: 404 unknown log, 403 bad "
	 "signature, 400 malformed, 409 old size is not the last cosigned "
	 "(the body says which) or a fork, 422 the proof does not verify.  "
	 "Runs until SIGINT or SIGTERM.",
	 serve_opts},
	{"warrant", "keygen sign",
	 "envelog warrant keygen NAME --out FILE\n"
	 "envelog warrant sign --key FILE < WARRANT > SIGNED",
	 "make authority keys, sign warrants",
	 "keygen writes a signer key (PRIVATE+KEY+NAME+KEYID+BASE64, mode "
	 "0600, as Go's note.GenerateKey) and prints its verifier key, which "
	 "the log's operator registers with envelog authority add.  sign "
	 "reads a warrant body on stdin, checks its grammar, and prints the "
	 "signed note.  A warrant names the one log it is for in a required "
	 "log ORIGIN line (the origin of that log's checkpoints):\n"
	 "\n"
	 "  envelog/warrant/v1\n"
	 "  id NCA-2026-000042\n"
	 "  authority uk-nca\n"
	 "  log example.com/envelog\n"
	 "  subject +447700900123\n"
	 "  from 2026-03-01T00:00:00Z\n"
	 "  to 2026-03-23T00:00:00Z\n"
	 "  expires 2026-04-30T00:00:00Z\n"
	 "  basis Investigatory Powers Act 2016 s.61",
	 warrant_opts},
	{"verify", NULL,
	 "envelog verify [--db DB] [--vkey VKEY] [--checkpoint FILE] "
	 "[--quiet]",
	 "check the whole log offline",
	 "Check the whole log offline: every leaf hash from its data (unless "
	 "purged), the hash chain, every stored tree hash, every stored "
	 "checkpoint's root and signature, every entry covered by a signed "
	 "checkpoint, the purge prefix and the lawful-request index.  Prints "
	 "the result on stdout and names the first bad seq.  Exit 0 intact, "
	 "1 tampering found, 2 usage or I/O error.",
	 verify_opts},
	{"bundle", "verify",
	 "envelog bundle verify --vkey VKEY [--witness VKEY]... "
	 "[--min-witnesses N] [--warrant W] FILE",
	 "check a disclosure bundle offline",
	 "Check a disclosure bundle offline (FILE or - for stdin): the "
	 "checkpoint's signature by the log key VKEY, every record's leaf "
	 "(recomputed from the record's commitment) and the disclosure's "
	 "inclusion proof, and that the disclosure's records and "
	 "records_commitment match the records and records_salt.  With "
	 "--warrant, every record must lie inside the warrant (exit 1 naming "
	 "the first outside).  Exit 0 valid, 1 invalid, 2 usage or I/O "
	 "error.\n"
	 "\n"
	 "A bundle set (a file with a bundle_set member, written by envelog "
	 "request) is checked with the root log's key as VKEY alone: the root "
	 "checkpoint's signature; for every shard, the inclusion of its "
	 "registration and of its recorded checkpoint in the root checkpoint, "
	 "the shard's signature on that checkpoint, its bundle with the key "
	 "the root registered, the consistency of the bundle's checkpoint "
	 "with the recorded one and the set's warrant; that the set holds "
	 "every shard the root had registered, each once; and that no shard "
	 "is missing.  With --warrant, every shard's records must lie inside "
	 "the warrant.  A failure names the shard.",
	 bundle_opts},
	{"request", NULL,
	 "envelog request --root URL --vkey ROOT_VKEY --warrant FILE "
	 "(--token TOKEN | --tokens FILE) --out FILE [--wait SECONDS] "
	 "[--cacert FILE]",
	 "a lawful request across the shards of a root log",
	 "Send the signed warrant to every shard the root log lists at "
	 "/v1/shards (all but closed ones, in parallel); wait until the root "
	 "has recorded each shard that answered at a size at least that of "
	 "its bundle's checkpoint; fetch the root checkpoint (verified with "
	 "ROOT_VKEY), each shard's registration and recorded checkpoint "
	 "entries with their inclusion proofs, and from each shard the "
	 "consistency proof from its bundle's checkpoint to the recorded one; "
	 "write the bundle set to FILE (check it with envelog bundle verify "
	 "--vkey ROOT_VKEY FILE).  A shard that did not answer (unreachable, "
	 "timed out, 5xx, a refusal) or that the root did not record in time "
	 "is named on stderr with the reason and listed in the set's missing "
	 "member; the disclosures of the shards that answered are in the set "
	 "(they are logged).  Exit 0 when every shard answered and the set "
	 "verifies, 1 when a shard is missing or the set does not verify, 2 "
	 "usage, I/O or network error with the root.",
	 request_opts},
	{"audit", NULL,
	 "envelog audit --url URL --vkey VKEY --state FILE [--json] "
	 "[--follow SECONDS] [--cacert FILE] [--timeout SECONDS] "
	 "[--cosign KEYFILE] [--token TOKEN] [--tiles URL | --no-tiles]",
	 "monitor a running log",
	 "Monitor a running log.  Fetch the latest checkpoint from URL and "
	 "verify its signature with the pinned log key VKEY; verify that it "
	 "is consistent with the last checkpoint verified (kept in FILE); "
	 "fetch the new leaves, recompute their chain values, the leaf "
	 "hashes of the public entries (disclosure, refusal, purge) and the "
	 "tree root, which must equal the checkpoint's.  Only then FILE is "
	 "replaced (atomically).  Without FILE the whole history is fetched "
	 "and trusted on first use.  Exit 0 when every check holds, 1 when "
	 "one fails (on a rollback or fork both checkpoints are printed as "
	 "evidence), 2 for usage, network or I/O errors (FILE unchanged).\n"
	 "\n"
	 "When the log offers C2SP tlog-tiles (URL/tlog/checkpoint answers), "
	 "the checkpoint, the leaves (entry bundles) and the hashes of every "
	 "consistency proof (hash tiles) are read from its tiles, which any "
	 "cache or static server can serve; otherwise (404) from the /v1/ "
	 "API.  The checks are the same; tiles carry no chain values, so over "
	 "tiles they are computed (into FILE) but none is served to compare.\n"
	 "\n"
	 "The state FILE is a JSON object: format (\"" ELOG_MONITOR_STATE_FORMAT
	 "\"), vkey, origin, size, root (base64), chain_hash (the chain value "
	 "of seq size - 1; 32 zero bytes when size is 0), frontier (the roots "
	 "of the complete subtrees that make up the tree of that size, left to "
	 "right), checkpoint (the signed note), updated (Unix time) and totals "
	 "(entries, disclosures, refusals, purges).",
	 audit_opts},
	{"audit compare", NULL,
	 "envelog audit compare STATE_A STATE_B [--url URL] [--vkey VKEY] "
	 "[--cacert FILE] [--json]",
	 "are two auditors' views consistent?",
	 "Prove that the checkpoints in two audit state files are consistent: "
	 "at equal sizes their roots must be equal; otherwise a consistency "
	 "proof from URL must link the smaller to the larger.  Exit 0 "
	 "consistent, 1 not (both signed checkpoints are printed as "
	 "evidence), 2 usage or network error.",
	 compare_opts},
	{"purge", NULL, "envelog purge --before DATE [--db DB] [--key FILE]",
	 "retention purge of old metadata",
	 "Delete the metadata (every field, the nonce too) of every event "
	 "committed before DATE: a prefix of the log, through the last seq "
	 "committed before DATE.  Append a purge entry and sign a "
	 "checkpoint, in one transaction; then return the freed pages to the "
	 "file system.  Leaf hashes, chain values, tree hashes and "
	 "checkpoints stay, so the log still verifies.  Shows its progress "
	 "on stderr (a bar on a terminal, else a line every 10%).  Prints "
	 "the purge entry's seq and counts, or that nothing was committed "
	 "before DATE.  The horizon only moves forward: a DATE not after the "
	 "current horizon changes nothing and exits 3.",
	 purge_opts},
	{"copy", NULL,
	 "envelog copy --from DB --to DB [--key FILE]\n"
	 "             [--writer-role ROLE] [--reader-role ROLE]",
	 "move a log to another store (SQLite to PostgreSQL) and verify it",
	 "Copy the whole log of --from into --to, a new SQLite file or an "
	 "empty PostgreSQL database: its entries with their records, tree "
	 "hashes, checkpoints with their exact notes, cosignatures, tokens "
	 "(their hashes), authorities, witnesses, warrant uses, purge "
	 "horizons and ingest keys.  The entries above the purge horizon are "
	 "appended through the target's store, which writes its own "
	 "lawful-request index, and each checkpoint is signed again with "
	 "--key at its original time: the note must come out the same byte "
	 "for byte.  Then verify the copy: the same size, root and "
	 "checkpoints as the source, and a full verify of the target against "
	 "the source's key and latest checkpoint.  Stop envelogd on --from "
	 "first.  Exit 0 copied and verified, 1 the copy or the source does "
	 "not verify, 2 usage or I/O error, 3 --to is not new or empty "
	 "(nothing changed).  With --writer-role or --reader-role (a "
	 "PostgreSQL --to, copied as the role that is to own its tables), "
	 "the roles are checked first and granted after the copy verifies.",
	 copy_opts},
	{"tiles", "export", "envelog tiles export --out DIR [--db DB]",
	 "the log as static C2SP tlog-tiles",
	 "Write the log's latest checkpoint (DIR/checkpoint), its hash tiles "
	 "and entry bundles, C2SP tlog-tiles, as envelogd serves them under "
	 "/tlog/.  Incremental: only the tiles that grew since the checkpoint "
	 "already in DIR are written, each under a temporary name and moved "
	 "into place, the checkpoint last, so DIR always holds a consistent "
	 "tree.  DIR's checkpoint must be this log's and a prefix of it.",
	 tiles_opts},
	{NULL, NULL, NULL, NULL, NULL, NULL},
};

static const struct optab_section sections[] = {
	{"EXIT STATUS",
	 "0 success (or intact); 1 verification failed: tampering, an "
	 "invalid bundle, an inconsistent log; 2 usage, I/O or network error; "
	 "3 envelog purge only: refused because the purge horizon only moves "
	 "forward (nothing was changed)."},
	{"ENVIRONMENT",
	 "ENVELOG_TOKEN: the auditor token of envelog audit when --token is "
	 "not given."},
	{"FILES",
	 "The default database (--db) is the one envelogd serves; the log key "
	 "lies beside it, the database's name with .db replaced by .key."},
	{"SEE ALSO", "envelogd(8), envelogd.conf(5)"},
	{NULL, NULL},
};

const struct optab_prog envelog_prog = {
	"envelog",
	1,
	"operate and audit an envelog log",
	"envelog is the operator's and the auditor's command line: it creates "
	"the log, manages tokens, authorities and witnesses, signs warrants, "
	"verifies the log, bundles and running servers, and purges old "
	"metadata.  Results go to stdout, diagnostics to stderr; every "
	"command takes --help.",
	cmds,
	sections,
};
