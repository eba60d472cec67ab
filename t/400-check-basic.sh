#!/bin/bash
# t/400-check-basic.sh - `drover check` on three workers that serve what
# the database holds: a clean table and JSON report, exit 0; --server and
# --zone narrow it; bad usage exits 2, an unreachable database 3, no
# server to check 3; no API key or secret reaches the output.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
. "${DROVER_SRCDIR:-.}/t/lib/daemon.sh"

harness_start 400-check-basic 400 3 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)

register_workers 3
ok $? "three workers registered"
for z in a b c; do
	"$DROVER" zone create $z.test --ns ns1.$z.test "${D[@]}" >/dev/null
done
start_daemon "$HARNESS_DIR/daemon.log"
wait_until 15000 in_sync
ok $? "the daemon delivered the zones"
stop_daemon "$DAEMON_PID"

run "$DROVER" check "${D[@]}"
is "$rc" 0 "check: exit 0 when every worker serves the database"
like "$out" "clean: 3 zones, 3 servers" "check: the last line says clean, 3 zones, 3 servers"
is "$(echo "$out" | awk '$2 == "ok"' | wc -l)" 3 "check: the table has three servers, each ok"
like "$(echo "$out" | awk '$1 == "w2"')" "w2               ok                 3        0        0        0        0        0" \
	"check: w2's row counts 3 zones and no finding"

run "$DROVER" check --json "${D[@]}"
is "$rc" 0 "check --json: exit 0"
is "$(echo "$out" | jq -r '.clean')" true "check --json: clean is true"
is "$(echo "$out" | jq -r '.zones')" 3 "check --json: 3 zones"
is "$(echo "$out" | jq -r '[.servers[] | .name + "=" + .state] | join(",")')" "w1=ok,w2=ok,w3=ok" \
	"check --json: w1, w2, w3 ok"
is "$(echo "$out" | jq -r '[.servers[] | (.missing + .extra + .behind + .stale) | length] | add')" 0 \
	"check --json: no missing, extra, behind or stale zone"
is "$(echo "$out" | jq -r '.config_drift | length')" 0 "check --json: no config drift"
is "$(echo "$out" | jq -r '.servers[0].zones')" 3 "check --json: w1's API lists 3 zones"

run "$DROVER" check --json --server w2 "${D[@]}"
is "$(echo "$out" | jq -r '[.servers[].name] | join(",")')" w2 "--server w2: only w2 is checked"
run "$DROVER" check --json --zone B.Test. --zone c.test "${D[@]}"
is "$(echo "$out" | jq -r '.zones')" 2 "--zone B.Test. --zone c.test: two zones, names normalised"
is "$rc" 0 "--zone: the zones outside the list are not extra"

run "$DROVER" check --json --zone nosuch.test "${D[@]}"
is "$rc $(echo "$out" | jq -r '.zones')" "0 0" "--zone of a zone that does not exist: nothing to check, exit 0"

run "$DROVER" check --server nosuch "${D[@]}"
is "$rc" 2 "--server nosuch: exit 2"
like "$err" "no server named 'nosuch'" "--server nosuch: says so"
run "$DROVER" check --zone 'bad..name' "${D[@]}"
is "$rc" 2 "--zone with a bad name: exit 2"
run "$DROVER" check extra "${D[@]}"
is "$rc" 2 "an unexpected argument: exit 2"
run "$DROVER" check --frob "${D[@]}"
is "$rc" 2 "an unknown option: exit 2"
run "$DROVER" check --db "host=127.0.0.1 port=$((PGPORT + 19)) dbname=drover user=drover" --config /dev/null
is "$rc" 3 "the database unreachable: exit 3"

run "$DROVER" help
like "$out" "check" "drover help lists check"
run "$DROVER" check --help
is "$rc" 0 "check --help: exit 0"
like "$out" "--repair" "check --help: describes --repair"

all=$("$DROVER" check --json "${D[@]}"; "$DROVER" check "${D[@]}")
leaks=0
for f in "$W1_API_KEYFILE" "$W2_API_KEYFILE" "$W3_API_KEYFILE" "$W1_CONTROL_SECRETFILE"; do
	case $all in *"$(cat "$f")"*) leaks=$((leaks + 1)) ;; esac
done
is "$leaks" 0 "no API key or control secret in the report"

for w in w1 w2 w3; do "$DROVER" server disable $w "${D[@]}" >/dev/null; done
run "$DROVER" check "${D[@]}"
is "$rc" 3 "every server disabled: exit 3"
like "$err" "no enabled server" "every server disabled: says so"
run "$DROVER" check --server w1 --json "${D[@]}"
is "$rc" 0 "a disabled server named with --server is checked"

done_testing
