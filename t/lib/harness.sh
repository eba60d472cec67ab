# t/lib/harness.sh - start and stop one test program's PostgreSQL 15 and pdns_server workers.
#
# Owns, per test program, the folder HARNESS_DIR = ${HARNESS_ROOT:-$DROVER_BUILDDIR/t/tmp}/NAME
# (DROVER_BUILDDIR defaults to .) and everything in it: a PostgreSQL cluster (pg/), NWORKERS
# (0..4) pdns_server 4.7 workers (w1/ .. wN/), the generated secrets (pgpass, wN/api-key,
# w1/control-secret, all 0600), the files `env` (what tests read) and `state` (what
# harness_stop reads: PIDs, lock, temp folders) and the watchdog process. Also owns the
# port lock /tmp/drover-harness-port-BASE.lock, PostgreSQL's private folder /tmp/drover-pg.XXXXXX
# (data, socket, log; owned by postgres) when run as root, and, when paths would be too long for
# a unix socket (107 bytes), a temp socket folder /tmp/drover-pg.XXXXXX or /tmp/drover-pdns.XXXXXX.
# Nothing a server running as another user opens lies below the checkout, so its location and
# permissions do not matter.
# It does not own the schema: `drover init` (or HARNESS_INIT_CMD) creates it.
#
# Two ways to use it:
#   sourced:    . t/lib/harness.sh; harness_start NAME NUM [NWORKERS] || exit 1
#               ...; harness_stop "$rc"   (also done by the EXIT/INT/TERM traps it installs)
#   executable: bash t/lib/harness.sh start NAME NUM [NWORKERS]   (exit 0 when ready)
#               bash t/lib/harness.sh stop DIR [STATUS]          (STATUS != 0 keeps DIR)
# Executable mode is what t/lib/harness.c runs. The owner of a cluster (whose death means
# "tear it down") is HARNESS_OWNER_PID if set, else the sourcing shell, else the parent process
# of `harness.sh start`; a watchdog process stops the cluster if the owner dies without
# stopping it (SIGKILL, crash). HARNESS_OWNER_PID=1 means "until `stop`" (no watchdog).
# Other settings: HARNESS_INIT_CMD (schema command, eval'd; default `drover init`),
# DROVER_TEST_KEEP=1 (keep the folder), HARNESS_DEADLINE_S (readiness deadline per server,
# default 30), HARNESS_PDNS_SERVER, HARNESS_PDNS_CONTROL.
#
# Ports: a block of 20 from BASE = 10000 + 20*NUM (below the kernel's ephemeral range
# 32768-60999 for every NUM up to 999): PostgreSQL BASE; worker i (1..4):
# DNS BASE+1+i, API BASE+5+i, TCP control channel BASE+9+i (worker 1 only opens it).
# NWORKERS 0 gives PostgreSQL alone (for the SQL tests). For NUM >= 639 the block lies in
# Linux's ephemeral port range, so a bind that fails is retried (see _hx_start_all).
#
# env file: one KEY=VALUE a line; values never contain quotes, and a value with a space
# (DROVER_DB, PDNS_DB, a path with a space) is wrapped in single quotes so the file is also
# valid shell (DROVER_DB_URI and PDNS_DB_URI are the quote-free forms);
# t/lib/harness.c strips those quotes. Keys: HARNESS_DIR HARNESS_NAME HARNESS_NUM
# HARNESS_NWORKERS PGPORT PGHOST_SOCKDIR PGPASSFILE DROVER_DB DROVER_DB_URI PDNS_DB PDNS_DB_URI
# and per worker Wn_DNS Wn_DNS_PORT Wn_API Wn_API_PORT Wn_API_KEYFILE Wn_SOCKDIR Wn_DIR, and
# W1_CONTROL W1_CONTROL_PORT W1_CONTROL_SECRETFILE.
#
# Secrets never appear on a command line: psql reads passwords from PGPASSFILE, SQL that sets
# them is sent on stdin, curl reads the API key header from stdin (-K -).
#
# Functions (sourced mode): harness_start, harness_stop, harness_psql, harness_psql_as,
# harness_dig, harness_pdns_control, harness_reset, harness_pgbin, harness_track_pid,
# harness_stop_worker, harness_restart_worker, harness_worker_db. Each is
# documented where it is defined.
# All diagnostics are TAP comment lines ("# ...") on stdout; fatal start errors "Bail out! ...".

# ---------------------------------------------------------------------------------------------
# Fixed locations: never rely on PATH for server programs.

_hx_self=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
HARNESS_PDNS_SERVER=${HARNESS_PDNS_SERVER:-/usr/sbin/pdns_server}
HARNESS_PDNS_CONTROL=${HARNESS_PDNS_CONTROL:-/usr/bin/pdns_control}
_hx_deadline_s=${HARNESS_DEADLINE_S:-30} # readiness deadline for each server, in seconds

_hx_diag() { # print each argument line as a TAP comment
	local line
	printf '%s\n' "$@" | while IFS= read -r line; do printf '# %s\n' "$line"; done
}

_hx_bail() { # Bail out! line for TAP; deferred during start so it comes after the logs
	if [ -n "${_hx_defer_bail:-}" ]; then
		_hx_bail_msg=$*
	else
		printf 'Bail out! %s\n' "$*"
	fi
}

_hx_diag_file() { # FILE [LINES] - tail of a file as TAP comments
	local f=$1 n=${2:-40} line
	[ -r "$f" ] || { _hx_diag "($f: missing)"; return 0; }
	tail -n "$n" "$f" | while IFS= read -r line; do printf '#   %s\n' "$line"; done
}

_hx_now_ms() { # wall clock in milliseconds
	local s=${EPOCHREALTIME:-}
	if [ -n "$s" ]; then
		s=${s/[.,]/}
		printf '%s\n' "$((10#${s} / 1000))"
	else
		date +%s%3N
	fi
}

_hx_rand() { # random hex secret, 32 chars, quote- and space-free
	od -An -N16 -tx1 /dev/urandom | tr -d ' \n'
}

_hx_pgbindir() { # where initdb, pg_ctl, postgres, psql live
	local d=
	if command -v pg_config >/dev/null 2>&1; then
		d=$(pg_config --bindir 2>/dev/null) || d=
	fi
	if [ -z "$d" ] || [ ! -x "$d/pg_ctl" ]; then
		d=/usr/lib/postgresql/15/bin
	fi
	printf '%s\n' "$d"
}

_hx_alive() { # PID [PATTERN] - true if PID runs (not a zombie) and its argv contains PATTERN
	local pid=$1 pat=${2:-} stat cmd
	case $pid in '' | *[!0-9]*) return 1 ;; esac
	read -r stat 2>/dev/null <"/proc/$pid/stat" || return 1
	stat=${stat##*) }
	case $stat in Z* | X* | x*) return 1 ;; esac
	if [ -n "$pat" ]; then
		cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
		case $cmd in *"$pat"*) ;; *) return 1 ;; esac
	fi
	return 0
}

_hx_busy_ports() { # PORT... - print those with a TCP socket (not TIME_WAIT) or a UDP one
	# on 127.0.0.1 or a wildcard address: a socket on another address (a
	# worker's outgoing sockets on 127.0.0.2, [::1]) does not stop the harness
	# from binding 127.0.0.1
	local p hex='' files=''
	for p in "$@"; do hex="$hex $(printf '%04X' "$p")"; done
	for p in /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6; do
		[ -r "$p" ] && files="$files $p"
	done
	[ -n "$files" ] || return 0
	# shellcheck disable=SC2086
	awk -v want="$hex" '
		BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) ok[w[i]] = 1 }
		FNR == 1 { udp = (FILENAME ~ /udp/); next }
		{
			split($2, a, ":"); port = a[2]
			if (!(port in ok)) next
			if (a[1] != "0100007F" && a[1] != "00000000" &&
			    a[1] != "00000000000000000000000000000000" &&
			    a[1] != "0000000000000000FFFF00000100007F") next
			if (!udp && ($4 == "06" || $4 == "07")) next
			busy[port] = 1
		}
		END { for (p in busy) print p }' $files | while read -r hex; do
		printf '%d\n' "0x$hex"
	done
}

_hx_pg() { # run a PostgreSQL server program as the cluster's user (postgres when root)
	if [ "$(id -u)" = 0 ]; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

_hx_private_tmp() { # PREFIX USER - make /tmp/PREFIX.XXXXXX, mode 0700, owned by USER; print it
	local d
	d=$(mktemp -d "/tmp/$1.XXXXXX") || return 1
	if [ "$2" != "$(id -un)" ] && ! chown "$2:" "$d"; then
		rmdir "$d"
		return 1
	fi
	printf '%s\n' "$d"
}

_hx_state() { # KEY VALUE - append to $HARNESS_DIR/state (later lines override earlier ones)
	printf '%s=%s\n' "$1" "$2" >>"$HARNESS_DIR/state"
}

_hx_envq() { # VALUE - quote a value for the env file only when it has a space
	case $1 in
	*"'"* | *'"'*) printf 'harness: value with a quote: %s\n' "$1" >&2; return 1 ;;
	*[[:space:]]*) printf "'%s'" "$1" ;;
	*) printf '%s' "$1" ;;
	esac
}

_hx_lock_guard() { # run "$@" while holding a short flock on /tmp, so stale takeover is atomic
	if command -v flock >/dev/null 2>&1; then
		(
			exec 9</tmp
			flock -w 10 9 || exit 1
			"$@"
		)
	else
		"$@"
	fi
}

_hx_lock_take() { # LOCKFILE OWNER - create the lock or take over a stale one; 1 if held
	local lock=$1 owner=$2 holder
	if [ -e "$lock" ]; then
		holder=$(cat "$lock" 2>/dev/null) || holder=
		if _hx_alive "$holder"; then
			printf '%s\n' "$holder"
			return 1
		fi
		rm -f "$lock"
	fi
	(set -o noclobber; printf '%s\n' "$owner" >"$lock") 2>/dev/null || {
		cat "$lock" 2>/dev/null
		return 1
	}
	return 0
}

# ---------------------------------------------------------------------------------------------
# harness_start NAME NUM [NWORKERS=3]
# Starts PostgreSQL, runs the schema init, starts NWORKERS (0..4) pdns workers, waits until
# each answers, writes $HARNESS_DIR/env and exports its variables. Returns 0 when ready;
# otherwise prints "Bail out! ...", tears down what it started (keeping the folder) and
# returns 1: callers write `harness_start NAME NUM || exit 1`. In sourced mode it installs
# EXIT/INT/TERM traps that call harness_stop with the exit status (a previous EXIT trap is
# run first).

harness_start() {
	# xtrace (bash -x) would print the generated secrets: off inside, restored after. So is
	# errexit (set -e): failures are handled here, and the caller's `|| exit 1` decides.
	local _hx_x='' _hx_e='' _hx_rc
	case $- in *x*) _hx_x=1 && { set +x; } 2>/dev/null ;; esac
	case $- in *e*) _hx_e=1 && set +e ;; esac
	_hx_start_main "$@"
	_hx_rc=$?
	[ -z "$_hx_e" ] || set -e
	[ -z "$_hx_x" ] || set -x
	return "$_hx_rc"
}

_hx_start_main() { # NAME NUM [NWORKERS] - harness_start without xtrace
	local name=${1:-} num=${2:-} nw=${3:-3}
	local t0 base bindir owner lock holder busy dir
	t0=$(_hx_now_ms)
	_hx_deadline_s=${HARNESS_DEADLINE_S:-30}
	case $name in '' | */* | .*) _hx_bail "harness_start: bad NAME '$name'"; return 1 ;; esac
	case $num in '' | *[!0-9]*) _hx_bail "harness_start: NUM must be a number, got '$num'"; return 1 ;; esac
	case $nw in [0-4]) ;; *) _hx_bail "harness_start: NWORKERS must be 0..4, got '$nw'"; return 1 ;; esac
	num=$((10#$num))
	if [ "$num" -gt 2275 ]; then
		_hx_bail "harness_start: NUM $num puts ports above 65535"
		return 1
	fi
	if [ -n "${_hx_started:-}" ]; then
		_hx_bail "harness_start: a cluster is already running in this shell ($HARNESS_DIR)"
		return 1
	fi

	# Programs, before touching anything.
	bindir=$(_hx_pgbindir)
	local p
	for p in "$bindir/initdb" "$bindir/pg_ctl" "$bindir/postgres" "$bindir/psql" \
		"$HARNESS_PDNS_SERVER" "$HARNESS_PDNS_CONTROL"; do
		if [ ! -x "$p" ]; then
			_hx_bail "harness: '$p' not found (install postgresql-15 and pdns-server, pdns-backend-pgsql)"
			return 1
		fi
	done
	for p in dig curl; do
		if ! command -v "$p" >/dev/null 2>&1; then
			_hx_bail "harness: '$p' not found in PATH (install dnsutils and curl)"
			return 1
		fi
	done
	if [ -z "${HARNESS_INIT_CMD:-}" ] && [ ! -x "${DROVER_BUILDDIR:-.}/drover" ]; then
		_hx_bail "harness: ${DROVER_BUILDDIR:-.}/drover not found (build it first, or set HARNESS_INIT_CMD)"
		return 1
	fi
	if [ "$(id -u)" = 0 ] && ! id -u postgres >/dev/null 2>&1; then
		_hx_bail "harness: running as root but there is no 'postgres' user to run PostgreSQL"
		return 1
	fi

	base=$((10000 + 20 * num))
	if [ -n "${HARNESS_OWNER_PID:-}" ]; then
		owner=$HARNESS_OWNER_PID
	elif [ -n "${_hx_exec_mode:-}" ]; then
		owner=$PPID
	else
		owner=$$
	fi

	# The port block lock, then the ports themselves.
	lock=/tmp/drover-harness-port-$base.lock
	if ! holder=$(_hx_lock_guard _hx_lock_take "$lock" "$owner"); then
		_hx_bail "harness: ports $base-$((base + 19)) (NUM $num) are locked by PID ${holder:-?} ($lock); another test uses this NUM"
		return 1
	fi

	local root=${HARNESS_ROOT:-${DROVER_BUILDDIR:-.}/t/tmp}
	mkdir -p "$root" || {
		rm -f "$lock"
		_hx_bail "harness: cannot create $root"
		return 1
	}
	dir=$(cd "$root" && pwd)/$name

	# A previous run of this test that was SIGKILLed may have left servers: stop them.
	if [ -f "$dir/state" ]; then
		local prev_owner
		prev_owner=$(sed -n 's/^HX_OWNER=//p' "$dir/state" | tail -n 1)
		if [ "$prev_owner" != "$owner" ] && _hx_alive "$prev_owner"; then
			rm -f "$lock"
			_hx_bail "harness: $dir is in use by PID $prev_owner"
			return 1
		fi
		_hx_stop_dir "$dir" 0 quiet
	fi

	local ports=$base i
	for ((i = 1; i <= nw; i++)); do
		ports="$ports $((base + 1 + i)) $((base + 5 + i))"
	done
	[ "$nw" -ge 1 ] && ports="$ports $((base + 10))"
	# Another test's DNS client may hold one of them for a while (dig, delv
	# and named pick UDP source ports anywhere above 1024, and a delv that
	# waits for an answer keeps its port up to its 10 s timeout): only a
	# port still taken after 15 s is an error.
	local wait_end=$(($(_hx_now_ms) + 15000))
	while :; do
		# shellcheck disable=SC2086
		busy=$(_hx_busy_ports $ports | sort -n | tr '\n' ' ')
		[ -z "$busy" ] || [ "$(_hx_now_ms)" -ge "$wait_end" ] && break
		sleep 0.2
	done
	if [ -n "$busy" ]; then
		rm -f "$lock"
		_hx_bail "harness: port(s) ${busy% } already in use (block $base-$((base + 19)), NUM $num); is a server from an earlier run still up?"
		return 1
	fi

	rm -rf "$dir"
	mkdir -p "$dir" || {
		rm -f "$lock"
		_hx_bail "harness: cannot create $dir"
		return 1
	}
	HARNESS_DIR=$dir
	: >"$HARNESS_DIR/state"
	_hx_state HX_OWNER "$owner"
	_hx_state HX_LOCK "$lock"
	_hx_state HX_NWORKERS "$nw"
	_hx_state HX_PGBIN "$bindir"
	_hx_started=1

	if [ -z "${_hx_exec_mode:-}" ]; then
		# shellcheck disable=SC2119 # it takes no arguments; `set --` inside is its own
		_hx_install_traps
	fi
	[ "$owner" = 1 ] || _hx_watchdog_start "$owner"

	_hx_defer_bail=1 _hx_bail_msg="harness: start failed"
	if ! _hx_start_all "$name" "$num" "$nw" "$base" "$bindir"; then
		_hx_defer_bail=
		_hx_stop_dir "$HARNESS_DIR" 1
		_hx_started=
		_hx_bail "$_hx_bail_msg"
		return 1
	fi
	_hx_defer_bail=
	_hx_load_env
	_hx_diag "harness: $name up in $(($(_hx_now_ms) - t0)) ms ($nw workers, ports $base-$((base + 19)), $HARNESS_DIR)"
	return 0
}

_hx_start_all() { # NAME NUM NWORKERS BASE BINDIR - everything after the lock; 1 on failure
	local name=$1 num=$2 nw=$3 base=$4 bindir=$5
	local pgport=$4 pgroot pgdata pglog sockroot pgsock pguser drover_pw pdns_pw i

	# PostgreSQL's files (data folder, unix socket, log) live where the user that runs it can
	# reach them whatever the permissions of the folder the project sits in: run as root, the
	# server is the postgres user, which cannot traverse a checkout under /root (0700) or a
	# 0750 home, so they go to a private folder under /tmp owned by postgres, and
	# $HARNESS_DIR/pg is a link to it. Run as anyone else, the server is that user and they
	# stay in $HARNESS_DIR/pg. The socket folder is short either way (sun_path: 107 bytes;
	# longest name: pgsock/.s.PGSQL.PORT.lock).
	if [ "$(id -u)" = 0 ]; then
		pguser=postgres
		pgroot=$(_hx_private_tmp drover-pg "$pguser") || { _hx_bail "harness: cannot make a folder for PostgreSQL under /tmp"; return 1; }
		ln -s "$pgroot" "$HARNESS_DIR/pg"
		_hx_state HX_SERVER_TMP "$pgroot"
		pgsock=$pgroot/pgsock
	else
		pguser=$(id -un)
		pgroot=$HARNESS_DIR/pg
		mkdir -p "$pgroot"
		if [ $((${#HARNESS_DIR} + 26)) -le 100 ]; then
			pgsock=$HARNESS_DIR/pgsock
		else
			pgsock=$(_hx_private_tmp drover-pg "$pguser") || { _hx_bail "harness: mktemp failed"; return 1; }
			_hx_state HX_TMPDIR "$pgsock"
		fi
	fi
	pgdata=$pgroot/data
	pglog=$pgroot/postgresql.log
	_hx_pg mkdir -p "$pgsock" || { _hx_bail "harness: cannot create $pgsock"; return 1; }
	_hx_state HX_PGDATA "$pgdata"
	_hx_state HX_PGLOG "$pglog"
	_hx_state HX_PGSOCK "$pgsock"

	# PostgreSQL cluster.
	if ! _hx_pg "$bindir/initdb" -D "$pgdata" -U postgres --nosync -E UTF8 --no-locale \
		--auth-local=trust --auth-host=scram-sha-256 >"$HARNESS_DIR/initdb.log" 2>&1; then
		_hx_diag "initdb failed:"
		_hx_diag_file "$HARNESS_DIR/initdb.log"
		_hx_bail "harness: the cluster could not be created (see initdb.log)"
		return 1
	fi
	# shellcheck disable=SC2016 # $1 is for the inner sh
	_hx_pg sh -c 'cat >>"$1"' sh "$pgdata/postgresql.conf" <<EOF || { _hx_bail "harness: cannot write postgresql.conf"; return 1; }

# drover test harness ($name)
listen_addresses = '127.0.0.1'
port = $pgport
unix_socket_directories = '$pgsock'
fsync = off
full_page_writes = off
password_encryption = scram-sha-256
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
log_min_error_statement = error
EOF
	# shellcheck disable=SC2016
	_hx_pg sh -c 'cat >"$1"' sh "$pgdata/pg_hba.conf" <<EOF || { _hx_bail "harness: cannot write pg_hba.conf"; return 1; }
# drover test harness: trust on the unix socket (setup), passwords on TCP
local all all trust
host  all all 127.0.0.1/32 scram-sha-256
EOF
	# Ports of NUM >= 639 lie in Linux's ephemeral range (32768-60999): a client connection
	# may hold one for a moment, so a failed bind is retried a few times.
	local try
	for try in 1 2 3 4; do
		if _hx_pg "$bindir/pg_ctl" -D "$pgdata" -l "$pglog" -w -t "$_hx_deadline_s" -s start \
			>>"$HARNESS_DIR/pg_ctl.log" 2>&1; then
			break
		fi
		if [ "$try" -lt 4 ] && grep -q 'Address already in use' "$pglog" 2>/dev/null; then
			_hx_diag "harness: PostgreSQL port $pgport busy ($(_hx_port_state "$pgport")); retrying"
			# shellcheck disable=SC2016
			_hx_pg sh -c 'mv "$1" "$1.$2"' sh "$pglog" "$try"
			sleep 0.$((try * 2))
			continue
		fi
		_hx_diag "PostgreSQL did not start (the output of pg_ctl, then its log, follow):"
		_hx_diag_file "$HARNESS_DIR/pg_ctl.log"
		_hx_bail "harness: PostgreSQL did not start on port $pgport"
		return 1
	done
	_hx_state HX_PG_PID "$(head -n 1 "$pgdata/postmaster.pid" 2>/dev/null)"

	# Roles, database, password file. Passwords go over stdin, never argv, and this session
	# logs no statements (an error would otherwise log the statement with the password).
	drover_pw=$(_hx_rand)
	pdns_pw=$(_hx_rand)
	if ! "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$pgsock" -p "$pgport" -U postgres -d postgres \
		>"$HARNESS_DIR/setup.log" 2>&1 <<EOF; then
SET log_min_error_statement = panic;
SET log_statement = none;
CREATE ROLE drover LOGIN PASSWORD '$drover_pw';
CREATE ROLE pdns LOGIN PASSWORD '$pdns_pw';
CREATE DATABASE drover OWNER drover;
EOF
		_hx_diag_file "$HARNESS_DIR/setup.log"
		_hx_bail "harness: cannot create roles and database"
		return 1
	fi
	(
		umask 077
		printf '127.0.0.1:%s:*:drover:%s\n127.0.0.1:%s:*:pdns:%s\n' \
			"$pgport" "$drover_pw" "$pgport" "$pdns_pw" >"$HARNESS_DIR/pgpass"
	)
	chmod 600 "$HARNESS_DIR/pgpass"

	# Worker folders and secrets (the env file is written before init so it can use it).
	local sockroot wdir wsock key secret
	if [ $((${#HARNESS_DIR} + 22)) -le 100 ]; then
		sockroot=$HARNESS_DIR
	else
		sockroot=$(mktemp -d /tmp/drover-pdns.XXXXXX) || { _hx_bail "harness: mktemp failed"; return 1; }
		_hx_state HX_TMPDIR "$sockroot"
	fi
	_hx_write_env "$name" "$num" "$nw" "$base" "$pgsock" "$sockroot" || {
		_hx_bail "harness: cannot write $HARNESS_DIR/env"
		return 1
	}
	_hx_load_env

	# Schema.
	local rc=0
	if [ -n "${HARNESS_INIT_CMD:-}" ]; then
		(eval "$HARNESS_INIT_CMD") </dev/null >"$HARNESS_DIR/init.log" 2>&1 || rc=$?
	elif [ -x "${DROVER_BUILDDIR:-.}/drover" ]; then
		"${DROVER_BUILDDIR:-.}/drover" init --db "$DROVER_DB" </dev/null >"$HARNESS_DIR/init.log" 2>&1 || rc=$?
	else
		_hx_bail "harness: ${DROVER_BUILDDIR:-.}/drover not found (build it first, or set HARNESS_INIT_CMD)"
		return 1
	fi
	if [ "$rc" != 0 ]; then
		_hx_diag "schema init failed (exit $rc):"
		_hx_diag_file "$HARNESS_DIR/init.log"
		_hx_bail "harness: schema init failed (exit $rc)"
		return 1
	fi
	if ! harness_psql >>"$HARNESS_DIR/setup.log" 2>&1 <<'EOF'; then
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO pdns;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO pdns;
ALTER DEFAULT PRIVILEGES FOR ROLE drover IN SCHEMA public
	GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO pdns;
ALTER DEFAULT PRIVILEGES FOR ROLE drover IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO pdns;
EOF
		_hx_diag_file "$HARNESS_DIR/setup.log"
		_hx_bail "harness: cannot grant the pdns role its rights"
		return 1
	fi

	# Workers: start them all, then wait for each.
	for ((i = 1; i <= nw; i++)); do
		wdir=$HARNESS_DIR/w$i
		wsock=$sockroot/w$i
		mkdir -p "$wdir" "$wsock"
		key=$(_hx_rand)
		(umask 077; printf '%s\n' "$key" >"$wdir/api-key")
		{
			printf '# drover test harness: worker %s of %s\n' "$i" "$name"
			printf 'launch=gpgsql\n'
			printf 'gpgsql-host=127.0.0.1\ngpgsql-port=%s\n' "$pgport"
			printf 'gpgsql-dbname=drover\ngpgsql-user=pdns\ngpgsql-password=%s\n' "$pdns_pw"
			printf 'gpgsql-dnssec=yes\n'
			printf 'local-address=127.0.0.1\nlocal-port=%s\n' "$((base + 1 + i))"
			# pdns binds its outgoing UDP sockets (notifications, SOA checks) for its
			# whole life to a random port in 10000-19999, which is where the port
			# blocks of other tests lie: on 127.0.0.2 they cannot take one of them.
			printf 'query-local-address=127.0.0.2\n'
			printf 'api=yes\napi-key=%s\n' "$key"
			printf 'webserver=yes\nwebserver-address=127.0.0.1\nwebserver-port=%s\n' "$((base + 5 + i))"
			printf 'webserver-allow-from=127.0.0.0/8\n'
			printf 'daemon=no\nguardian=no\ndisable-syslog=yes\n'
			printf 'primary=yes\n'
			# No security-status lookup over the internet from a test (Debian's pdns.conf
			# disables it the same way).
			printf 'security-poll-suffix=\n'
			printf 'socket-dir=%s\n' "$wsock"
			if [ "$i" = 1 ]; then
				secret=$(_hx_rand)
				(umask 077; printf '%s\n' "$secret" >"$wdir/control-secret")
				printf 'tcp-control-address=127.0.0.1\ntcp-control-port=%s\n' "$((base + 10))"
				printf 'tcp-control-secret=%s\ntcp-control-range=127.0.0.0/8\n' "$secret"
			fi
		} >"$wdir/pdns.conf.tmp"
		chmod 600 "$wdir/pdns.conf.tmp"
		mv "$wdir/pdns.conf.tmp" "$wdir/pdns.conf"
		: >"$wdir/pdns.log"
		_hx_state "HX_W${i}_DIR" "$wdir"
		_hx_launch_worker "$i"
	done
	for ((i = 1; i <= nw; i++)); do
		_hx_wait_worker "$i" || return 1
	done
	return 0
}

_hx_write_env() { # NAME NUM NWORKERS BASE PGSOCK SOCKROOT - write $HARNESS_DIR/env
	local name=$1 num=$2 nw=$3 base=$4 pgsock=$5 sockroot=$6 i
	{
		printf '# drover test harness environment for %s (generated; KEY=VALUE, sourceable)\n' "$name"
		printf 'HARNESS_DIR=%s\n' "$(_hx_envq "$HARNESS_DIR")"
		printf 'HARNESS_NAME=%s\n' "$name"
		printf 'HARNESS_NUM=%s\n' "$num"
		printf 'HARNESS_NWORKERS=%s\n' "$nw"
		printf 'PGPORT=%s\n' "$base"
		printf 'PGHOST_SOCKDIR=%s\n' "$(_hx_envq "$pgsock")"
		printf 'PGPASSFILE=%s\n' "$(_hx_envq "$HARNESS_DIR/pgpass")"
		printf 'DROVER_DB=%s\n' "$(_hx_envq "host=127.0.0.1 port=$base dbname=drover user=drover")"
		printf 'DROVER_DB_URI=postgresql://drover@127.0.0.1:%s/drover\n' "$base"
		printf 'PDNS_DB=%s\n' "$(_hx_envq "host=127.0.0.1 port=$base dbname=drover user=pdns")"
		printf 'PDNS_DB_URI=postgresql://pdns@127.0.0.1:%s/drover\n' "$base"
		for ((i = 1; i <= nw; i++)); do
			printf 'W%s_DIR=%s\n' "$i" "$(_hx_envq "$HARNESS_DIR/w$i")"
			printf 'W%s_DNS=127.0.0.1:%s\n' "$i" "$((base + 1 + i))"
			printf 'W%s_DNS_PORT=%s\n' "$i" "$((base + 1 + i))"
			printf 'W%s_API=http://127.0.0.1:%s\n' "$i" "$((base + 5 + i))"
			printf 'W%s_API_PORT=%s\n' "$i" "$((base + 5 + i))"
			printf 'W%s_API_KEYFILE=%s\n' "$i" "$(_hx_envq "$HARNESS_DIR/w$i/api-key")"
			printf 'W%s_SOCKDIR=%s\n' "$i" "$(_hx_envq "$sockroot/w$i")"
		done
		if [ "$nw" -ge 1 ]; then
			printf 'W1_CONTROL=127.0.0.1:%s\n' "$((base + 10))"
			printf 'W1_CONTROL_PORT=%s\n' "$((base + 10))"
			printf 'W1_CONTROL_SECRETFILE=%s\n' "$(_hx_envq "$HARNESS_DIR/w1/control-secret")"
		fi
	} >"$HARNESS_DIR/env"
}

_hx_load_env() { # export every variable of $HARNESS_DIR/env into this shell
	set -a
	# shellcheck disable=SC1091
	. "$HARNESS_DIR/env"
	set +a
}

_hx_launch_worker() { # N - start pdns_server for worker N in the background, record its PID
	local n=$1 wdir sock
	wdir=$HARNESS_DIR/w$n
	eval "sock=\${W${n}_SOCKDIR}"
	"$HARNESS_PDNS_SERVER" --config-dir="$wdir" --socket-dir="$sock" \
		</dev/null >>"$wdir/pdns.log" 2>&1 &
	_hx_state "HX_W${n}_PID" "$!"
	[ -n "${_hx_exec_mode:-}" ] || disown "$!" 2>/dev/null || :
}

_hx_port_state() { # PORT - what /proc/net says about a local port, for messages
	local hex out
	hex=$(printf '%04X' "$1")
	out=$(awk -v p=":$hex" '
		FNR == 1 { udp = (FILENAME ~ /udp/); next }
		substr($2, length($2) - 4) == p {
			st = udp ? "udp" : ($4 == "0A" ? "listening" : ($4 == "01" ? "a connection'"'"'s local port" : "tcp state " $4))
			print st
		}' /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6 2>/dev/null | sort -u | tr '\n' ',')
	printf '%s\n' "${out%,}"
}

_hx_api_status() { # N - HTTP status of GET /api/v1/servers/localhost with worker N's key
	local n=$1 api keyfile key
	eval "api=\${W${n}_API} keyfile=\${W${n}_API_KEYFILE}"
	key=$(cat "$keyfile")
	# The key goes to curl on stdin (-K -), never on its command line.
	printf 'header = "X-API-Key: %s"\n' "$key" |
		curl -s -o /dev/null -w '%{http_code}' --max-time 2 -K - "$api/api/v1/servers/localhost" 2>/dev/null
}

_hx_wait_worker() { # N - wait until worker N answers its API and DNS; 1 with its log if not
	local n=$1 pid port deadline code='' dns=no log try=1 end
	log=$HARNESS_DIR/w$n/pdns.log
	pid=$(sed -n "s/^HX_W${n}_PID=//p" "$HARNESS_DIR/state" | tail -n 1)
	eval "port=\${W${n}_DNS_PORT}"
	deadline=$(($(_hx_now_ms) + _hx_deadline_s * 1000))
	while :; do
		# A port taken since the check (see the PostgreSQL retry): pdns exits when it cannot
		# bind DNS or TCP control, but 4.7 runs on without its API when the web server
		# cannot bind. Either way: stop it and start it again, a few times.
		if grep -q 'Address already in use' "$log" 2>/dev/null; then
			if [ "$try" -ge 4 ]; then
				_hx_diag "worker $n: a port stayed busy after $try tries: $(grep 'Address already in use' "$log" | tail -n 1)"
				_hx_bail "harness: pdns worker $n could not bind its ports"
				return 1
			fi
			_hx_diag "harness: worker $n: $(grep 'Address already in use' "$log" | tail -n 1 | cut -c17-); retrying"
			kill -TERM "$pid" 2>/dev/null
			end=$(($(_hx_now_ms) + 5000))
			while _hx_alive "$pid" && [ "$(_hx_now_ms)" -lt "$end" ]; do sleep 0.05; done
			_hx_alive "$pid" && kill -KILL "$pid" 2>/dev/null
			mv "$log" "$log.$try"
			sleep 0.$((try * 2))
			try=$((try + 1))
			_hx_launch_worker "$n"
			pid=$(sed -n "s/^HX_W${n}_PID=//p" "$HARNESS_DIR/state" | tail -n 1)
			code='' dns=no
			continue
		fi
		if ! _hx_alive "$pid"; then
			_hx_diag "worker $n (pid $pid) exited during startup (its log follows)"
			_hx_bail "harness: pdns worker $n did not start"
			return 1
		fi
		[ "$code" = 200 ] || code=$(_hx_api_status "$n")
		if [ "$code" = 200 ] && [ "$dns" = no ]; then
			if dig +tries=1 +time=1 @127.0.0.1 -p "$port" . SOA 2>/dev/null | grep -q 'status:'; then
				dns=yes
			fi
		fi
		[ "$code" = 200 ] && [ "$dns" = yes ] && return 0
		if [ "$(_hx_now_ms)" -ge "$deadline" ]; then
			_hx_diag "worker $n not ready after ${_hx_deadline_s}s (API: HTTP ${code:-none}, DNS: $dns)"
			_hx_bail "harness: pdns worker $n not ready within ${_hx_deadline_s}s"
			return 1
		fi
		sleep 0.05
	done
}

# ---------------------------------------------------------------------------------------------
# Teardown.

# harness_stop [STATUS] - stop the cluster of this shell. STATUS 0 (default) removes
# $HARNESS_DIR unless DROVER_TEST_KEEP=1; non-zero keeps it and prints the server logs as
# "# " lines. Safe to call twice. Returns 0.
harness_stop() {
	local status=${1:-0}
	[ -n "${HARNESS_DIR:-}" ] || return 0
	_hx_stop_dir "$HARNESS_DIR" "$status"
	_hx_started=
	return 0
}

_hx_stop_dir() { # DIR STATUS [quiet] [STATEFILE] - the one teardown path (all modes)
	local dir=$1 status=${2:-0} quiet=${3:-} statefile=${4:-$1/state}
	[ -f "$statefile" ] || return 0
	(
		set +e
		HX_STOPPED='' HX_OWNER='' HX_LOCK='' HX_NWORKERS=0 HX_PGBIN='' HX_PGDATA='' HX_PGLOG=''
		HX_PG_PID='' HX_WATCHDOG_PID='' HX_SERVER_TMP=''
		# shellcheck disable=SC1090,SC1091
		. "$statefile"
		[ -z "$HX_STOPPED" ] || exit 0
		tmpdirs=$(sed -n 's/^HX_TMPDIR=//p' "$statefile")

		# The watchdog first, so it does not race us (unless we are the watchdog).
		if [ -n "$HX_WATCHDOG_PID" ] && [ "$HX_WATCHDOG_PID" != "${_hx_watchdog_self:-}" ] &&
			_hx_alive "$HX_WATCHDOG_PID" "harness.sh watchdog $dir"; then
			kill -TERM "$HX_WATCHDOG_PID" 2>/dev/null
		fi

		# Processes the test started against this cluster (drover run, load
		# generators): killed first, so none outlives its servers.
		for pid in $(sed -n 's/^HX_CLIENT_PID=//p' "$statefile"); do
			_hx_alive "$pid" && kill -KILL "$pid" 2>/dev/null
		done

		# Workers: TERM, a bounded wait, then KILL. Only PIDs whose argv names their folder.
		pids=
		for ((i = 1; i <= HX_NWORKERS; i++)); do
			eval "pid=\${HX_W${i}_PID:-} wdir=\${HX_W${i}_DIR:-}"
			if [ -n "$pid" ] && _hx_alive "$pid" "--config-dir=$wdir"; then
				kill -TERM "$pid" 2>/dev/null && pids="$pids $pid"
			fi
		done
		if [ -n "$pids" ]; then
			end=$(($(_hx_now_ms) + 5000))
			while [ "$(_hx_now_ms)" -lt "$end" ]; do
				left=
				for pid in $pids; do _hx_alive "$pid" && left="$left $pid"; done
				[ -n "$left" ] || break
				sleep 0.05
			done
			for pid in $pids; do
				if _hx_alive "$pid"; then
					[ -n "$quiet" ] || _hx_diag "harness: pdns_server $pid ignored TERM, sending KILL"
					kill -KILL "$pid" 2>/dev/null
				fi
			done
		fi

		# PostgreSQL: immediate stop as the cluster's user, then the postmaster if it lingers.
		if [ -n "$HX_PGDATA" ] && [ -f "$HX_PGDATA/postmaster.pid" ] && [ -x "$HX_PGBIN/pg_ctl" ]; then
			_hx_pg "$HX_PGBIN/pg_ctl" -D "$HX_PGDATA" -m immediate -w -t 10 -s stop \
				>>"$dir/pg_ctl.log" 2>&1
		fi
		if [ -n "$HX_PG_PID" ] && _hx_alive "$HX_PG_PID" "$HX_PGDATA"; then
			kill -KILL "$HX_PG_PID" 2>/dev/null
			end=$(($(_hx_now_ms) + 5000))
			while _hx_alive "$HX_PG_PID" && [ "$(_hx_now_ms)" -lt "$end" ]; do sleep 0.05; done
		fi

		# The port lock, if it is still ours.
		if [ -n "$HX_LOCK" ] && [ "$(cat "$HX_LOCK" 2>/dev/null)" = "$HX_OWNER" ]; then
			rm -f "$HX_LOCK"
		fi
		for t in $tmpdirs; do
			case $t in /tmp/drover-pg.* | /tmp/drover-pdns.*) rm -rf "$t" ;; esac
		done
		printf 'HX_STOPPED=1\n' >>"$statefile"

		if [ "$status" != 0 ] && [ -z "$quiet" ]; then
			_hx_diag "harness: test failed (status $status); keeping $dir"
			_hx_diag "PostgreSQL log ($HX_PGLOG), last lines:"
			_hx_diag_file "$HX_PGLOG" 30
			for ((i = 1; i <= HX_NWORKERS; i++)); do
				eval "wdir=\${HX_W${i}_DIR:-}"
				[ -n "$wdir" ] || continue
				_hx_diag "worker $i log ($wdir/pdns.log), last lines:"
				_hx_diag_file "$wdir/pdns.log" 30
			done
		elif [ "$status" = 0 ] && [ "${DROVER_TEST_KEEP:-0}" != 1 ]; then
			case $HX_SERVER_TMP in /tmp/drover-pg.*) rm -rf "$HX_SERVER_TMP" ;; esac
			rm -rf "$dir"
		fi
		exit 0
	)
	return 0
}

# The watchdog: a small process that stops the cluster if its owner dies without doing so
# (SIGKILL, a crash before atexit). Output goes to a file: the owner's stdout may be gone.
_hx_watchdog_start() { # OWNER
	local owner=$1
	bash "$_hx_self" watchdog "$HARNESS_DIR" "$owner" </dev/null >>"$HARNESS_DIR/watchdog.log" 2>&1 &
	_hx_state HX_WATCHDOG_PID "$!"
	[ -n "${_hx_exec_mode:-}" ] || disown "$!" 2>/dev/null || :
}

_hx_watchdog() { # DIR OWNER
	local dir=$1 owner=$2 state='' copy
	_hx_watchdog_self=$$
	while :; do
		if [ -f "$dir/state" ]; then
			IFS= read -r -d '' state 2>/dev/null <"$dir/state" # builtin: no fork per poll
			case $state in *HX_STOPPED=1*) return 0 ;; esac
		elif [ -n "$state" ]; then
			# The folder was removed under running servers: stop them from the last copy.
			printf 'harness watchdog: %s/state vanished; stopping what it recorded\n' "$dir"
			copy=$(mktemp /tmp/drover-state.XXXXXX) || return 1
			printf '%s\n' "$state" >"$copy"
			_hx_stop_dir "$dir" 0 quiet "$copy"
			rm -f "$copy"
			return 0
		fi
		if ! _hx_alive "$owner"; then
			printf 'harness watchdog: owner %s died without stopping %s; stopping it\n' "$owner" "$dir"
			_hx_stop_dir "$dir" 1
			return 0
		fi
		sleep 0.5
	done
}

# shellcheck disable=SC2120
_hx_install_traps() { # EXIT, INT, TERM in the sourcing shell; the status passes through
	local prev
	prev=$(trap -p EXIT)
	if [ -n "$prev" ]; then
		eval "set -- $prev"
		# Our own trap from an earlier start in this shell: keep what it chained to.
		[ "$3" = _hx_on_exit ] || _hx_prev_exit_trap=$3
	else
		_hx_prev_exit_trap=
	fi
	trap '_hx_on_exit' EXIT
	trap '_hx_on_signal INT 130' INT
	trap '_hx_on_signal TERM 143' TERM
}

_hx_on_exit() {
	local rc=$?
	set +e # exiting anyway: every step of the teardown must run
	trap - EXIT
	if [ -n "${_hx_prev_exit_trap:-}" ]; then
		local prev=$_hx_prev_exit_trap
		_hx_prev_exit_trap=
		(exit "$rc")
		eval "$prev"
	fi
	harness_stop "$rc"
	exit "$rc"
}

_hx_on_signal() { # SIG RC - exit with RC; the EXIT trap then stops the cluster
	set +e
	trap - INT TERM
	_hx_diag "harness: interrupted by SIG$1"
	exit "$2"
}

# ---------------------------------------------------------------------------------------------
# Helpers for tests (sourced mode, after harness_start).

# harness_pgbin - print the folder of PostgreSQL's programs (pg_dump, psql, ...): never PATH.
harness_pgbin() {
	_hx_pgbindir
}

# harness_psql [psql args...] - psql as superuser postgres over the unix socket, database drover.
# shellcheck disable=SC2153 # PGPORT and PGHOST_SOCKDIR come from $HARNESS_DIR/env
harness_track_pid() { # PID - a process of the test's, killed when the cluster stops
	_hx_state HX_CLIENT_PID "$1"
}

harness_psql() {
	"$(_hx_pgbindir)/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGHOST_SOCKDIR" -p "$PGPORT" \
		-U postgres -d drover "$@"
}

# harness_psql_as ROLE [psql args...] - psql as ROLE over TCP (scram-sha-256, password from
# PGPASSFILE; -w: never prompt), database drover.
harness_psql_as() {
	local role=$1
	shift
	"$(_hx_pgbindir)/psql" -X -q -w -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" \
		-U "$role" -d drover "$@"
}

# harness_dig N NAME TYPE [dig options...] - ask worker N over DNS; +short output on stdout.
harness_dig() {
	local n=$1 name=$2 type=$3 port
	shift 3
	eval "port=\${W${n}_DNS_PORT:-}"
	[ -n "$port" ] || { printf 'harness_dig: no worker %s\n' "$n" >&2; return 2; }
	dig +short +tries=1 +time=2 @127.0.0.1 -p "$port" "$name" "$type" "$@"
}

# harness_pdns_control N CMD [ARGS...] - pdns_control over worker N's unix control socket.
harness_pdns_control() {
	local n=$1 sock
	shift
	eval "sock=\${W${n}_SOCKDIR:-}"
	[ -n "$sock" ] || { printf 'harness_pdns_control: no worker %s\n' "$n" >&2; return 2; }
	"$HARNESS_PDNS_CONTROL" --no-config --socket-dir="$sock" "$@"
}

# harness_reset - empty the PowerDNS tables (ids restart; CASCADE empties what references
# them), then purge every worker's caches and reload its zone list. Returns non-zero on error.
harness_reset() {
	local i rc=0
	harness_psql -c 'TRUNCATE domains, records, domainmetadata, cryptokeys, comments RESTART IDENTITY CASCADE' || return 1
	for ((i = 1; i <= ${HARNESS_NWORKERS:-0}; i++)); do
		harness_pdns_control "$i" purge >/dev/null || rc=1
		harness_pdns_control "$i" rediscover >/dev/null || rc=1
	done
	return "$rc"
}

# harness_stop_worker N - stop worker N (TERM, a bounded wait, then KILL): a worker that is down.
harness_stop_worker() {
	local n=$1 pid end
	pid=$(sed -n "s/^HX_W${n}_PID=//p" "$HARNESS_DIR/state" | tail -n 1)
	_hx_alive "$pid" "--config-dir=$HARNESS_DIR/w$n" || return 0
	kill -TERM "$pid" 2>/dev/null
	end=$(($(_hx_now_ms) + 5000))
	while _hx_alive "$pid" && [ "$(_hx_now_ms)" -lt "$end" ]; do sleep 0.05; done
	_hx_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	return 0
}

# harness_restart_worker N - stop worker N and start it again with its pdns.conf as it is now;
# returns 0 when it answers its API and DNS again, 1 (with a Bail out! line) if not.
harness_restart_worker() {
	local n=$1
	harness_stop_worker "$n"
	_hx_launch_worker "$n"
	_hx_wait_worker "$n"
}

# harness_worker_db N DBNAME - give worker N a database of its own in the same cluster: create
# DBNAME (owner drover) with the schema `drover init` makes and the pdns role's rights, point
# worker N's gpgsql-dbname at it and restart the worker. The other workers keep reading drover.
harness_worker_db() {
	local n=$1 db=$2 conf psql
	case $db in '' | *[!a-z0-9_]*) printf 'harness_worker_db: bad name %s\n' "$db" >&2; return 2 ;; esac
	conf=$HARNESS_DIR/w$n/pdns.conf
	[ -f "$conf" ] || { printf 'harness_worker_db: no worker %s\n' "$n" >&2; return 2; }
	psql=("$(_hx_pgbindir)/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGHOST_SOCKDIR" -p "$PGPORT" -U postgres)
	if [ -z "$("${psql[@]}" -d postgres -At -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
		"${psql[@]}" -d postgres -c "CREATE DATABASE $db OWNER drover" >/dev/null || return 1
	fi
	"${DROVER_BUILDDIR:-.}/drover" init --config /dev/null \
		--db "host=127.0.0.1 port=$PGPORT dbname=$db user=drover" >>"$HARNESS_DIR/init.log" 2>&1 || return 1
	"${psql[@]}" -d "$db" >>"$HARNESS_DIR/setup.log" 2>&1 <<'EOF' || return 1
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO pdns;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO pdns;
ALTER DEFAULT PRIVILEGES FOR ROLE drover IN SCHEMA public
	GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO pdns;
ALTER DEFAULT PRIVILEGES FOR ROLE drover IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO pdns;
EOF
	sed -i "s/^gpgsql-dbname=.*/gpgsql-dbname=$db/" "$conf" || return 1
	harness_restart_worker "$n"
}

# ---------------------------------------------------------------------------------------------
# Executable mode.

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	_hx_exec_mode=1
	case ${1:-} in
	start)
		shift
		harness_start "$@" || exit 1
		exit 0
		;;
	stop)
		[ -n "${2:-}" ] || { printf 'usage: %s stop DIR [STATUS]\n' "$0" >&2; exit 2; }
		_hx_stop_dir "$2" "${3:-0}"
		exit 0
		;;
	watchdog)
		_hx_watchdog "$2" "$3"
		exit 0
		;;
	*)
		printf 'usage: bash %s start NAME NUM [NWORKERS] | stop DIR [STATUS]\n' "$0" >&2
		exit 2
		;;
	esac
fi
