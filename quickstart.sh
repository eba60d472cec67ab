#!/bin/bash
# quickstart.sh - from a fresh Debian 12 machine to a running local drover:
# installs the Debian packages, builds drover, starts a throwaway PostgreSQL
# and two pdns_server workers in ./local (127.0.0.1 only), runs `drover
# init`, registers both workers, and prints how to use them.
# Run it again to start afresh; `bash quickstart.sh stop` stops the stack.
set -eu
cd "$(dirname "$0")"
top=$(pwd)
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
stack=$top/local/stack

if [ "${1:-}" = stop ]; then
	[ -d "$stack" ] && bash t/lib/harness.sh stop "$stack" 0 >/dev/null
	echo "local drover stack stopped"
	exit 0
fi

echo "== installing Debian packages (sudo apt-get)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends build-essential autoconf automake \
	libtool pkgconf make libpq-dev libpqtypes-dev libcurl4-openssl-dev libjansson-dev \
	libev-dev libknot-dev libidn2-dev postgresql-15 postgresql-client-15 pdns-server pdns-backend-pgsql dnsutils \
	curl procps util-linux >/dev/null

echo "== building drover"
./autogen.sh >/dev/null 2>&1
[ -f Makefile ] || ./configure >/dev/null
make -s -j2 >/dev/null

echo "== starting PostgreSQL and two pdns workers in $top/local"
[ -d "$stack" ] && bash t/lib/harness.sh stop "$stack" 0 >/dev/null 2>&1 || true
# owner PID 1: the stack outlives this script, until `quickstart.sh stop`
HARNESS_ROOT=$top/local HARNESS_OWNER_PID=1 DROVER_BUILDDIR=$top \
	bash t/lib/harness.sh start stack 0 2 | grep -v '^# harness' || true
[ -f "$stack/env" ] || { echo "the local stack did not start; see $stack"; exit 1; }
# shellcheck disable=SC1091
. "$stack/env"

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

cat <<USAGE

drover is ready. PostgreSQL listens on 127.0.0.1:$PGPORT, the workers on
  w1: DNS $W1_DNS, API $W1_API
  w2: DNS $W2_DNS, API $W2_API
and both read the same database.

  ./drover server list --config $conf
  ./drover init --check --config $conf
  psql "host=127.0.0.1 port=$PGPORT dbname=drover user=drover passfile=$PGPASSFILE"
  dig @127.0.0.1 -p $W1_DNS_PORT example.org SOA

Stop it with: bash quickstart.sh stop
USAGE
