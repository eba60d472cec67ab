#!/bin/bash
# t/230-writer-dnssec.sh - drover's writes keep DNSSEC-signed zones valid.
# Four zones signed by `pdnsutil secure-zone` on three workers sharing one
# database: NSEC, NSEC3, NSEC3 narrow, NSEC3 opt-out with an insecure
# delegation. Each goes through the write paths (rrset replace, add, delete,
# a deep name that makes empty non-terminals, a delegation with DS and glue,
# import merged and --replace, repoint, the SQL API, zone rectify). After
# each write the stored rows must equal what `pdnsutil rectify-zone` leaves
# on the same data (it runs after drover and must change nothing), and on
# every worker BIND's delv, with the zone's DNSKEY as trust anchor,
# validates a positive answer, NXDOMAIN, NODATA, an empty non-terminal, a
# wildcard answer and a referral. Last, a zone whose orderings were broken
# behind drover's back is mended by `drover zone rectify`.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
. "${DROVER_SRCDIR:-.}/t/lib/dnssec.sh"
DROVER=${DROVER_BUILDDIR:-.}/drover

command -v delv >/dev/null || { echo "Bail out! delv not found (install bind9-dnsutils)"; exit 1; }
harness_start 230-writer-dnssec 230 3 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)
tmp=$HARNESS_DIR/tmp
mkdir -p "$tmp"

# --- the zones, written by drover, then signed by pdnsutil
zones="nsec.test nsec3.test narrow.test optout.test"
for z in $zones; do
	run "$DROVER" zone create $z --ns ns1.$z --ns ns2.$z "${D[@]}"
	[ "$rc" = 0 ] || diag "$out" "$err"
	signed_zone_content $z
	pdnsutil secure-zone $z >"$tmp/secure.out" 2>&1 || diag "$(cat "$tmp/secure.out")"
done
pdnsutil set-nsec3 nsec3.test '1 0 1 ab' >/dev/null 2>&1
pdnsutil set-nsec3 narrow.test '1 0 0 -' narrow >/dev/null 2>&1
pdnsutil set-nsec3 optout.test '1 1 1 cafe' >/dev/null 2>&1
for z in $zones; do
	pdnsutil rectify-zone $z >/dev/null 2>&1
	rectified $z "signed and rectified by pdnsutil"
done
ok "$([ "$(harness_psql -At -c "SELECT count(DISTINCT domain_id) FROM records WHERE ordername IS NOT NULL")" = 3 ]; echo $?)" \
	"pdnsutil set ordernames in the three zones that are not narrow"
for w in 1 2 3; do
	harness_pdns_control $w rediscover >/dev/null
done
for z in $zones; do
	anchor $z
	ok $? "$z: the trust anchor is the zone's KSK from worker 1"
	served $z "as pdnsutil signed it"
done

# --- each write path, on each zone
for z in $zones; do
	run "$DROVER" rrset replace $z www A 300 192.0.2.2 "${D[@]}"
	is "$rc" 0 "$z: rrset replace www A"
	rectified $z "rrset replace"

	run "$DROVER" rrset add $z www A 300 192.0.2.3 "${D[@]}"
	is "$rc" 0 "$z: rrset add www A"
	rectified $z "rrset add"

	run "$DROVER" rrset replace $z a.b.c.deep TXT 300 deep "${D[@]}"
	is "$rc" 0 "$z: a deep name (three new empty non-terminals)"
	rectified $z "a deep name"

	run "$DROVER" rrset delete $z a.b.c.deep TXT "${D[@]}"
	is "$rc" 0 "$z: rrset delete of the deep name"
	rectified $z "rrset delete (the empty non-terminals go)"

	run "$DROVER" rrset replace $z sub2 NS 300 ns.sub2.$z. "${D[@]}"
	is "$rc" 0 "$z: a new delegation"
	run "$DROVER" rrset replace $z ns.sub2 A 300 192.0.2.78 "${D[@]}"
	is "$rc" 0 "$z: its glue"
	rectified $z "a delegation with glue"
	if [ $z != optout.test ]; then
		run "$DROVER" rrset replace $z sub DS 300 "12345 13 2 0000000000000000000000000000000000000000000000000000000000000000" "${D[@]}"
		is "$rc" 0 "$z: a DS at the delegation"
		rectified $z "a DS at the delegation"
	fi

	"$DROVER" zone export $z "${D[@]}" >"$tmp/$z.zone" 2>"$tmp/export.err"
	echo "imported 300 IN A 192.0.2.44" >>"$tmp/$z.zone"
	run "$DROVER" zone import $z "$tmp/$z.zone" "${D[@]}"
	is "$rc" 0 "$z: import merged into the signed zone"
	rectified $z "import (merged)"
	run "$DROVER" zone import $z "$tmp/$z.zone" --replace "${D[@]}"
	is "$rc" 0 "$z: import --replace of the signed zone"
	rectified $z "import --replace"

	run "$DROVER" repoint 192.0.2.44 192.0.2.45 --zone $z "${D[@]}"
	is "$rc" 0 "$z: repoint"
	rectified $z "repoint"

	is "$(harness_psql -At -c "SELECT drover.rrset_replace('$z', 'api.x.y', 'a', 300, ARRAY['192.0.2.61'])" 2>&1)" 1 \
		"$z: the SQL API writes a name with empty non-terminals"
	rectified $z "the SQL API"
	served $z "after every write path"
done

# --- orderings broken behind drover's back are mended by zone rectify
harness_psql -c "UPDATE records SET ordername = NULL WHERE domain_id = (SELECT id FROM domains WHERE name = 'nsec3.test')"
harness_psql -c "DELETE FROM records WHERE type IS NULL AND domain_id = (SELECT id FROM domains WHERE name = 'nsec3.test')"
run "$DROVER" zone rectify nsec3.test "${D[@]}"
is "$rc" 0 "zone rectify nsec3.test"
like "$out" "rectified" "zone rectify says what it did: $out"
rectified nsec3.test "zone rectify after raw SQL broke it"
served nsec3.test "after zone rectify"

done_testing
