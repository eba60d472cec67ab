#!/bin/bash
# t/600-import-types.sh - `drover zone import` of zone files with every
# record type drover writes, $ORIGIN switches, $TTL, parentheses, comments,
# a wildcard, a delegation with glue, a long TXT, an IDN owner and
# $INCLUDE; every rrset asked of each of three real pdns workers over DNS
# and compared with the file's data; rows as rectify leaves them.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
DROVER=${DROVER_BUILDDIR:-.}/drover
DATA=${DROVER_SRCDIR:-.}/t/data/zones

harness_start 600-import-types 600 3 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)
Z=types.test

run "$DROVER" zone import $Z "$DATA/types.test.zone" "${D[@]}"
is "$rc" 0 "import of $Z" || diag "$err"
like "$out" "zone '$Z.' imported: 31 records (created)" "the import reports the records and that it created the zone"
run "$DROVER" zone import incl.test "$DATA/incl.test.zone" --include-dir "$DATA/inc" "${D[@]}"
is "$rc" 0 "import with \$INCLUDE inside --include-dir" || diag "$err"
is "$(harness_psql -At -c "SELECT type || ' ' || coalesce(account, '-') FROM domains WHERE name = '$Z'")" "NATIVE -" \
	"the new zone is NATIVE"
is "$(harness_psql -At -c "SELECT m.content FROM domainmetadata m JOIN domains d ON d.id = m.domain_id WHERE d.name = '$Z' AND m.kind = 'SOA-EDIT-API'")" \
	DEFAULT "the new zone gets SOA-EDIT-API DEFAULT, as zone create sets"

for w in 1 2 3; do harness_pdns_control $w rediscover >/dev/null; done

# name | type | what dig +short prints (sorted, '|'-joined), from the file's data
cases=$(cat <<'CASES'
@|SOA|ns1.types.test. hostmaster.types.test. 2024010101 7200 900 1209600 300
@|NS|ns1.types.test.|ns2.other.test.
@|MX|10 mail.types.test.|20 mail2.other.test.
@|CAA|0 issue "letsencrypt.org"
@|SPF|"v=spf1 ip4:192.0.2.0/24 -all"
@|HTTPS|1 . alpn="h2,h3" port=443 ipv4hint=192.0.2.1
ns1|A|192.0.2.53
www|A|192.0.2.1|192.0.2.2
www|AAAA|2001:db8::1
alias|CNAME|www.types.test.
anything.wild|A|192.0.2.99
t|TXT|"hello world" "a\"b\\c\009"
bare|TXT|"unquoted"
_sip._tcp|SRV|10 20 5060 sip.types.test.
p|PTR|host.example.
h|SSHFP|4 2 ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF01 23456789
n|NAPTR|100 10 "U" "E2U+sip" "!^.*$!sip:info@example.com!" .
s|SVCB|1 svc.example. alpn="h2" port=8443
l|LOC|52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m
old|DNAME|new.example.
xn--mller-kva|A|192.0.2.10
_443._tcp|TLSA|3 1 1 ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF01 23456789
a.b.deep|A|192.0.2.9
deep|TXT|"at deep"
CASES
)

expect_all() { # NAME TYPE WANT DESCRIPTION
	local w got
	for w in 1 2 3; do
		got=$(harness_dig $w "$1" "$2" | sort | paste -sd '|')
		is "$got" "$3" "worker $w answers $1 $2: $4"
	done
}

while IFS='|' read -r name type want; do
	[ "$name" = @ ] && fqdn=$Z || fqdn=$name.$Z
	expect_all "$fqdn" "$type" "$want" "$type as in the file"
done <<<"$cases"

s256=$(grep -o '"0123[0-9]*"' "$DATA/types.test.zone" | tr -d '"')
expect_all long.$Z TXT "\"${s256:0:255}\" \"${s256:255}\" \"second string\"" "a long TXT: a 256-byte string split at 255, then a second string"
expect_all web.incl.test A 192.0.2.10 "a record from an \$INCLUDE file"
expect_all printer.office.incl.test A 192.0.2.31 "an \$INCLUDE with an origin of its own"
expect_all gw.lab.incl.test A 192.0.2.40 "\$ORIGIN switched inside the file"
expect_all after.incl.test A 192.0.2.41 "\$ORIGIN switched back"
expect_all incl.test MX "5 mail.incl.test." "@ inside an \$INCLUDE is the zone"

for w in 1 2 3; do
	port_var=W${w}_DNS_PORT
	ref=$(dig +norec +time=2 +tries=1 @127.0.0.1 -p "${!port_var}" www.sub.$Z A)
	flags=$(echo "$ref" | sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p')
	ok "$(case " $flags " in *" aa "*) echo 1 ;; *) echo 0 ;; esac)" \
		"worker $w: a name below the delegation is a referral (flags: $flags)"
	like "$(echo "$ref" | grep -E '^ns\.sub\.')" "IN	A	192.0.2.54" "worker $w: the referral carries the glue"
	ent=$(dig +norec +time=2 +tries=1 @127.0.0.1 -p "${!port_var}" b.deep.$Z A)
	like "$ent" "status: NOERROR" "worker $w: an empty non-terminal answers NOERROR"
done

is "$(harness_psql -At -c "SELECT string_agg(name || ':' || coalesce(type, '-') || ':' || auth, ',' ORDER BY name, type) FROM records WHERE NOT auth OR type IS NULL")" \
	"_tcp.$Z:-:true,b.deep.$Z:-:true,lab.incl.test:-:true,ns.sub.$Z:A:false,sub.$Z:NS:false,wild.$Z:-:true" \
	"auth false for the delegation and its glue, empty non-terminals as NULL-type rows"
for z in $Z incl.test; do
	run "$DROVER" zone rectify $z "${D[@]}"
	is "$out" "zone '$z' rectified: 0 rows changed" \
		"zone rectify $z changes nothing after an import (the import rectified as it does)"
done
is "$(harness_psql -At -c "SELECT content || ' ' || prio FROM records WHERE name = '_sip._tcp.$Z'")" \
	"20 5060 sip.types.test 10" "SRV stored as PowerDNS does: priority in prio, no trailing dot"
is "$(harness_psql -At -c "SELECT content FROM records WHERE name = '$Z' AND type = 'SOA'")" \
	"ns1.types.test hostmaster.types.test 2024010101 7200 900 1209600 300" \
	"the file's SOA serial is kept for a new zone"
is "$(harness_psql -At -c "SELECT count(*) FROM records WHERE name <> lower(name) OR name LIKE '%.'")" 0 \
	"every owner name is stored lowercase, without the trailing dot"

# the same record data through `drover rrset` gives the same rows (one validator)
"$DROVER" zone create same.test --ns ns1.same.test "${D[@]}" >/dev/null
while IFS='|' read -r name type _; do
	[ "$name" = @ ] && continue
	fqdn=$name.$Z.
	[ "$name" = anything.wild ] && fqdn="*.wild.$Z."
	mapfile -t recs < <("$DROVER" zone show $Z "${D[@]}" | awk -F'\t' -v n="$fqdn" -v t="$type" '$1 == n && $4 == t { print $5 }')
	"$DROVER" rrset replace same.test "${fqdn%.$Z.}" "$type" 300 "${recs[@]}" "${D[@]}" >/dev/null 2>&1
done <<<"$cases"
is "$(harness_psql -At -c "SELECT count(*) FROM (SELECT replace(r.name, 'types.test', 'X'), r.type, r.content, r.prio FROM records r JOIN domains d ON d.id = r.domain_id WHERE d.name = '$Z' AND r.name <> '$Z' AND r.name NOT LIKE '%sub.$Z' AND r.name NOT LIKE 'long.%' AND r.type IS NOT NULL EXCEPT SELECT replace(r.name, 'same.test', 'X'), r.type, r.content, r.prio FROM records r JOIN domains d ON d.id = r.domain_id WHERE d.name = 'same.test') x")" \
	0 "every imported row equals the row drover rrset writes for the same data" ||
	diag "$(harness_psql -At -c "SELECT r.name, r.type, r.content, r.prio FROM records r JOIN domains d ON d.id = r.domain_id WHERE d.name = 'same.test' ORDER BY 1, 2")"

done_testing
