#!/bin/bash
# t/210-writer-types.sh - every record type drover writes, written with
# `drover rrset replace` and asked of each of three real pdns workers over
# DNS; a delegation with glue is answered as a referral; an empty
# non-terminal answers NOERROR; an IDN owner is stored as its A-label.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
DROVER=${DROVER_BUILDDIR:-.}/drover

harness_start 210-writer-types 210 3 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)
Z=types.test

run "$DROVER" zone create $Z --ns ns1.$Z --ns ns2.other.test --soa-rname hostmaster@$Z "${D[@]}"
is "$rc" 0 "zone create $Z"

# name | type | data (records separated by " ;; ") | what dig +short prints (sorted, '|'-joined)
cases=$(cat <<'CASES'
@|MX|10 Mail|10 Mail.types.test.
www|A|192.0.2.1 ;; 192.0.2.2|192.0.2.1|192.0.2.2
www|AAAA|2001:DB8:0:0::1|2001:db8::1
alias|CNAME|www|www.types.test.
t|TXT|"hello world" "a\"b\\c\009"|"hello world" "a\"b\\c\009"
bare|TXT|unquoted|"unquoted"
_sip._tcp|SRV|10 20 5060 sip|10 20 5060 sip.types.test.
@|CAA|0 issue "letsencrypt.org"|0 issue "letsencrypt.org"
p|PTR|host.example.|host.example.
sub|DS|12345 13 2 3F2A2C1B0A5E6D7C8B9A0F1E2D3C4B5A69788796A5B4C3D2E1F0A9B8C7D6E5F4|12345 13 2 3F2A2C1B0A5E6D7C8B9A0F1E2D3C4B5A69788796A5B4C3D2E1F0A9B8 C7D6E5F4
_443._tcp|TLSA|3 1 1 abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789|3 1 1 ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF01 23456789
h|SSHFP|4 2 ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789|4 2 ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF01 23456789
n|NAPTR|100 10 "U" "E2U+sip" "!^.*$!sip:info@example.com!" .|100 10 "U" "E2U+sip" "!^.*$!sip:info@example.com!" .
@|HTTPS|1 . alpn=h2,h3 port=443 ipv4hint=192.0.2.1|1 . alpn="h2,h3" port=443 ipv4hint=192.0.2.1
s|SVCB|1 svc.example. alpn=h2 port=8443|1 svc.example. alpn="h2" port=8443
l|LOC|52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000.00m 10.00m|52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m
@|SPF|"v=spf1 ip4:192.0.2.0/24 -all"|"v=spf1 ip4:192.0.2.0/24 -all"
CASES
)

while IFS='|' read -r name type data _; do
	# records of one rrset are separated by " ;; "
	records=()
	rest=$data
	while [[ $rest == *" ;; "* ]]; do
		records+=("${rest%% ;; *}")
		rest=${rest#* ;; }
	done
	records+=("$rest")
	run "$DROVER" rrset replace $Z "$name" "$type" 300 "${records[@]}" "${D[@]}"
	is "$rc" 0 "rrset replace $name $type" || diag "$err"
done <<<"$cases"

long=$(printf 'x%.0s' $(seq 1 300))
run "$DROVER" rrset replace $Z long TXT 300 "$long" "${D[@]}"
is "$rc" 0 "a 300-byte TXT string is accepted"
run "$DROVER" rrset replace $Z sub NS 300 ns.sub "${D[@]}"
is "$rc" 0 "a delegation: sub NS"
run "$DROVER" rrset replace $Z ns.sub A 300 192.0.2.53 "${D[@]}"
is "$rc" 0 "its glue: ns.sub A"
run "$DROVER" rrset replace $Z a.b.c A 300 192.0.2.9 "${D[@]}"
is "$rc" 0 "a name two labels below an empty non-terminal"
run "$DROVER" rrset replace $Z Müller A 300 192.0.2.10 "${D[@]}"
is "$rc" 0 "an IDN owner name"
# last, so that no later write bumps the serial it sets
run "$DROVER" rrset replace $Z @ SOA 3600 "ns1 hostmaster 2099010101 7200 900 1209600 300" "${D[@]}"
is "$rc" 0 "rrset replace @ SOA"

# the zone is new to the workers' zone cache: reload it (drover run will do this)
for w in 1 2 3; do harness_pdns_control $w rediscover >/dev/null; done

expect_all() { # NAME TYPE WANT DESCRIPTION
	local w got
	for w in 1 2 3; do
		got=$(harness_dig $w "$1" "$2" | sort | paste -sd '|')
		is "$got" "$3" "worker $w answers $1 $2: $4"
	done
}

while IFS='|' read -r name type data want; do
	[ "$name" = @ ] && fqdn=$Z || fqdn=$name.$Z
	expect_all "$fqdn" "$type" "$want" "$type"
done <<<"$cases"

expect_all long.$Z TXT "\"$(printf 'x%.0s' $(seq 1 255))\" \"$(printf 'x%.0s' $(seq 1 45))\"" \
	"a long TXT split into 255-byte strings"
expect_all $Z SOA "ns1.$Z. hostmaster.$Z. 2099010101 7200 900 1209600 300" "SOA as written"
expect_all a.b.c.$Z A 192.0.2.9 "deep name"
expect_all xn--mller-kva.$Z A 192.0.2.10 "IDN owner stored as its A-label"

for w in 1 2 3; do
	port_var=W${w}_DNS_PORT
	ref=$(dig +norec +time=2 +tries=1 @127.0.0.1 -p "${!port_var}" www.sub.$Z A)
	flags=$(echo "$ref" | sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p')
	ok "$(case " $flags " in *" aa "*) echo 1 ;; *) echo 0 ;; esac)" \
		"worker $w: a name below the delegation is a referral, not authoritative (flags: $flags)"
	like "$ref" "ANSWER: 0, AUTHORITY: 1, ADDITIONAL: 2" "worker $w: the referral carries NS and glue"
	like "$(echo "$ref" | grep -E '^sub\.')" "IN	NS	ns.sub.$Z." "worker $w: the referral names the delegated NS"
	like "$(echo "$ref" | grep -E '^ns\.sub\.')" "IN	A	192.0.2.53" "worker $w: the glue is in the additional section"
	ent=$(dig +norec +time=2 +tries=1 @127.0.0.1 -p "${!port_var}" b.c.$Z A)
	like "$ent" "status: NOERROR" "worker $w: an empty non-terminal answers NOERROR, not NXDOMAIN"
done

is "$(harness_psql -At -c "SELECT string_agg(name || ':' || auth, ',' ORDER BY name) FROM records WHERE name LIKE '%sub.$Z' AND type IS DISTINCT FROM 'DS'")" \
	"ns.sub.$Z:false,sub.$Z:false" "the delegation NS and its glue are stored with auth false"
is "$(harness_psql -At -c "SELECT auth FROM records WHERE name = 'sub.$Z' AND type = 'DS'")" t \
	"the DS at the delegation stays authoritative"
is "$(harness_psql -At -c "SELECT string_agg(name, ',' ORDER BY name) FROM records WHERE type IS NULL")" \
	"_tcp.$Z,b.c.$Z,c.$Z" "empty non-terminals are stored as rows with a NULL type"
is "$(harness_psql -At -c "SELECT count(*) FROM records WHERE name <> lower(name) OR name LIKE '%.'")" 0 \
	"every owner name is stored lowercase, without the trailing dot"

done_testing
