#!/bin/bash
# quickstart.sh - from a fresh Debian 12 machine to a running local drover:
# installs the Debian packages, builds drover, starts a throwaway PostgreSQL
# and two pdns_server workers in ./local (127.0.0.1 only), runs `drover
# init`, registers both workers, and prints how to use them.
# Then starts `drover run` in the background. Run it again to start afresh;
# `bash quickstart.sh stop` stops the stack and removes what it made: ./local
# and PostgreSQL's private folder under /tmp (when run as root, PostgreSQL runs
# as the postgres user, which may not reach the checkout: its data, socket and
# log live in /tmp/drover-pg.XXXXXX, owned by postgres; ./local/stack/pg links
# to it).
set -eu
cd "$(dirname "$0")"
top=$(pwd)
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
stack=$top/local/stack

stop_daemon() {
	if [ -f "$top/local/drover-run.pid" ]; then
		kill -TERM "$(cat "$top/local/drover-run.pid")" 2>/dev/null
		rm -f "$top/local/drover-run.pid"
	fi
}

stop_stack() { # the daemon, then the servers; the harness removes their folders
	stop_daemon
	if [ -f "$stack/state" ]; then
		bash t/lib/harness.sh stop "$stack" 0 >/dev/null 2>&1 || true
	fi
}

if [ "${1:-}" = stop ]; then
	stop_stack
	rm -rf "$top/local"
	echo "local drover stack stopped; removed $top/local and PostgreSQL's folder"
	exit 0
fi

echo "== installing Debian packages (sudo apt-get)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends build-essential autoconf automake \
	libtool pkgconf make libpq-dev libpqtypes-dev libcurl4-openssl-dev libjansson-dev \
	libev-dev libknot-dev libidn2-dev postgresql-server-dev-15 postgresql-15 postgresql-client-15 pdns-server pdns-backend-pgsql dnsutils \
	curl procps util-linux >/dev/null

echo "== building drover"
./autogen.sh >/dev/null 2>&1
[ -f Makefile ] || ./configure >/dev/null
make -s -j2 >/dev/null
echo "== installing the SQL API extension into PostgreSQL 15 (sudo make install-pgext)"
$SUDO make -s install-pgext >/dev/null

echo "== starting PostgreSQL and two pdns workers in $top/local"
stop_stack
# owner PID 1: the stack outlives this script, until `quickstart.sh stop`
HARNESS_ROOT=$top/local HARNESS_OWNER_PID=1 DROVER_BUILDDIR=$top \
	bash t/lib/harness.sh start stack 0 2 | grep -v '^# harness' || true
[ -f "$stack/env" ] || { echo "the local stack did not start; see $stack"; exit 1; }
# shellcheck disable=SC1091
. "$stack/env"
pgfolder=$(readlink -f "$stack/pg")

conf=$top/local/drover.conf
umask 077
cat >"$conf" <<CONF
# drover.conf for the local stack made by quickstart.sh
db = host=127.0.0.1 port=$PGPORT dbname=drover user=drover passfile=$PGPASSFILE
CONF

./drover init --config "$conf" >/dev/null
./drover server add w1 --api "$W1_API" --api-key-file "$W1_API_KEYFILE" --dns "$W1_DNS" \
	--control "$W1_CONTROL" --control-secret-file "$W1_CONTROL_SECRETFILE" --config "$conf"
./drover server add w2 --api "$W2_API" --api-key-file "$W2_API_KEYFILE" --dns "$W2_DNS" \
	--control "$W2_SOCKDIR/pdns.controlsocket" --config "$conf"

nohup ./drover run --config "$conf" >"$top/local/drover-run.log" 2>&1 &
echo $! >"$top/local/drover-run.pid"
for _ in $(seq 1 50); do
	./drover status --config "$conf" >/dev/null 2>&1 && break
	sleep 0.2
done

cat <<USAGE

drover is running. PostgreSQL listens on 127.0.0.1:$PGPORT, the workers on
  w1: DNS $W1_DNS, API $W1_API
  w2: DNS $W2_DNS, API $W2_API
both read the same database, and drover run (log: local/drover-run.log)
makes every change served by both at once.

Where its files are:
  drover's config (db=, mode 0600)     $top/local/drover.conf
  drover run's log                     $top/local/drover-run.log
  each worker's pdns.conf and pdns.log $stack/w1 and w2
  PostgreSQL's data, socket and log    $pgfolder

  ./drover zone create example.org --ns ns1.example.org --wait --config $conf
  ./drover rrset replace example.org www A 300 192.0.2.1 --wait --config $conf
  dig @127.0.0.1 -p $W1_DNS_PORT www.example.org A
  dig @127.0.0.1 -p $W2_DNS_PORT www.example.org A
  ./drover template add web --record '@ A {ip}' --record 'www 300 CNAME @' --config $conf
  ./drover zone create shop.example --ns ns1.example.org --template web --var ip=192.0.2.7 --config $conf
  ./drover repoint 192.0.2.7 192.0.2.8 --dry-run --config $conf
  ./drover status --config $conf
  psql "host=127.0.0.1 port=$PGPORT dbname=drover user=drover passfile=$PGPASSFILE"

Stop it, and remove all of the above, with: bash quickstart.sh stop
USAGE
