#!/bin/bash
# t/122-capture-pdns-api.sh - change capture of writes made by a real
# pdns_server 4.7 through its HTTP API: a PATCH makes exactly one entry and
# raises the serial exactly once, whether the zone's SOA-EDIT-API makes the
# API set the serial (DEFAULT, INCREASE, EPOCH) or not (no metadata, OFF);
# zone creation and deletion are logged; the worker's own notified_serial
# write is not; the worker serves what was written; and PATCHes racing
# with SQL writers on one zone keep the serial strictly increasing.
# Owns t/tmp/122-capture-pdns-api/.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"

harness_start 122-capture-pdns-api 122 1 || exit 1
export PGPASSFILE

q() { harness_psql -At -c "$1"; }
mark() { q "SELECT coalesce(max(id), 0) FROM drover.changes"; }
since() { # MARK [EXPR] - entries after MARK in reader order
	q "SELECT ${2:-zone_name || ' ' || array_to_string(what, ',')} FROM drover.changes
		WHERE id > $1 ORDER BY txid, id"
}
agg() { # MARK EXPR - an aggregate over the entries after MARK
	q "SELECT $2 FROM drover.changes WHERE id > $1"
}
serial() { # ZONE
	q "SELECT string_agg(split_part(r.content, ' ', 3), ',') FROM records r
		JOIN domains d ON d.id = r.domain_id WHERE d.name = '$1' AND r.type = 'SOA'"
}
api() { # METHOD PATH [JSON] - worker 1's API; body, then the HTTP status on the last line
	# the key reaches curl on stdin (-K -), never on a command line
	printf 'header = "X-API-Key: %s"\n' "$(cat "$W1_API_KEYFILE")" |
		curl -s -K - -X "$1" -H 'Content-Type: application/json' ${3:+--data "$3"} \
			-w '\n%{http_code}' "$W1_API/api/v1/servers/localhost$2"
}
patch_a() { # ZONE IP - replace www.ZONE A through the API; prints the HTTP status, a line
	local out
	out=$(api PATCH "/zones/$1." "{\"rrsets\": [{\"name\": \"www.$1.\", \"type\": \"A\",
		\"ttl\": 60, \"changetype\": \"REPLACE\",
		\"records\": [{\"content\": \"$2\", \"disabled\": false}]}]}")
	printf '%s\n' "${out##*$'\n'}"
}
mkzone() { # NAME SERIAL KIND [SOA-EDIT-API]
	harness_psql -q <<EOF
BEGIN;
INSERT INTO domains (name, type) VALUES ('$1', '$3');
INSERT INTO records (domain_id, name, type, content, ttl)
	SELECT id, '$1', 'SOA', 'ns1.$1 hostmaster.$1 $2 10800 3600 604800 3600', 3600
	FROM domains WHERE name = '$1'
	UNION ALL SELECT id, '$1', 'NS', 'ns1.$1', 3600 FROM domains WHERE name = '$1'
	UNION ALL SELECT id, 'ns1.$1', 'A', '127.0.0.1', 3600 FROM domains WHERE name = '$1'
	UNION ALL SELECT id, 'www.$1', 'A', '192.0.2.1', 60 FROM domains WHERE name = '$1';
$( [ -n "${4:-}" ] && echo "INSERT INTO domainmetadata (domain_id, kind, content)
	SELECT id, 'SOA-EDIT-API', '$4' FROM domains WHERE name = '$1';")
COMMIT;
EOF
}
today=$(q "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD')")

mkzone def.test 5 NATIVE DEFAULT
mkzone none.test 5 NATIVE
mkzone inc.test 5 NATIVE INCREASE
mkzone epoch.test 5 NATIVE EPOCH
mkzone off.test 5 NATIVE OFF
mkzone prim.test 5 MASTER DEFAULT
harness_pdns_control 1 rediscover >/dev/null

# --- (d) one PATCH: one entry, one serial increase, with and without SOA-EDIT-API
one_patch() { # ZONE WANT-SERIAL-BY DESCRIPTION; sets $got to "serial serial_by"
	local m st
	m=$(mark)
	st=$(patch_a "$1" 192.0.2.2)
	is "$st" 204 "PATCH $1 ($3) answers 204"
	is "$(since "$m")" "$1 records" "PATCH $1 ($3): exactly one entry"
	got=$(since "$m" "serial || ' ' || serial_by")
	is "$(serial "$1")" "${got%% *}" "PATCH $1: the SOA row carries the entry's serial, one SOA row"
	is "${got#* }" "$2" "PATCH $1 ($3): the serial was set by $2"
}
one_patch def.test transaction "SOA-EDIT-API DEFAULT: the API sets the serial"
is "${got%% *}" "${today}01" "DEFAULT via the API: 5 became YYYYMMDD01, raised once (not again by drover)"
one_patch none.test DEFAULT "no SOA-EDIT-API: the API leaves the serial"
is "${got%% *}" "${today}01" "no SOA-EDIT-API: drover raised 5 to YYYYMMDD01, once"
one_patch inc.test transaction "SOA-EDIT-API INCREASE"
is "${got%% *}" 6 "INCREASE via the API: 5 became 6, not 7"
e0=$(date +%s)
one_patch epoch.test transaction "SOA-EDIT-API EPOCH"
e1=$(date +%s)
ok "$([ "${got%% *}" -ge "$e0" ] && [ "${got%% *}" -le "$e1" ]; echo $?)" \
	"EPOCH via the API: unix seconds (${got%% *} within $e0..$e1), raised once"
one_patch off.test OFF "SOA-EDIT-API OFF: the API leaves the serial"
is "${got%% *}" 6 "OFF: drover raised 5 to 6, once"
one_patch def.test transaction "a second PATCH"
is "${got%% *}" "${today}02" "the second PATCH: YYYYMMDD02"

# several rrsets and a comment in one PATCH: still one entry, what merged
m=$(mark)
st=$(api PATCH /zones/def.test. '{"rrsets": [
	{"name": "www.def.test.", "type": "A", "ttl": 60, "changetype": "REPLACE",
	 "records": [{"content": "192.0.2.3", "disabled": false}],
	 "comments": [{"content": "web server", "account": "ops", "modified_at": 1}]},
	{"name": "mail.def.test.", "type": "A", "ttl": 60, "changetype": "REPLACE",
	 "records": [{"content": "192.0.2.25", "disabled": false}]},
	{"name": "def.test.", "type": "MX", "ttl": 60, "changetype": "REPLACE",
	 "records": [{"content": "10 mail.def.test.", "disabled": false}]}]}' | tail -n 1)
is "$st" 204 "a PATCH of three rrsets and a comment answers 204"
is "$(since "$m" "zone_name || ' ' || array_to_string(what, ',') || ' ' || serial")" \
	"def.test comments,records ${today}03" "it makes one entry, records and comments, one serial step"

# --- (k) the worker serves what the API and the triggers wrote
is "$(harness_dig 1 www.def.test A)" "192.0.2.3" "worker 1 serves the patched record"
is "$(harness_dig 1 def.test SOA | awk '{print $3}')" "${today}03" "and the serial the API set"
is "$(harness_dig 1 none.test SOA | awk '{print $3}')" "${today}01" \
	"and the serial drover's trigger set during the API's transaction"
is "$(harness_dig 1 def.test MX)" "10 mail.def.test." "and the MX (prio column split as pdns stores it)"

# --- zone creation and deletion through the API
m=$(mark)
out=$(api POST /zones '{"name": "new.test.", "kind": "Native", "nameservers": ["ns1.new.test."],
	"rrsets": [{"name": "new.test.", "type": "SOA", "ttl": 3600, "records": [
		{"content": "ns1.new.test. hostmaster.new.test. 7 10800 3600 604800 3600", "disabled": false}]}]}')
is "$(echo "$out" | tail -n 1)" 201 "POST a zone answers 201"
edited=$(echo "$out" | head -n -1 | jq -r .edited_serial)
is "$(since "$m" "array_to_string(what, ',') || ' ' || coalesce(serial_by, '-') || ' ' || coalesce(note, '-')" | tr '\n' ';')" \
	"zone_created - no SOA;metadata,records transaction -;" \
	"pdns 4.7 creates a zone in two transactions: the domains row alone (no SOA yet), then the rest"
is "$(serial new.test)" "$edited" "the serial the API chose ($edited) is kept, not raised again"
is "$(harness_dig 1 new.test SOA | awk '{print $3}')" "$edited" "worker 1 serves the new zone"
m=$(mark)
is "$(api DELETE /zones/new.test. | tail -n 1)" 204 "DELETE the zone answers 204"
is "$(since "$m" "zone_name || ' ' || array_to_string(what, ',') || ' ' || note")" \
	"new.test metadata,records,zone_deleted zone deleted" \
	"the delete (records, metadata, then the domains row) is one entry, with the zone's name"

# --- (f) the worker's own notified_serial write makes no entry
is "$(patch_a prim.test 192.0.2.4)" 204 "PATCH a MASTER zone"
want=$(serial prim.test)
m=$(mark)
harness_pdns_control 1 notify prim.test >/dev/null
for _ in $(seq 100); do
	[ "$(q "SELECT notified_serial FROM domains WHERE name = 'prim.test'")" = "$want" ] && break
	sleep 0.05
done
is "$(q "SELECT notified_serial FROM domains WHERE name = 'prim.test'")" "$want" \
	"the worker wrote notified_serial $want itself after a NOTIFY"
is "$(agg "$m" "count(*)")" 0 "that write made no entry (no feedback loop)"

# --- PATCHes racing each other and SQL writers on one zone
mkzone race.test 5 NATIVE DEFAULT
q "INSERT INTO records (domain_id, name, type, content, ttl) SELECT id, 'sql' || i || '.race.test',
	'A', '198.51.100.' || i, 60 FROM domains, generate_series(1, 2) i WHERE name = 'race.test'" >/dev/null
harness_pdns_control 1 rediscover >/dev/null
m=$(mark)
for j in 1 2 3; do
	(for i in $(seq 12); do patch_a race.test "192.0.$j.$i"; done >"$HARNESS_DIR/race-api-$j.out") &
done
for j in 1 2; do
	(for i in $(seq 20); do
		echo "UPDATE records SET content = '198.51.$j.$i' WHERE name = 'sql$j.race.test';"
	done | harness_psql_as pdns -q >"$HARNESS_DIR/race-sql-$j.out" 2>&1) &
done
wait
api_ok=$(cat "$HARNESS_DIR"/race-api-*.out | grep -c '^204$')
api_err=$(cat "$HARNESS_DIR"/race-api-*.out | grep -vc '^204$')
[ "$api_err" = 0 ] || diag "$api_err of 36 racing PATCHes failed (pdns's own statements can deadlock on one zone)"
ok "$([ "$api_ok" -ge 30 ]; echo $?)" "racing PATCHes mostly succeed ($api_ok of 36)"
is "$(cat "$HARNESS_DIR"/race-sql-*.out)" "" "the racing SQL writers all succeed"
is "$(agg "$m" "count(*)")" "$((api_ok + 40))" "one entry per committed PATCH or SQL update"
is "$(q "SELECT count(*) FILTER (WHERE serial <= before OR serial IS NULL) || ' ' || count(DISTINCT serial) || ' ' || count(*)
	FROM (SELECT serial, lag(serial) OVER (ORDER BY sealed_at) AS before FROM drover.changes
		WHERE id > $m) x")" "0 $((api_ok + 40)) $((api_ok + 40))" \
	"every commit got its own serial, each above the last in commit order"
is "$(serial race.test)" "$((10#${today}01 + api_ok + 40))" "the serial rose exactly once per commit"
is "$(q "SELECT count(*) FROM records WHERE name = 'race.test' AND type = 'SOA'")" 1 \
	"the zone ends with one SOA row"
harness_pdns_control 1 purge race.test\$ >/dev/null
is "$(harness_dig 1 race.test SOA | awk '{print $3}')" "$(serial race.test)" \
	"worker 1 serves the final serial"

done_testing
