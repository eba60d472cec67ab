#!/bin/bash
# t/050-cli-usage.sh - the command line without servers: help, version,
# unknown commands and options, bad and unreadable config files, exit codes,
# and the warning for a password on --db.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
DROVER=${DROVER_BUILDDIR:-.}/drover
tmp=$(mktemp -d /tmp/drover-t050.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

run "$DROVER" --version
is "$rc" 0 "--version exits 0"
like "$out" "drover 0." "--version prints the version"

run "$DROVER" help
is "$rc" 0 "help exits 0"
like "$out" "exit codes:" "help lists the exit codes"
like "$out" "log-level" "help lists the config keys"

run "$DROVER"
is "$rc" 2 "no command is bad usage (2)"

run "$DROVER" init --help
is "$rc" 0 "init --help exits 0"
like "$out" "--check" "init --help describes --check"

run "$DROVER" help server
is "$rc" 0 "help server exits 0"
like "$out" "server add NAME" "help server describes server add"

run "$DROVER" server add --help
like "$out" "--api-key-file FILE" "server add --help describes --api-key-file"

run "$DROVER" frobnicate
is "$rc" 2 "unknown command exits 2"
like "$err" "unknown command 'frobnicate'" "unknown command is named"

run "$DROVER" init --frob
is "$rc" 2 "unknown option exits 2"
like "$err" "unknown option '--frob'" "unknown option is named"

run "$DROVER" server frob
is "$rc" 2 "unknown server subcommand exits 2"
like "$err" "unknown subcommand 'frob'" "unknown subcommand is named"

printf 'db = dbname=x\nlog-levle = info\n' >"$tmp/unknown.conf"
run "$DROVER" init --check --config "$tmp/unknown.conf"
is "$rc" 2 "config with an unknown key exits 2"
like "$err" "unknown.conf:2: unknown key 'log-levle'" "error names file:line and the key"

printf 'log-target = journal\n' >"$tmp/badvalue.conf"
run "$DROVER" server list --config "$tmp/badvalue.conf"
is "$rc" 2 "config with a bad value exits 2"
like "$err" "badvalue.conf:1: key 'log-target'" "error names file:line and the key"

run "$DROVER" init --check --config "$tmp/absent.conf"
is "$rc" 2 "a missing --config file exits 2"
like "$err" "absent.conf" "error names the missing file"

mkdir "$tmp/dir.conf"
run "$DROVER" init --check --config "$tmp/dir.conf"
is "$rc" 2 "an unreadable --config file exits 2"
like "$err" "dir.conf" "error names the unreadable file"

run "$DROVER" init --check --log-level loud
is "$rc" 2 "a bad --KEY override exits 2"
like "$err" "--log-level: key 'log-level'" "error names the option"

# nothing listens on port 1: could not connect is exit 3
run "$DROVER" init --check --db "host=127.0.0.1 port=1 dbname=x user=u password=Pw-t050-secret connect_timeout=2"
is "$rc" 3 "an unreachable database exits 3"
like "$err" "cannot connect to database" "error says it could not connect"
like "$err" "warning: --db carries a password" "a password on --db is warned about"
unlike "$err$out" "Pw-t050-secret" "the password is never printed"

run "$DROVER" init --check --db "postgresql://u:Pw-t050-uri@127.0.0.1:1/x?connect_timeout=2"
is "$rc" 3 "an unreachable database URI exits 3"
unlike "$err$out" "Pw-t050-uri" "a URI password is never printed"

# db= from the config file is used when --db is absent
printf 'db = host=127.0.0.1 port=1 dbname=fromfile connect_timeout=2\n' >"$tmp/db.conf"
run "$DROVER" init --check --config "$tmp/db.conf"
is "$rc" 3 "db= from the config file is used"
like "$err" "dbname=fromfile" "the error shows the config's database"

run "$DROVER" init --check --config "$tmp/db.conf" --db "host=127.0.0.1 port=1 dbname=fromflag connect_timeout=2"
like "$err" "dbname=fromflag" "--db overrides the config file"

# PG* environment when neither is given
run env PGHOST=127.0.0.1 PGPORT=1 PGDATABASE=fromenv PGCONNECT_TIMEOUT=2 "$DROVER" server list --config /dev/null
is "$rc" 3 "PG* environment used without --db or db="
like "$err" "PG* environment" "the error says the PG* environment was used"

echo secret >"$tmp/key"
run "$DROVER" server add w1 --api-key-file "$tmp/key" --config /dev/null
is "$rc" 2 "server add without --api exits 2"
like "$err" "--api URL is required" "missing --api is named"
run "$DROVER" server add w1 --api ftp://x --api-key-file "$tmp/key" --config /dev/null
is "$rc" 2 "server add with a bad URL exits 2"
like "$err" "'ftp://x'" "the bad URL is named"
run "$DROVER" server add w1 --api http://127.0.0.1:1 --api-key-file "$tmp/nokey" --config /dev/null
is "$rc" 2 "server add with a missing key file exits 2"
like "$err" "nokey" "the missing key file is named"
run "$DROVER" server add w1 --api http://127.0.0.1:1 --api-key-file "$tmp/key" --control 127.0.0.1:9 --config /dev/null
is "$rc" 2 "a TCP control channel without a secret file exits 2"
run "$DROVER" server add 'bad name' --api http://127.0.0.1:1 --api-key-file "$tmp/key" --config /dev/null
is "$rc" 2 "a bad server name exits 2"
like "$err" "'bad name'" "the bad name is named"
run "$DROVER" server add w1 --api http://127.0.0.1:1 --api-key-file "$tmp/key" --config /dev/null
is "$rc" 3 "an unreachable API exits 3 before the database is touched"
like "$err" "cannot reach 'http://127.0.0.1:1'" "the unreachable API is named"
unlike "$err$out" "secret" "the API key is never printed"

done_testing
