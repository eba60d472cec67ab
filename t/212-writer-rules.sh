#!/bin/bash
# t/212-writer-rules.sh - what the writer refuses, with an error naming the
# record and the reason, exit 2, and nothing written; and what it does to
# rrsets: add, replace, delete, empty non-terminals kept right; zone create,
# list, show, delete.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
DROVER=${DROVER_BUILDDIR:-.}/drover

harness_start 212-writer-rules 212 1 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)
Z=rules.test
snapshot() { harness_psql -At -c "SELECT string_agg(r::text, ';' ORDER BY r.id) FROM records r"; }

run "$DROVER" zone create $Z --ns ns1.$Z --ns ns2.$Z --account acme "${D[@]}"
is "$rc" 0 "zone create"
run "$DROVER" zone create child.$Z --ns ns1.$Z "${D[@]}"
is "$rc" 0 "zone create of a child zone stored separately"
"$DROVER" rrset replace $Z www A 300 192.0.2.1 "${D[@]}" >/dev/null
"$DROVER" rrset replace $Z alias CNAME 300 www "${D[@]}" >/dev/null

refuse() { # DESCRIPTION WANT-IN-ERROR ARGS...
	local what=$1 want=$2 before
	shift 2
	before=$(snapshot)
	run "$DROVER" "$@" "${D[@]}"
	is "$rc" 2 "$what: exit 2"
	like "$err" "$want" "$what: the error says why"
	is "$(snapshot)" "$before" "$what: nothing written"
}

refuse "CNAME at the apex" "record 'rules.test.' CNAME: a CNAME cannot be at the zone apex" \
	rrset replace $Z @ CNAME 300 www
refuse "CNAME beside other data" "record 'www.rules.test.' CNAME: the name already holds other data (A)" \
	rrset replace $Z www CNAME 300 other.example.
refuse "data beside a CNAME" "record 'alias.rules.test.' TXT: the name holds a CNAME" \
	rrset replace $Z alias TXT 300 '"x"'
refuse "two CNAME records" "a CNAME rrset holds one record, got 2" \
	rrset replace $Z c2 CNAME 300 a.example. b.example.
refuse "a name outside the zone" "name 'www.example.org.' is outside zone 'rules.test.'" \
	rrset replace $Z www.example.org. A 300 192.0.2.1
refuse "a name inside a child zone" "name 'www.child.rules.test.' belongs to zone 'child.rules.test.'" \
	rrset replace $Z www.child A 300 192.0.2.1
refuse "a negative TTL" "TTL must be 0..2147483647, got '-1'" rrset replace $Z www A -1 192.0.2.1
refuse "a TTL above 2^31-1" "got '2147483648'" rrset replace $Z www A 2147483648 192.0.2.1
refuse "a TTL that is not a number" "got '5m'" rrset replace $Z www A 5m 192.0.2.1
refuse "a second TTL in one rrset" "the rrset has TTL 300; one rrset has one TTL" \
	rrset add $Z www A 60 192.0.2.2
refuse "a bad address among good ones" "record 'www.rules.test.' A: bad data '192.0.2.300'" \
	rrset replace $Z www A 300 192.0.2.7 192.0.2.300
refuse "an unsupported type" "unsupported record type 'WKS'" rrset replace $Z www WKS 300 x
refuse "a SOA below the apex" "the SOA belongs at the zone apex" \
	rrset replace $Z www SOA 300 "ns1 hm 1 2 3 4 5"
refuse "deleting the SOA" "a zone needs its SOA" rrset delete $Z @ SOA
refuse "deleting the apex NS" "a zone needs its apex NS rrset" rrset delete $Z @ NS
refuse "deleting an rrset that does not exist" "no rrset 'nope.rules.test.' A" rrset delete $Z nope A
refuse "writing to a zone that does not exist" "zone 'nosuch.test.' not found" \
	rrset replace nosuch.test www A 300 192.0.2.1
refuse "a malformed name" "bad name 'a..b'" rrset replace $Z a..b A 300 192.0.2.1
refuse "data with a line break" "line breaks are not allowed" \
	rrset replace $Z www A 300 "$(printf '192.0.2.1\nx A 192.0.2.2')"
refuse "a duplicate zone" "zone 'rules.test.' already exists" zone create $Z --ns ns1.example.
refuse "a zone without --ns" "at least one --ns HOST is required" zone create nons.test
refuse "a secondary without --primary-ip" "a secondary zone needs --primary-ip IP" \
	zone create sec.test --kind secondary
refuse "a bad --primary-ip" "--primary-ip: expected an IP address" \
	zone create sec.test --kind secondary --primary-ip 300.1.1.1
refuse "a bad --kind" "--kind: expected native, primary or secondary, got 'hidden'" \
	zone create k.test --kind hidden --ns ns1.example.
refuse "deleting a zone that does not exist" "zone 'nosuch.test.' not found" zone delete nosuch.test

# what writes do
run "$DROVER" rrset add $Z www A 300 192.0.2.2 192.0.2.1 "${D[@]}"
is "$rc" 0 "rrset add"
like "$out" "1 record added, 2 in all" "add skips the record the rrset already holds"
run "$DROVER" rrset replace $Z WWW A 600 192.0.2.3 "${D[@]}"
is "$(harness_psql -At -c "SELECT string_agg(content || '/' || ttl, ',') FROM records WHERE name = 'www.$Z' AND type = 'A'")" \
	"192.0.2.3/600" "replace makes the rrset exactly the new records, with one TTL"
run "$DROVER" rrset replace $Z deep.er.name TXT 300 '"x"' "${D[@]}"
is "$(harness_psql -At -c "SELECT string_agg(name, ',' ORDER BY name) FROM records WHERE type IS NULL")" \
	"er.name.$Z,name.$Z" "empty non-terminals created for a deep name"
run "$DROVER" rrset delete $Z deep.er.name TXT "${D[@]}"
is "$rc" 0 "rrset delete"
is "$(harness_psql -At -c "SELECT count(*) FROM records WHERE type IS NULL OR name LIKE '%er.name.$Z'")" 0 \
	"deleting it removes its empty non-terminals"
run "$DROVER" zone create sec.test --kind secondary --primary-ip 192.0.2.1 --primary-ip 192.0.2.2:5300 "${D[@]}"
is "$rc" 0 "a secondary zone"
is "$(harness_psql -At -c "SELECT type || ' ' || master FROM domains WHERE name = 'sec.test'")" \
	"SLAVE 192.0.2.1,192.0.2.2:5300" "stored as SLAVE with its primaries"
refuse "writing into a secondary" "zone 'sec.test.' is a secondary" rrset replace sec.test www A 300 192.0.2.1
run "$DROVER" zone create prim.test --kind primary --ns ns1.example. "${D[@]}"
is "$(harness_psql -At -c "SELECT type FROM domains WHERE name = 'prim.test'")" MASTER "a primary zone is MASTER"

# reading
run "$DROVER" zone list "${D[@]}"
like "$out" "rules.test." "zone list shows the zones"
run "$DROVER" zone list --json --account acme "${D[@]}"
is "$(echo "$out" | jq -r '[.[].name] | join(",")')" "rules.test." "zone list --account filters"
run "$DROVER" zone list --json --match '*.rules.TEST' "${D[@]}"
is "$(echo "$out" | jq -r '[.[].name] | join(",")')" "child.rules.test." "zone list --match takes a glob"
run "$DROVER" zone list --json --match 'prim_test' "${D[@]}"
is "$(echo "$out" | jq -r 'length')" 0 "'_' in --match is literal, not a wildcard"
run "$DROVER" zone show $Z --json "${D[@]}"
is "$(echo "$out" | jq -r '.kind + " " + (.serial | type) + " " + .rrsets[0].type')" "native number SOA" \
	"zone show --json: kind, serial, SOA first"
run "$DROVER" zone show $Z "${D[@]}"
like "$out" "www.rules.test.	600	IN	A	192.0.2.3" "zone show prints zone-file lines"

run "$DROVER" zone delete $Z "${D[@]}"
is "$rc" 0 "zone delete"
is "$(harness_psql -At -c "SELECT count(*) FROM records r JOIN domains d ON d.id = r.domain_id WHERE d.name = '$Z'") $(harness_psql -At -c "SELECT count(*) FROM domains WHERE name = '$Z'")" \
	"0 0" "the zone and its records are gone"
is "$(harness_psql -At -c "SELECT count(*) FROM records WHERE domain_id NOT IN (SELECT id FROM domains)")" 0 \
	"no orphaned records"

done_testing
