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
DROVER=${DROVER_BUILDDIR:-.}/drover

command -v delv >/dev/null || { echo "Bail out! delv not found (install bind9-dnsutils)"; exit 1; }
harness_start 230-writer-dnssec 230 3 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)
pdnsutil() { /usr/bin/pdnsutil --config-dir="$W1_DIR" "$@"; }
tmp=$HARNESS_DIR/tmp
mkdir -p "$tmp"

# rows ZONE - every row of the zone with the fields rectify sets, sorted
rows() {
	harness_psql -At -c "SELECT r.name, coalesce(r.type, '-'),
		CASE WHEN r.type = 'SOA' THEN '(serial aside)' ELSE coalesce(r.content, '-') END,
		coalesce(r.ordername, '<null>'), r.auth FROM records r JOIN domains d ON d.id = r.domain_id
		WHERE d.name = '$1' ORDER BY 1, 2, 3, 4, 5"
}

# rectified ZONE WHAT - the rows equal what `pdnsutil rectify-zone` makes of them
rectified() {
	local z=$1 before after
	before=$(rows "$z")
	pdnsutil rectify-zone "$z" >"$tmp/rectify.out" 2>&1 || diag "$(cat "$tmp/rectify.out")"
	after=$(rows "$z")
	if [ "$before" = "$after" ]; then
		ok 0 "$z: $2: the rows are as pdnsutil rectify-zone leaves them"
	else
		ok 1 "$z: $2: the rows are as pdnsutil rectify-zone leaves them"
		diag "drover wrote (<) and pdnsutil rectify-zone made (>):"
		diag "$(diff <(echo "$before") <(echo "$after") | grep '^[<>]')"
	fi
}

purge_all() {
	local w
	for w in 1 2 3; do harness_pdns_control "$w" purge >/dev/null; done
}

# anchor ZONE - a delv trust-anchor file with the zone's KSK
anchor() {
	local z=$1 f=$tmp/$1.anchor
	{
		printf 'trust-anchors {\n'
		harness_dig 1 "$z" DNSKEY | awk -v z="$z" '$1 == 257 {
			key = ""; for (i = 4; i <= NF; i++) key = key $i
			printf "\t\"%s.\" static-key %s %s %s \"%s\";\n", z, $1, $2, $3, key }'
		printf '};\n'
	} >"$f"
	grep -q static-key "$f" || return 1
}

# validates W ZONE NAME TYPE WANT - delv on worker W says WANT ("fully
# validated" or "negative response, fully validated"); else its verdict
# goes to $verdicts
verdicts=
validates() {
	local w=$1 z=$2 name=$3 type=$4 want=$5 port out
	eval "port=\$W${w}_DNS_PORT"
	out=$(timeout 10 delv @127.0.0.1 -p "$port" -a "$tmp/$z.anchor" +root="$z" \
		"$name" "$type" 2>&1)
	case $out in
	*"; $want"*) return 0 ;;
	esac
	verdicts="$verdicts
w$w $name $type: $(echo "$out" | grep '^;' | head -n 3 | tr '\n' ' ')"
	return 1
}

# served ZONE WHAT - every worker's answers validate
served() {
	local z=$1 w bad=
	verdicts=
	purge_all
	for w in 1 2 3; do
		validates $w "$z" "www.$z" A "fully validated" || bad="$bad w$w:positive"
		validates $w "$z" "nothere.$z" A "negative response, fully validated" || bad="$bad w$w:nxdomain"
		validates $w "$z" "www.$z" MX "negative response, fully validated" || bad="$bad w$w:nodata"
		validates $w "$z" "ent.$z" A "negative response, fully validated" || bad="$bad w$w:ent"
		# opt-out: the NSEC3 that covers the next closer name has the opt-out
		# flag, so a validator takes a wildcard answer as insecure (RFC 5155
		# 8.8); pdnsutil's own signing gives the same verdict
		if [ "$z" = optout.test ]; then
			validates $w "$z" "any.wild.$z" A "unsigned answer" || bad="$bad w$w:wildcard"
		else
			validates $w "$z" "any.wild.$z" A "fully validated" || bad="$bad w$w:wildcard"
		fi
		# the referral's proof: the delegation's DS, or its signed absence
		validates $w "$z" "sub.$z" DS "fully validated" ||
			validates $w "$z" "sub.$z" DS "negative response, fully validated" ||
			bad="$bad w$w:referral"
	done
	is "${bad# }" "" "$z: $2: every worker's answers validate (positive, NXDOMAIN, NODATA, ENT, wildcard, referral)" ||
		diag "$verdicts"
}

# --- the zones, written by drover, then signed by pdnsutil
zones="nsec.test nsec3.test narrow.test optout.test"
for z in $zones; do
	run "$DROVER" zone create $z --ns ns1.$z --ns ns2.$z "${D[@]}"
	[ "$rc" = 0 ] || diag "$out" "$err"
	for rr in "www A 192.0.2.1" "ns1 A 192.0.2.53" "ns2 A 192.0.2.54" "x.ent TXT hello" \
		"*.wild A 192.0.2.9" "sub NS ns.sub.$z." "ns.sub A 192.0.2.77"; do
		set -- $rr
		run "$DROVER" rrset replace $z "$1" "$2" 300 "$3" "${D[@]}"
		[ "$rc" = 0 ] || diag "$z $rr: $err"
	done
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
