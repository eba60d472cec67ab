#!/bin/bash
# t/700-template.sh - zone templates: add (from --record and from a file),
# list, show, remove; the errors a template line gets (file:line, exit 2,
# nothing stored); `zone create --template T --var ...` writing the
# records with the variables filled in, served by a real worker; and the
# refusals that leave no zone behind (a missing variable, a bad value, a
# record the writer's rules refuse).
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
. "${DROVER_SRCDIR:-.}/t/lib/daemon.sh"

harness_start 700-template 700 1 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)
tpl_rows() { harness_psql -At -c "SELECT count(*) FROM drover.template_records"; }
zone_rows() { harness_psql -At -c "SELECT count(*) FROM domains"; }
register_workers 1 || exit 1
start_daemon "$HARNESS_DIR/daemon.log"

# --- add, list, show
run "$DROVER" template add web --description "hosting default" \
	--record '@ A {ip}' --record '@ AAAA {ip6}' --record 'www 300 CNAME @' \
	--record '@ MX 10 {mx}' --record '@ TXT "v=spf1 ip4:{ip} ip6:{ip6} -all"' \
	--record 'mail A {ip}' --record '@ NS ns1.hoster.test.' --record '@ NS ns2.hoster.test.' "${D[@]}"
is "$rc" 0 "template add from --record"
like "$out" "template 'web' added (8 records)" "add says how many records"

cat >"$HARNESS_DIR/mini.tpl" <<'EOF'
; a small template
@     A    {ip}     ; the apex
shop  600  A  {ip}
info  TXT  "zone {zone} ; served {{here}}"
EOF
run "$DROVER" template add mini --file "$HARNESS_DIR/mini.tpl" "${D[@]}"
is "$rc" 0 "template add --file (comments and blank lines skipped)"
run "$DROVER" template list "${D[@]}"
like "$out" "web" "list shows web"
like "$out" "mini" "list shows mini"
run "$DROVER" template show mini "${D[@]}"
like "$out" "shop 600 A {ip}" "show prints the record lines with their TTL"
like "$out" 'info TXT "zone {zone} ; served {{here}}"' "a ';' inside quotes is data, not a comment"
run "$DROVER" template list --json "${D[@]}"
is "$(echo "$out" | jq -r '.[] | select(.name == "web") | .records | length')" 8 "list --json: 8 records in web"
is "$(echo "$out" | jq -r '.[] | select(.name == "mini") | .records[1].ttl')" 600 "list --json: a record's TTL"
is "$(echo "$out" | jq -r '.[] | select(.name == "mini") | .records[0].ttl')" null "list --json: no TTL is null"

# --- what a template refuses: exit 2, the reason, nothing stored
refuse_tpl() { # DESCRIPTION WANT ARGS...
	local what=$1 want=$2 before
	shift 2
	before=$(tpl_rows)
	run "$DROVER" template add "$@" "${D[@]}"
	is "$rc" 2 "$what: exit 2"
	like "$err" "$want" "$what: the error says why"
	is "$(tpl_rows)" "$before" "$what: nothing stored"
}
refuse_tpl "a taken name" "template 'web' already exists" web --record '@ A {ip}'
refuse_tpl "a bad name" "template name 'Bad Name'" 'Bad Name' --record '@ A {ip}'
refuse_tpl "an SOA" "a template holds no SOA" t1 --record '@ SOA a. b. 1 2 3 4 5'
refuse_tpl "an unknown type" "unsupported record type 'BOGUS'" t2 --record '@ BOGUS x'
refuse_tpl "a stray brace" "'{' must start a variable" t3 --record '@ TXT "{not a var}"'
refuse_tpl "two TTLs in one rrset" "one rrset has one TTL" t4 --record 'www 300 A {ip}' --record 'www 600 A {ip2}'
refuse_tpl "a line without data" "expected OWNER [TTL] TYPE DATA" t5 --record 'www A'
printf '@ A {ip}\n\nwww 300 A {ip\n' >"$HARNESS_DIR/bad.tpl"
refuse_tpl "a bad line in a file" "$HARNESS_DIR/bad.tpl:3:" t6 --file "$HARNESS_DIR/bad.tpl"
refuse_tpl "no records at all" "give the records with --record or --file" t7

# --replace overwrites
run "$DROVER" template add mini --replace --record '@ A {ip}' --record 'shop A {ip}' "${D[@]}"
is "$rc" 0 "template add --replace"
run "$DROVER" template show mini --json "${D[@]}"
is "$(echo "$out" | jq -r '.records | length')" 2 "--replace: the new records only"

# --- zone create --template
run "$DROVER" zone create site.test --template web --var ip=192.0.2.10 --var ip6=2001:DB8::10 \
	--var mx=mail.site.test. --wait "${D[@]}"
is "$rc" 0 "zone create --template web (no --ns: the template's NS)"
like "$out" "template web" "zone create names the template"
is "$(harness_dig 1 site.test A)" "192.0.2.10" "worker answers the apex A from {ip}"
is "$(harness_dig 1 site.test AAAA)" "2001:db8::10" "worker answers the AAAA from {ip6}, stored in canonical form"
is "$(harness_dig 1 www.site.test CNAME)" "site.test." "www CNAME @ points at the apex"
is "$(harness_dig 1 site.test MX)" "10 mail.site.test." "MX from {mx}"
is "$(harness_dig 1 site.test TXT)" '"v=spf1 ip4:192.0.2.10 ip6:2001:DB8::10 -all"' "SPF TXT with both variables"
is "$(harness_dig 1 site.test NS | sort | paste -sd ' ')" "ns1.hoster.test. ns2.hoster.test." "NS from the template"
is "$(harness_dig 1 site.test SOA | awk '{print $1}')" "ns1.hoster.test." "SOA primary name is the template's first NS"
is "$(harness_psql -At -c "SELECT ttl FROM records WHERE name = 'www.site.test'")" 300 "a template TTL is kept"
is "$(harness_psql -At -c "SELECT count(*) FROM records WHERE name = 'site.test' AND type = 'NS'")" 2 "one NS rrset, not the template's plus another"

cat >"$HARNESS_DIR/zone.tpl" <<'EOF'
@ A {ip}
info TXT "zone {zone} ; served {{here}}"
EOF
"$DROVER" template add zonevar --file "$HARNESS_DIR/zone.tpl" "${D[@]}" >/dev/null
run "$DROVER" zone create other.test --ns ns1.other.test --template zonevar --var ip=192.0.2.20 --wait "${D[@]}"
is "$rc" 0 "zone create --ns with a template without NS"
is "$(harness_dig 1 info.other.test TXT)" '"zone other.test. ; served {here}"' "{zone} is the zone's name, {{ and }} are braces"
is "$(harness_dig 1 other.test NS)" "ns1.other.test." "NS from --ns"

# --- refusals: no zone, no record left behind
refuse_zone() { # DESCRIPTION WANT ARGS...
	local what=$1 want=$2 before
	shift 2
	before=$(zone_rows)
	run "$DROVER" zone create "$@" "${D[@]}"
	is "$rc" 2 "$what: exit 2"
	like "$err" "$want" "$what: the error says why"
	is "$(zone_rows)" "$before" "$what: no zone created"
}
refuse_zone "a missing variable" "template 'web' needs variable 'ip6'" \
	bad1.test --template web --var ip=192.0.2.1 --var mx=mx.test.
refuse_zone "a value that is no address" "record 'bad2.test.' A: bad data '192.0.2'" \
	bad2.test --template web --var ip=192.0.2 --var ip6=::1 --var mx=mx.test.
refuse_zone "a value with a space" "variable 'mx': the value" \
	bad3.test --template web --var ip=192.0.2.1 --var ip6=::1 --var 'mx=a b'
refuse_zone "the built-in variable" "variable 'zone' is built in" \
	bad4.test --template mini --var zone=x --var ip=192.0.2.1
refuse_zone "--var without --template" "--var is for --template" bad5.test --ns ns1.x.test --var ip=1.2.3.4
refuse_zone "a template without NS and no --ns" "at least one --ns HOST is required" \
	bad6.test --template mini --var ip=192.0.2.1
"$DROVER" template add apexcname --record '@ CNAME elsewhere.test.' "${D[@]}" >/dev/null
refuse_zone "a record the writer's rules refuse" "template 'apexcname': record 'bad7.test.' CNAME: a CNAME cannot be at the zone apex" \
	bad7.test --ns ns1.x.test --template apexcname
run "$DROVER" zone create bad8.test --ns ns1.x.test --template nosuch "${D[@]}"
is "$rc" 2 "an unknown template: exit 2"
like "$err" "template 'nosuch' not found" "an unknown template is named"

# --- remove
run "$DROVER" template remove mini "${D[@]}"
is "$rc" 0 "template remove"
run "$DROVER" template show mini "${D[@]}"
is "$rc" 2 "a removed template is gone"
run "$DROVER" template remove mini "${D[@]}"
like "$err" "template 'mini' not found" "removing it again says it is not there"
is "$(harness_psql -At -c "SELECT count(*) FROM drover.template_records WHERE template = 'mini'")" 0 "its records went with it"

stop_daemon "$DAEMON_PID"
done_testing
