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
	every_write_path $z
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
