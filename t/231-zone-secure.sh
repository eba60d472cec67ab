#!/bin/bash
# t/231-zone-secure.sh - `drover zone secure|unsecure|keys|ds` on three
# workers under `drover run`. Zones made by drover (one from a template) are
# signed by `drover zone secure --wait`: NSEC, NSEC3, NSEC3 narrow, NSEC3
# opt-out with an insecure delegation, and one with another algorithm.
# After --wait, without any purge by the test, every worker's answers
# validate with BIND's delv (positive, NXDOMAIN, NODATA, an empty
# non-terminal, a wildcard, a referral) and the rows are as `pdnsutil
# rectify-zone` leaves them; the same after a write, and after each drover
# write path in two of them. `zone keys` and `zone
# ds` agree with pdnsutil; `zone unsecure --wait` leaves no worker serving a
# key; `drover check` finds a signed zone whose rows were broken by raw SQL
# and `--repair` mends it. Bad input is refused with nothing written. Last, a worker reached
# only over its API (no control channel) serves a new key within --wait's
# default (the key cache's TTL, then the packet cache's), and drover check
# warns of it.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
. "${DROVER_SRCDIR:-.}/t/lib/daemon.sh"
. "${DROVER_SRCDIR:-.}/t/lib/dnssec.sh"

command -v delv >/dev/null || { echo "Bail out! delv not found (install bind9-dnsutils)"; exit 1; }
harness_start 231-zone-secure 231 3 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)
tmp=$HARNESS_DIR/tmp
mkdir -p "$tmp"
register_workers 3 || { echo "Bail out! cannot register the workers"; exit 1; }
start_daemon "$HARNESS_DIR/daemon.log"
wait_until 10000 daemon_ready
ok $? "drover run leads and every worker is healthy"

# every worker's lines of a --wait say it serves N DNSKEYs (and, with keys,
# that they are signed and a denial verifies)
serves_all() { # OUT N
	local w want="serves $2 DNSKEY"
	[ "$2" = 0 ] || want="$want, signed; a denial verifies"
	for w in 1 2 3; do
		case $1 in *"w$w: $want"*) ;; *) return 1 ;; esac
	done
}

# --- the zones: made by drover, one from a template
run "$DROVER" template add signed --record "www A 192.0.2.1" --record "ns1 A 192.0.2.53" \
	--record "ns2 A 192.0.2.54" --record "x.ent TXT hello" --record "*.wild A 192.0.2.9" \
	--record "sub NS ns.sub.{zone}" --record "ns.sub A 192.0.2.77" "${D[@]}"
[ "$rc" = 0 ] || diag "$err"
run "$DROVER" zone create tmpl.test --ns ns1.tmpl.test --ns ns2.tmpl.test --template signed "${D[@]}"
is "$rc" 0 "a zone from a template" || diag "$err"
zones="nsec.test nsec3.test narrow.test optout.test ed.test"
for z in $zones; do
	run "$DROVER" zone create $z --ns ns1.$z --ns ns2.$z "${D[@]}"
	[ "$rc" = 0 ] || diag "$out" "$err"
	signed_zone_content $z
done

# --- secure each, then prove what --wait said
declare -A how=([nsec.test]="" [tmpl.test]="" [nsec3.test]="--nsec3=1 0 1 ab"
	[narrow.test]="--nsec3=1 0 0 - --narrow" [optout.test]="--nsec3=1 1 1 cafe"
	[ed.test]="--algorithm=ed25519")
for z in tmpl.test $zones; do
	case $z in
	narrow.test) run "$DROVER" zone secure $z "--nsec3=1 0 0 -" --narrow --wait "${D[@]}" ;;
	*) if [ -n "${how[$z]}" ]; then
		run "$DROVER" zone secure $z "${how[$z]}" --wait "${D[@]}"
	else
		run "$DROVER" zone secure $z --wait "${D[@]}"
	fi ;;
	esac
	is "$rc" 0 "$z: zone secure ${how[$z]} --wait succeeds" || diag "$out" "$err"
	serves_all "$out" 1
	ok $? "$z: --wait says every worker serves the one DNSKEY, signed, and a denial that verifies" || diag "$out"
	rectified $z "after zone secure"
	anchor $z
	ok $? "$z: the trust anchor is the KSK worker 1 serves"
	served $z "signed by drover, no purge by the test" nopurge
done
got=$(harness_psql -At -c "SELECT kind || '=' || content FROM domainmetadata m JOIN domains d
	ON d.id = m.domain_id WHERE d.name = 'narrow.test' AND kind LIKE 'NSEC3%' ORDER BY 1" | paste -sd ' ')
is "$got" "NSEC3NARROW=1 NSEC3PARAM=1 0 0 -" "narrow.test: NSEC3PARAM and narrow mode stored"

# --- a write after signing, proved the daemon's way
for z in nsec3.test tmpl.test; do
	run "$DROVER" rrset replace $z www A 300 192.0.2.2 --wait "${D[@]}"
	is "$rc" 0 "$z: rrset replace --wait in the signed zone" || diag "$err"
	rectified $z "after a write"
	served $z "after a write, no purge by the test" nopurge
done

# --- every write path in zones drover signed (narrow NSEC3; NSEC, from a template)
for z in narrow.test tmpl.test; do
	every_write_path $z nopurge
done

# --- the checker: clean on every signed zone, then orderings broken behind
# drover's back are found in the database and in the workers' answers
run "$DROVER" check "${D[@]}"
ok "$([ "$rc" = 0 ] && [[ $out == *"dnssec: 6 signed zones, 0 not rectified"* ]]; echo $?)" \
	"drover check: 6 signed zones, every DNSKEY and denial verifies on every worker" || diag "$rc" "$out" "$err"
harness_psql -q -c "UPDATE records SET ordername = NULL WHERE domain_id =
	(SELECT id FROM domains WHERE name = 'optout.test') AND name LIKE '%ent.optout.test'"
harness_psql -q -c "UPDATE records SET ordername = NULL WHERE domain_id =
	(SELECT id FROM domains WHERE name = 'nsec3.test')"
wait_until 5000 in_sync
run "$DROVER" check --zone optout.test "${D[@]}"
ok "$([ "$rc" = 1 ] && [[ $out == *"dnssec database optout.test.: "*"rows differ from rectify"* ]]; echo $?)" \
	"drover check reports the signed zone whose rows are not rectified (exit 1)" || diag "$rc" "$out" "$err"
run "$DROVER" check --zone nsec3.test "${D[@]}"
bad=
for w in 1 2 3; do
	[[ $out == *"w$w: dnssec zone 'nsec3.test.': denial of drover-denial-probe: "*"SERVFAIL"* ]] || bad="$bad w$w"
done
ok "$([ "$rc" = 1 ] && [ -z "$bad" ]; echo $?)" \
	"a zone with no orderings: every worker's denial is a dnssec finding (SERVFAIL)" || diag "$rc" "$out"
run "$DROVER" check --json "${D[@]}"
is "$(echo "$out" | jq -r '[.clean, (.dnssec | map(.zone) | join(",")),
	(.servers | map(.dnssec | length) | add)] | @tsv')" "$(printf 'false\tnsec3.test,optout.test\t3')" \
	"check --json: not clean, two zones found in the database, three worker findings"
run "$DROVER" check --repair "${D[@]}"
ok "$([ "$rc" = 0 ] && [[ $out == *"dnssec database nsec3.test.: "*"repaired: rectified"* ]] &&
	[[ $out == *"dnssec database optout.test.: "*"repaired: rectified"* ]] &&
	[[ $out != *": dnssec zone "* ]]; echo $?)" \
	"check --repair rectifies both, and then every worker's answers verify" || diag "$rc" "$out" "$err"
rectified optout.test "after check --repair"
rectified nsec3.test "after check --repair"
run "$DROVER" check "${D[@]}"
is "$rc" 0 "then drover check is clean" || diag "$out"
served optout.test "after check --repair, no purge by the test" nopurge
served nsec3.test "after check --repair, no purge by the test" nopurge

# --- keys and ds against pdnsutil
run "$DROVER" zone keys ed.test --json "${D[@]}"
is "$rc" 0 "zone keys --json"
is "$(echo "$out" | jq -r '.[0] | [.keytype, .algorithm, .active] | @tsv')" "$(printf 'csk\tED25519\ttrue')" \
	"ed.test: one active CSK of ED25519"
served_tag=$(dig +norec +multi @127.0.0.1 -p "$W2_DNS_PORT" ed.test DNSKEY | sed -n 's/.*key id = \([0-9]*\).*/\1/p' | head -n 1)
is "$(echo "$out" | jq -r '.[0].keytag')" "$served_tag" "the key tag is the one dig computes from the served DNSKEY"
run "$DROVER" zone ds nsec.test "${D[@]}"
is "$rc" 0 "zone ds"
want=$(pdnsutil export-zone-ds nsec.test 2>/dev/null | awk '$3 == "DS" && $6 == 2 { print $4, $5, $6, $7 }')
got=$(echo "$out" | awk '$3 == "DS" && $6 == 2 { print $4, $5, $6, $7 }')
ok "$([ -n "$want" ] && [ "$got" = "$want" ]; echo $?)" "the SHA-256 DS is the one pdnsutil export-zone-ds gives" ||
	diag "drover: $got" "pdnsutil: $want"
run "$DROVER" zone keys nsec.test "${D[@]}"
case $out in *"csk"*"ECDSAP256SHA256"*"active"*) rc=0 ;; *) rc=1 ;; esac
ok "$rc" "zone keys prints a table with the default algorithm" || diag "$out"

# --- refused, and nothing written
run "$DROVER" zone secure nsec.test "${D[@]}"
ok "$([ "$rc" = 2 ] && [[ $err == *"already signed"* ]]; echo $?)" "a second secure is refused: already signed" || diag "$rc $err"
run "$DROVER" zone secure nothere.test "${D[@]}"
ok "$([ "$rc" = 2 ] && [[ $err == *"not found"* ]]; echo $?)" "secure of a zone that does not exist" || diag "$rc $err"
run "$DROVER" zone create plain.test --ns ns1.plain.test "${D[@]}"
keys_before=$(harness_psql -At -c "SELECT count(*) FROM cryptokeys")
meta_before=$(harness_psql -At -c "SELECT count(*) FROM domainmetadata")
for bad in "--nsec3=2 0 0 -:hash algorithm" "--nsec3=1 0 500 -:iterations" "--nsec3=1 0 0 xyz:salt" \
	"--nsec3=1 0 0:expected" "--narrow:needs --nsec3" "--algorithm=dsa:unknown DNSSEC algorithm"; do
	run "$DROVER" zone secure plain.test "${bad%%:*}" "${D[@]}"
	ok "$([ "$rc" = 2 ] && [[ $err == *"${bad#*:}"* ]]; echo $?)" "zone secure ${bad%%:*} is refused, naming the fault" ||
		diag "$rc $err"
done
run "$DROVER" zone unsecure plain.test "${D[@]}"
ok "$([ "$rc" = 2 ] && [[ $err == *"no DNSSEC keys"* ]]; echo $?)" "unsecure of an unsigned zone is refused" || diag "$rc $err"
is "$(harness_psql -At -c "SELECT count(*) FROM cryptokeys") $(harness_psql -At -c "SELECT count(*) FROM domainmetadata")" \
	"$keys_before $meta_before" "nothing was written by the refused commands"

# --- unsecure
run "$DROVER" zone unsecure nsec3.test --wait "${D[@]}"
is "$rc" 0 "zone unsecure --wait" || diag "$out" "$err"
serves_all "$out" 0
ok $? "--wait says no worker serves a DNSKEY" || diag "$out"
is "$(harness_psql -At -c "SELECT count(*) FROM cryptokeys k JOIN domains d ON d.id = k.domain_id
	WHERE d.name = 'nsec3.test'") $(harness_psql -At -c "SELECT count(*) FROM domainmetadata m
	JOIN domains d ON d.id = m.domain_id WHERE d.name = 'nsec3.test' AND kind LIKE 'NSEC3%'")" "0 0" \
	"the keys and NSEC3PARAM are gone"
rectified nsec3.test "after zone unsecure"
got=
for w in 1 2 3; do got="$got$(harness_dig $w www.nsec3.test A)|"; done
is "$got" "192.0.2.2|192.0.2.2|192.0.2.2|" "every worker still answers the unsigned zone"

# --- a worker reached only over its API: the key cache holds the old keyset
"$DROVER" server remove w3 "${D[@]}" >/dev/null
"$DROVER" server add w3 --api "$W3_API" --api-key-file "$W3_API_KEYFILE" --dns "$W3_DNS" "${D[@]}" >/dev/null
# the worker looks the zone's (empty) keyset up for a query with the DO bit, and caches it
dig +dnssec +norec @127.0.0.1 -p "$W3_DNS_PORT" www.plain.test A >/dev/null
t0=$(now_ms)
run "$DROVER" zone secure plain.test --wait "${D[@]}"
elapsed=$(($(now_ms) - t0))
is "$rc" 0 "secure --wait with an API-only worker" || diag "$out" "$err"
serves_all "$out" 1
ok $? "every worker serves the DNSKEY within --wait's default (${elapsed} ms here)" || diag "$out"

run "$DROVER" check "${D[@]}"
ok "$([ "$rc" = 0 ] && [[ $out == *"w3: warning: no control channel: a key change reaches this worker after dnssec-key-cache-ttl=30 s"* ]] &&
	[[ $out != *"w1: warning"* ]]; echo $?)" \
	"drover check warns of the key cache on the worker without a control channel, and only there" || diag "$rc" "$out"

stop_daemon "$DAEMON_PID"

done_testing
