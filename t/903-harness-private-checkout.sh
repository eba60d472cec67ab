#!/bin/bash
# t/903-harness-private-checkout.sh - the harness works from a checkout that the server's
# user cannot traverse, as a clone in /root (0700) or in a user's 0750 home is. Copies
# t/lib/harness.sh and the drover binary into a 0700 folder, starts one PostgreSQL and one
# worker from there (port block NUM 903) while a port of the block is held for a moment,
# and checks that they serve, that PostgreSQL's files live in a private folder it owns
# outside the checkout, and that stop removes them.
# Run as root this is the case that matters: PostgreSQL runs as postgres. Run as anyone
# else, the servers run as that user and the test checks the same things.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh" # for harness_pgbin only: the cluster is the copy's
srcdir=${DROVER_SRCDIR:-.}
builddir=${DROVER_BUILDDIR:-.}

priv=$(mktemp -d /tmp/drover-903.XXXXXX) || { echo "Bail out! mktemp failed"; exit 1; }
chmod 700 "$priv"
checkout=$priv/home/drover
dir=
cleanup() {
	[ -n "$dir" ] && [ -f "$dir/state" ] && bash "$checkout/t/lib/harness.sh" stop "$dir" 1 >/dev/null 2>&1
	rm -rf "$priv"
}
trap cleanup EXIT
mkdir -p "$checkout/t/lib" "$checkout/_build/t/tmp"
cp "$srcdir/t/lib/harness.sh" "$checkout/t/lib/"
cp "$builddir/drover" "$checkout/_build/"

if [ "$(id -u)" = 0 ]; then
	server_user=postgres
	runuser -u postgres -- test -x "$checkout" 2>/dev/null
	is "$?" 1 "postgres cannot traverse the checkout $checkout (the case under test)"
else
	server_user=$(id -un)
	diag "not root: the servers run as $server_user, who owns the checkout"
fi

# Another test's client may hold a port of the block for a moment (dig, delv and named
# pick UDP source ports anywhere above 1024): the start waits it out.
held_port=$((10000 + 20 * 903 + 2))
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
print("held", flush=True)
time.sleep(1.5)' "$held_port" >"$priv/held" &
held_pid=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do grep -q held "$priv/held" 2>/dev/null && break; sleep 0.1; done
run env HARNESS_OWNER_PID=$$ DROVER_BUILDDIR="$checkout/_build" \
	bash "$checkout/t/lib/harness.sh" start 903-private 903 1
wait "$held_pid"
is "$rc" 0 "harness start from a checkout in a 0700 folder, waiting out a port held for a moment"
if [ "$rc" != 0 ]; then
	diag "$out" "$err"
	echo "Bail out! the harness did not start from a private checkout"
	exit 1
fi
dir=$checkout/_build/t/tmp/903-private
set -a
# shellcheck disable=SC1091
. "$dir/env"
set +a

got=$("$(harness_pgbin)/psql" -X -At -w \
	-h 127.0.0.1 -p "$PGPORT" -U drover -d drover -c 'SELECT count(*) FROM domains' 2>&1)
is "$got" 0 "the drover role reaches the database over TCP with its password"
got=$(dig +tries=1 +time=2 @127.0.0.1 -p "$W1_DNS_PORT" . SOA 2>/dev/null | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
ok "$([ -n "$got" ]; echo $?)" "the worker answers over DNS (status '$got')"

server_tmp=$(sed -n 's/^HX_SERVER_TMP=//p' "$dir/state" | tail -n 1)
case $PGHOST_SOCKDIR in
"$priv"/*) ok 1 "PostgreSQL's socket folder '$PGHOST_SOCKDIR' lies outside the checkout" ;;
*) ok 0 "PostgreSQL's socket folder '$PGHOST_SOCKDIR' lies outside the checkout" ;;
esac
pgdata=$(sed -n 's/^HX_PGDATA=//p' "$dir/state" | tail -n 1)
is "$(stat -c %U "$(dirname "$pgdata")")" "$server_user" "PostgreSQL's folder is owned by $server_user"
if [ "$(id -u)" = 0 ]; then
	is "$(stat -c %a "$server_tmp")" 700 "PostgreSQL's private folder $server_tmp has mode 0700"
	is "$(readlink "$dir/pg")" "$server_tmp" "\$HARNESS_DIR/pg links to it, so logs are where tests look"
fi

run bash "$checkout/t/lib/harness.sh" stop "$dir" 0
is "$rc" 0 "harness stop"
ok "$([ ! -e "$dir" ]; echo $?)" "stop removes the test folder"
if [ -n "$server_tmp" ]; then
	ok "$([ ! -e "$server_tmp" ]; echo $?)" "stop removes PostgreSQL's private folder $server_tmp"
fi
left=
for f in /proc/[0-9]*/cmdline; do
	case $(tr '\0' ' ' 2>/dev/null <"$f") in *"$dir"* | *"${pgdata:-/nonexistent}"*) left="$left ${f#/proc/}" ;; esac
done
is "$left" "" "no server process is left"
dir=
done_testing
