# t/lib/dnssec.sh - helpers for tests of signed zones, sourced after
# t/lib/harness.sh and t/lib/tap.sh with $tmp (a scratch folder), $DROVER
# and D (drover's --db and --config) set: pdnsutil on worker 1's config,
# the zone's rows as rectify leaves them and the comparison with `pdnsutil
# rectify-zone`, a delv trust anchor from the zone's KSK, and validation of
# every kind of answer on every worker with BIND's delv.
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

