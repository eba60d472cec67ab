#!/bin/bash
# t/602-import-roundtrip.sh - `drover zone export` prints a zone file that
# imports back to the same rows: into a fresh database (identical rows in
# records), and with --replace into the same one (identical but for the
# SOA serial, which moves up); disabled records are left out; the export is
# served the same by a real worker.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
DROVER=${DROVER_BUILDDIR:-.}/drover
DATA=${DROVER_SRCDIR:-.}/t/data/zones

harness_start 602-import-roundtrip 602 1 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)
harness_psql -c "CREATE DATABASE fresh OWNER drover" >/dev/null
F=(--db "host=127.0.0.1 port=$PGPORT dbname=fresh user=drover" --config /dev/null)
"$DROVER" init "${F[@]}" >/dev/null

"$DROVER" zone import types.test "$DATA/types.test.zone" "${D[@]}" >/dev/null
"$DROVER" zone import incl.test "$DATA/incl.test.zone" --include-dir "$DATA/inc" "${D[@]}" >/dev/null
"$DROVER" zone create made.test --ns ns1.made.test --ns ns2.example. "${D[@]}" >/dev/null
"$DROVER" rrset replace made.test www A 300 192.0.2.1 192.0.2.2 "${D[@]}" >/dev/null
"$DROVER" rrset replace made.test t TXT 60 '"tab	and \\ backslash" "x"' "${D[@]}" >/dev/null
"$DROVER" rrset replace made.test a.b.c MX 60 '0 .' "${D[@]}" >/dev/null

rows() { # DB ZONE - every column of the zone's rows but the ids, sorted
	"$(harness_pgbin)/psql" -X -At -h "$PGHOST_SOCKDIR" -p "$PGPORT" -U postgres -d "$1" -c \
		"SELECT r.name, r.type, r.content, r.ttl, r.prio, r.disabled, r.ordername, r.auth FROM records r JOIN domains d ON d.id = r.domain_id WHERE d.name = '$2' ORDER BY 1, 2, 3, 5"
}
for z in types.test incl.test made.test; do
	run "$DROVER" zone export $z "${D[@]}"
	is "$rc" 0 "export $z"
	echo "$out" >"$HARNESS_DIR/$z.zone"
	like "$out" "\$ORIGIN $z." "the export sets \$ORIGIN"
	run "$DROVER" zone import $z "$HARNESS_DIR/$z.zone" "${F[@]}"
	is "$rc" 0 "import of the export of $z into a fresh database" || diag "$err"
	is "$(rows fresh $z)" "$(rows drover $z)" "$z: import(export(z)) gives identical rows in records"
	before=$(rows drover $z | grep -v '|SOA|')
	run "$DROVER" zone import $z "$HARNESS_DIR/$z.zone" --replace "${D[@]}"
	is "$rc" 0 "import --replace of $z's own export"
	is "$(rows drover $z | grep -v '|SOA|')" "$before" "$z: --replace with its export leaves every row but the SOA as it was"
done
like "$(cat "$HARNESS_DIR/types.test.zone")" "xn--mller-kva	3600	IN	A	192.0.2.10" "an IDN owner is exported as its A-label"
like "$(cat "$HARNESS_DIR/types.test.zone")" "@	300	IN	CAA" "the apex is exported as @ with the TTL explicit"
is "$(grep -c -E '^(wild|b\.deep|_tcp)	' "$HARNESS_DIR/types.test.zone")" 0 "empty non-terminals are not exported"

harness_psql -c "UPDATE records SET disabled = true WHERE name = 'www.made.test' AND content = '192.0.2.2'" >/dev/null
run "$DROVER" zone export made.test "${D[@]}"
unlike "$out" "192.0.2.2" "a disabled record is not exported"
like "$out" "192.0.2.1" "its enabled neighbour is"

harness_pdns_control 1 rediscover >/dev/null
is "$(harness_dig 1 t.made.test TXT)" "\"tab\\009and \\\\ backslash\" \"x\"" "the worker serves TXT with a tab and a backslash after the round trip"
run "$DROVER" zone export nosuch.test "${D[@]}"
is "$rc" 2 "export of a zone that does not exist: exit 2"
like "$err" "zone 'nosuch.test.' not found" "the error names the zone"

done_testing
