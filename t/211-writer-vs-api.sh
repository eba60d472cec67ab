#!/bin/bash
# t/211-writer-vs-api.sh - drover stores exactly what PowerDNS itself
# stores: the same rrsets written through a worker's HTTP API into one zone
# and with drover into another give the same rows (name, type, content,
# prio, ttl, auth, and the empty non-terminals).
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
DROVER=${DROVER_BUILDDIR:-.}/drover

harness_start 211-writer-vs-api 211 1 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)
API=api.test
OURS=ours.test

# name | type | records separated by " ;; "; ZONE stands for the zone's name
table=$(cat <<'TABLE'
ZONE.|MX|10 Mail.ZONE. ;; 20 mx2.other.test.
www.ZONE.|A|192.0.2.1 ;; 192.0.2.2
www.ZONE.|AAAA|2001:DB8:0:0::1
alias.ZONE.|CNAME|www.ZONE.
t.ZONE.|TXT|"hello world" "a\"b\\c\009"
_sip._tcp.ZONE.|SRV|10 20 5060 sip.ZONE.
ZONE.|CAA|0 issue "letsencrypt.org"
p.ZONE.|PTR|host.example.
sub.ZONE.|NS|ns.sub.ZONE. ;; ns.deep.sub.ZONE.
sub.ZONE.|DS|12345 13 2 3F2A2C1B0A5E6D7C8B9A0F1E2D3C4B5A69788796A5B4C3D2E1F0A9B8C7D6E5F4
ns.sub.ZONE.|A|192.0.2.53
ns.deep.sub.ZONE.|AAAA|2001:db8::53
_443._tcp.ZONE.|TLSA|3 1 1 ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789
h.ZONE.|SSHFP|4 2 ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789
n.ZONE.|NAPTR|100 10 "U" "E2U+sip" "!^.*$!sip:info@example.com!" .
ZONE.|HTTPS|1 . alpn=h2,h3 port=443 ipv4hint=192.0.2.1
s.ZONE.|SVCB|1 svc.example. alpn=h2 port=8443
l.ZONE.|LOC|52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000.00m 10.00m
ZONE.|SPF|"v=spf1 ip4:192.0.2.0/24 -all"
a.b.c.ZONE.|A|192.0.2.9
*.wild.ZONE.|TXT|"wildcard"
TABLE
)

split_records() { # DATA -> the array `records`
	local rest=$1
	records=()
	while [[ $rest == *" ;; "* ]]; do
		records+=("${rest%% ;; *}")
		rest=${rest#* ;; }
	done
	records+=("$rest")
}

# --- through the API: one POST with every rrset
rrsets='[]'
while IFS='|' read -r name type data; do
	split_records "${data//ZONE/$API}"
	recs=$(printf '%s\n' "${records[@]}" | jq -R '{content: ., disabled: false}' | jq -s .)
	rrsets=$(jq --arg n "${name//ZONE/$API}" --arg t "$type" --argjson r "$recs" \
		'. + [{name: $n, type: $t, ttl: 300, records: $r}]' <<<"$rrsets")
done <<<"$table"
body=$(jq -n --arg z "$API." --argjson r "$rrsets" \
	'{name: $z, kind: "Native", nameservers: ["ns1.api.test.", "ns2.Other.test."], rrsets: $r}')
status=$(printf 'header = "X-API-Key: %s"\n' "$(cat "$W1_API_KEYFILE")" |
	curl -s -o "$HARNESS_DIR/post.out" -w '%{http_code}' -K - -X POST --data "$body" \
		"$W1_API/api/v1/servers/localhost/zones")
is "$status" 201 "the worker's API created $API" || diag "$(cat "$HARNESS_DIR/post.out")"

# --- with drover: zone create, then one rrset replace per rrset
run "$DROVER" zone create $OURS --ns ns1.$OURS --ns ns2.Other.test \
	--soa-mname a.misconfigured.dns.server.invalid --soa-rname hostmaster.$OURS. "${D[@]}"
is "$rc" 0 "drover created $OURS"
failed=0
while IFS='|' read -r name type data; do
	split_records "${data//ZONE/$OURS}"
	"$DROVER" rrset replace $OURS "${name//ZONE/$OURS}" "$type" 300 "${records[@]}" "${D[@]}" \
		>/dev/null 2>"$HARNESS_DIR/err" || { failed=$((failed + 1)); diag "$(cat "$HARNESS_DIR/err")"; }
done <<<"$table"
is "$failed" 0 "drover wrote every rrset"

rows() { # ZONE - every row in a comparable form, the zone's name replaced by ZONE
	harness_psql -At -F '|' -c "
	SELECT replace(r.name, d.name, 'ZONE'), coalesce(r.type, '(ENT)'),
	       CASE WHEN r.type = 'SOA' THEN regexp_replace(replace(r.content, d.name, 'ZONE'), ' [0-9]+ ', ' SERIAL ')
	            ELSE replace(r.content, d.name, 'ZONE') END,
	       coalesce(r.prio::text, 'null'), coalesce(r.ttl::text, 'null'), r.auth, r.disabled,
	       coalesce(r.ordername, 'null')
	FROM records r JOIN domains d ON d.id = r.domain_id WHERE d.name = '$1'
	ORDER BY 1, 2, 3"
}
theirs=$(rows $API)
ours=$(rows $OURS)
is "$(echo "$theirs" | wc -l)" "$(echo "$ours" | wc -l)" "the same number of rows ($(echo "$ours" | wc -l))"
if [ "$theirs" = "$ours" ]; then
	ok 0 "drover's rows equal the rows PowerDNS's API stored (name, type, content, prio, ttl, auth, disabled, ordername)"
else
	ok 1 "drover's rows equal the rows PowerDNS's API stored"
	diag "$(diff <(echo "$theirs") <(echo "$ours"))"
fi
is "$(harness_psql -At -c "SELECT type FROM domains WHERE name = '$OURS'")" \
	"$(harness_psql -At -c "SELECT type FROM domains WHERE name = '$API'")" "domains.type is the word PowerDNS uses"
is "$(harness_psql -At -c "SELECT string_agg(kind || '=' || content, ',') FROM domainmetadata m JOIN domains d ON d.id = m.domain_id WHERE d.name = '$OURS'")" \
	"$(harness_psql -At -c "SELECT string_agg(kind || '=' || content, ',') FROM domainmetadata m JOIN domains d ON d.id = m.domain_id WHERE d.name = '$API'")" \
	"the zone's metadata matches what the API sets"

# and drover reads the API's zone back as PowerDNS serves it
run "$DROVER" rrset list $API --json "${D[@]}"
is "$rc" 0 "drover rrset list on the API's zone"
is "$(echo "$out" | jq -r '.[] | select(.name == "_sip._tcp.api.test." and .type == "SRV") | .records[0]')" \
	"10 20 5060 sip.api.test." "SRV read back with its priority"
is "$(echo "$out" | jq -r '.[] | select(.name == "api.test." and .type == "MX") | .records | join(",")')" \
	"10 Mail.api.test.,20 mx2.other.test." "MX rrset read back whole"

done_testing
