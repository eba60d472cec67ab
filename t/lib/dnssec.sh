# t/lib/dnssec.sh - helpers for tests of signed zones, sourced after
# t/lib/harness.sh and t/lib/tap.sh with $tmp (a scratch folder), $DROVER
# and D (drover's --db and --config) set: pdnsutil on worker 1's config,
# the zone's rows as rectify leaves them and the comparison with `pdnsutil
# rectify-zone`, a delv trust anchor from the zone's KSK, validation of
# every kind of answer on every worker with BIND's delv, and each drover
# write path run once in a signed zone.
pdnsutil() { /usr/bin/pdnsutil --config-dir="$W1_DIR" "$@"; }

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

# signed_zone_content ZONE - what every test zone holds: an address, the
# nameservers' addresses, a name below an empty non-terminal, a wildcard,
# and a delegation with glue (served checks each of them)
signed_zone_content() {
	local z=$1 rr
	for rr in "www A 192.0.2.1" "ns1 A 192.0.2.53" "ns2 A 192.0.2.54" "x.ent TXT hello" \
		"*.wild A 192.0.2.9" "sub NS ns.sub.$z." "ns.sub A 192.0.2.77"; do
		set -- $rr
		run "$DROVER" rrset replace "$z" "$1" "$2" 300 "$3" "${D[@]}"
		[ "$rc" = 0 ] || diag "$z $rr: $err"
	done
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

# served ZONE WHAT [nopurge] - every worker's answers validate (after a
# purge of every worker, unless nopurge: then drover must have made them
# serve the zone as it is)
served() {
	local z=$1 w bad=
	verdicts=
	[ "${3:-}" = nopurge ] || purge_all
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

# every_write_path ZONE [nopurge] - each drover write path once in ZONE (rrset
# replace, add, a deep name and its delete, a delegation with glue and DS,
# import merged and --replace, repoint, the SQL API), the rows compared with
# `pdnsutil rectify-zone` after each; then every worker's answers validate
# (served, purged first unless nopurge). The zone holds signed_zone_content.
every_write_path() {
	local z=$1
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
	# under drover run (t/lib/daemon.sh), nopurge: the daemon must have served it all
	[ "${2:-}" != nopurge ] || ! declare -F in_sync >/dev/null || wait_until 5000 in_sync
	served $z "after every write path" "${2:-}"
}
