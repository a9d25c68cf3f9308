# shellcheck shell=bash
# pg.sh — scratch PostgreSQL 15 servers for a test (Debian's postgresql-15,
# installed by make deps).  Source it after lib.sh.
#
#   pg_start NAME [SETTING…]   initdb in $T/pg-NAME and start a server on a
#                              free loopback port; sets PG_URL (a conninfo
#                              URI for database "envelog", user "envelog"),
#                              PG_PORT and PG_DIR.  SETTINGs (name=value)
#                              go to its postgresql.conf.
#   pg_stop NAME [MODE]        stop it (pg_ctl -m MODE, default fast)
#   pg_kill NAME               SIGKILL its postmaster (a crash)
#   pg_run CMD…                run a PostgreSQL program as the servers' user
#   pg_psql NAME SQL           run SQL as the superuser, print rows (-At)
#   pg_replica NAME FROM PORT  $T/pg-NAME (emptied) becomes a streaming
#                              standby of FROM (pg_basebackup -R) on PORT,
#                              started; 0, or 1 with the reason printed
#
# PostgreSQL refuses to run as root, and CI runs as root: there the servers
# run as "nobody", which owns their directories.  As any other user they
# run as that user.  Every server started here is stopped when the test
# exits (pg_cleanup, called from lib.sh's cleanup through PG_NAMES).
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_NAMES=()
if [ "$(id -u)" = 0 ]; then
	PG_USER=nobody
	# nobody must reach its directories under $T
	chmod 711 "$T"
else
	PG_USER=
fi

pg_run() {
	if [ -n "$PG_USER" ]; then
		runuser -u "$PG_USER" -- "$@"
	else
		"$@"
	fi
}

pg_start() { # NAME [SETTING…]
	local name=$1 dir=$T/pg-$1 port
	shift
	[ -x "$PG_BIN/initdb" ] || bail "PostgreSQL 15 is not installed (make deps)"
	port=$(free_port)
	mkdir -p "$dir"
	[ -n "$PG_USER" ] && chown "$PG_USER" "$dir"
	pg_run "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust \
		-E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		bail "initdb failed: $(tail -3 "$dir/initdb.log")"
	{
		echo "listen_addresses = '127.0.0.1'"
		echo "port = $port"
		echo "unix_socket_directories = '$dir'"
		echo "fsync = on"
		echo "max_wal_senders = 10"
		echo "wal_level = replica"
		echo "hot_standby = on"
		for s in "$@"; do echo "$s"; done
	} >>"$dir/data/postgresql.conf"
	echo "host replication all 127.0.0.1/32 trust" >>"$dir/data/pg_hba.conf"
	pg_run "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		start >/dev/null 2>&1 ||
		bail "PostgreSQL did not start: $(tail -3 "$dir/server.log")"
	PG_NAMES+=("$name")
	pg_psql "$name" "CREATE ROLE envelog LOGIN" >/dev/null ||
		bail "CREATE ROLE envelog"
	pg_psql "$name" "CREATE DATABASE envelog OWNER envelog" >/dev/null ||
		bail "CREATE DATABASE envelog"
	# shellcheck disable=SC2034 # for the test that sources this
	PG_PORT=$port PG_DIR=$dir \
		PG_URL="postgresql://envelog@127.0.0.1:$port/envelog"
}

pg_replica() { # NAME FROM PORT
	local name=$1 dir=$T/pg-$1
	rm -rf "$dir/data"
	mkdir -p "$dir"
	[ -n "$PG_USER" ] && chown "$PG_USER" "$dir"
	pg_run "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$(pg_port "$2")" \
		-U postgres -D "$dir/data" -R -X stream -c fast \
		>"$dir/basebackup.log" 2>&1 || {
		echo "# pg_basebackup: $(tail -3 "$dir/basebackup.log")"
		return 1
	}
	{
		echo "port = $3"
		echo "unix_socket_directories = '$dir'"
		echo "cluster_name = '$name'"
	} >>"$dir/data/postgresql.conf"
	pg_run "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		start >/dev/null 2>&1 || {
		echo "# the standby did not start: $(tail -3 "$dir/server.log")"
		return 1
	}
	case " ${PG_NAMES[*]} " in *" $name "*) ;; *) PG_NAMES+=("$name") ;; esac
}

pg_psql() { # NAME SQL
	local dir=$T/pg-$1
	pg_run "$PG_BIN/psql" -h "$dir" -p "$(pg_port "$1")" -U postgres \
		-d "${PG_DB:-postgres}" -At -v ON_ERROR_STOP=1 -c "$2"
}

pg_port() { # NAME
	sed -n 's/^port = //p' "$T/pg-$1/data/postgresql.conf" | tail -1
}

pg_stop() { # NAME [MODE]
	pg_run "$PG_BIN/pg_ctl" -D "$T/pg-$1/data" -m "${2:-fast}" -w \
		stop >/dev/null 2>&1
}

pg_kill() { # NAME
	local pid
	pid=$(head -1 "$T/pg-$1/data/postmaster.pid" 2>/dev/null) || return 1
	kill -KILL "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
}

pg_cleanup() {
	local name
	for name in "${PG_NAMES[@]}"; do
		[ -f "$T/pg-$name/data/postmaster.pid" ] && pg_stop "$name" immediate
	done
	return 0
}
