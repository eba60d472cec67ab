#!/bin/bash
# t/601-import-errors.sh - what `drover zone import` refuses, with
# file:line and the reason, exit 2 and nothing written; --dir with and
# without --keep-going; merge against --replace; the SOA serial never goes
# back; standard input.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
DROVER=${DROVER_BUILDDIR:-.}/drover
DATA=${DROVER_SRCDIR:-.}/t/data/zones

harness_start 601-import-errors 601 1 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)
snapshot() { harness_psql -At -c "SELECT count(*) || ':' || coalesce(md5(string_agg(r::text, ';' ORDER BY r.id)), '') FROM records r" -c "SELECT count(*) FROM domains"; }

"$DROVER" zone create child.bad.test --ns ns1.example. "${D[@]}" >/dev/null
refuse() { # FILE WANT-IN-ERROR DESCRIPTION [ARGS...]
	local file=$1 want=$2 what=$3 before
	shift 3
	before=$(snapshot)
	run "$DROVER" zone import bad.test "$DATA/bad/$file" "$@" "${D[@]}"
	is "$rc" 2 "$what: exit 2"
	like "$err" "$want" "$what: the error names file:line and the reason"
	is "$(snapshot)" "$before" "$what: nothing written"
}
refuse address.zone "bad/address.zone:6: invalid IPv4 address" "a bad address"
refuse outside.zone "bad/outside.zone:6: name 'www.example.org.' is outside zone 'bad.test.'" "a name outside the zone"
refuse cname-beside.zone "bad/cname-beside.zone:7: record 'www.bad.test.' CNAME: the name holds other data too" "a CNAME beside other data"
refuse cname-apex.zone "bad/cname-apex.zone:6: record 'bad.test.' CNAME: a CNAME cannot be at the zone apex" "a CNAME at the apex"
refuse two-soa.zone "bad/two-soa.zone:6: record 'bad.test.' SOA: a zone has exactly one SOA" "two SOA records"
refuse soa-below.zone "bad/soa-below.zone:6: record 'sub.bad.test.' SOA: the SOA belongs at the zone apex" "an SOA below the apex"
refuse ttl.zone "bad/ttl.zone:7: record 'www.bad.test.' A: TTL 120 differs from TTL 60 at" "two TTLs in one rrset"
refuse type.zone "bad/type.zone:6: record 'x.bad.test.' TYPE999: unsupported record type 'TYPE999'" "an unsupported type"
refuse include.zone "bad/include.zone:6: \$INCLUDE '" "an \$INCLUDE outside --include-dir" --include-dir "$DATA/inc"
like "$err" "refused: not a file inside the include directory" "the \$INCLUDE error says why"
refuse include.zone "bad/include.zone:6: \$INCLUDE" "an \$INCLUDE without --include-dir"
like "$err" "includes need --include-dir DIR" "the \$INCLUDE error names the option"
refuse paren.zone "bad/paren.zone:7: unclosed last multiline block" "an unclosed parenthesis"
refuse child.zone "bad/child.zone:6: name 'www.child.bad.test.' belongs to zone 'child.bad.test.', not 'bad.test.'" "a name inside a child zone"
refuse nosoa.zone "bad/nosoa.zone: zone 'bad.test.' needs an SOA record at its apex" "a new zone without an SOA"
before=$(snapshot)
run "$DROVER" zone import bad.test /nonexistent/file "${D[@]}"
is "$rc $(snapshot | md5sum)" "2 $(echo "$before" | md5sum)" "a missing file: exit 2, nothing written"
like "$err" "/nonexistent/file: cannot read the file" "a missing file is named"
"$DROVER" zone create sec.test --kind secondary --primary-ip 192.0.2.1 "${D[@]}" >/dev/null
run "$DROVER" zone import sec.test "$DATA/bad/nosoa.zone" "${D[@]}"
is "$rc" 2 "a secondary zone takes no import"
like "$err" "zone 'sec.test.' is a secondary" "the error says so"
run "$DROVER" zone import bad.test "$DATA/bad/nosoa.zone" --frob "${D[@]}"
is "$rc" 2 "an unknown option: exit 2"

# standard input, and the error names it
run bash -c "printf '\$TTL 60\n@ SOA ns1 hm 5 1 1 1 1\n@ NS ns1\nns1 A 192.0.2.1\nwww A 192.0.2.7\n' | '$DROVER' zone import stdin.test - ${D[*]@Q}"
is "$rc" 0 "import from standard input"
harness_pdns_control 1 rediscover >/dev/null
deadline=$((SECONDS + 5))
until [ -n "$(harness_dig 1 www.stdin.test A)" ] || [ $SECONDS -ge $deadline ]; do :; done
is "$(harness_dig 1 www.stdin.test A)" 192.0.2.7 "the worker serves the zone from standard input"
run bash -c "printf 'www A 1.2.3\n' | '$DROVER' zone import stdin.test - ${D[*]@Q}"
like "$err" "stdin:1: invalid IPv4 address" "an error in standard input names stdin:line"

# merge (default) against --replace
Z=merge.test
printf '%s\n' '$TTL 300' '@ SOA ns1 hm 2024010101 3600 600 86400 60' '@ NS ns1' 'ns1 A 192.0.2.1' \
	'www A 192.0.2.1' 'keep A 192.0.2.2' 'mail MX 10 ns1' >"$HARNESS_DIR/m1.zone"
printf '%s\n' '$TTL 600' 'www A 192.0.2.9' 'www A 192.0.2.10' 'new TXT "added"' >"$HARNESS_DIR/m2.zone"
"$DROVER" zone import $Z "$HARNESS_DIR/m1.zone" "${D[@]}" >/dev/null
run "$DROVER" zone import $Z "$HARNESS_DIR/m2.zone" "${D[@]}"
is "$rc" 0 "merge a file without SOA into an existing zone"
like "$out" "(merged)" "the import says it merged"
rows() { harness_psql -At -c "SELECT string_agg(r.name || ' ' || r.type || ' ' || r.content || ' ' || r.ttl, ',' ORDER BY r.name, r.type, r.content) FROM records r JOIN domains d ON d.id = r.domain_id WHERE d.name = '$Z' AND r.type NOT IN ('SOA', 'NS')"; }
is "$(rows)" "keep.$Z A 192.0.2.2 300,mail.$Z MX ns1.$Z 300,new.$Z TXT \"added\" 600,ns1.$Z A 192.0.2.1 300,www.$Z A 192.0.2.10 600,www.$Z A 192.0.2.9 600" \
	"merge: the file's rrsets replace those of the same name and type, the others stay"
printf '%s\n' '$TTL 300' 'keep CNAME www' >"$HARNESS_DIR/m3.zone"
"$DROVER" rrset replace $Z keep TXT 300 '"x"' "${D[@]}" >/dev/null
before=$(snapshot)
run "$DROVER" zone import $Z "$HARNESS_DIR/m3.zone" "${D[@]}"
is "$rc" 2 "merge: a CNAME that would sit beside data the zone keeps is refused"
like "$err" "m3.zone:2: name 'keep.$Z.' would hold a CNAME beside other data (A,CNAME,TXT)" "the error names file:line"
is "$(snapshot)" "$before" "merge refused: nothing written"
serial() { harness_psql -At -c "SELECT split_part(content, ' ', 3) FROM records WHERE name = '$Z' AND type = 'SOA'"; }
old=$(serial)
run "$DROVER" zone import $Z "$HARNESS_DIR/m1.zone" --replace "${D[@]}"
is "$rc" 0 "import --replace"
like "$out" "(replaced)" "the import says it replaced"
is "$(rows)" "keep.$Z A 192.0.2.2 300,mail.$Z MX ns1.$Z 300,ns1.$Z A 192.0.2.1 300,www.$Z A 192.0.2.1 300" \
	"--replace: the zone holds exactly the file's rrsets"
like "$err" "serial 2024010101 in the file is not above the zone's $old; the zone gets a higher one" \
	"a file serial that is not above the zone's is reported"
ok "$([ "$(serial)" -gt "$old" ]; echo $?)" "the serial never goes back: $(serial) > $old"
sed -i 's/2024010101/4000000000/' "$HARNESS_DIR/m1.zone"
"$DROVER" zone import $Z "$HARNESS_DIR/m1.zone" --replace "${D[@]}" >/dev/null
is "$(serial)" 4000000000 "a file serial above the zone's is written as it is"

# --dir: all or nothing without --keep-going; with it, the good zones go in
mkdir -p "$HARNESS_DIR/dir"
for z in a b c; do
	printf '%s\n' '$TTL 300' '@ SOA ns1 hm 1 3600 600 86400 60' '@ NS ns1' 'ns1 A 192.0.2.1' "www A 192.0.2.$((RANDOM % 250))" >"$HARNESS_DIR/dir/$z.dir.test"
done
mv "$HARNESS_DIR/dir/c.dir.test" "$HARNESS_DIR/dir/c.dir.test.zone"
cp "$DATA/bad/ttl.zone" "$HARNESS_DIR/dir/bad.dir.test"
before=$(snapshot)
run "$DROVER" zone import --dir "$HARNESS_DIR/dir" "${D[@]}"
is "$rc" 2 "--dir with one bad file: exit 2"
like "$err" "bad.dir.test:7: record 'www.bad.dir.test.' A: TTL 120 differs" "the bad file's error names file:line"
is "$(snapshot)" "$before" "--dir without --keep-going: nothing written"
run "$DROVER" zone import --dir "$HARNESS_DIR/dir" --keep-going "${D[@]}"
is "$rc" 2 "--keep-going with a bad file: still exit 2"
like "$err" "1 of 4 zones failed, 3 imported, 1 not written" "--keep-going reports the failures at the end"
like "$out" "3 zones imported" "--keep-going imports the good zones"
is "$(harness_psql -At -c "SELECT string_agg(name, ',' ORDER BY name) FROM domains WHERE name LIKE '%dir.test'")" \
	"a.dir.test,b.dir.test,c.dir.test" "the good zones are in (a '.zone' suffix is dropped), the bad one is not"
mkdir -p "$HARNESS_DIR/dup"
cp "$HARNESS_DIR/dir/a.dir.test" "$HARNESS_DIR/dup/twice.test"
cp "$HARNESS_DIR/dir/a.dir.test" "$HARNESS_DIR/dup/twice.test.zone"
before=$(snapshot)
run "$DROVER" zone import --dir "$HARNESS_DIR/dup" "${D[@]}"
like "$rc $err" "2 drover: error: $HARNESS_DIR/dup/twice.test.zone: zone 'twice.test.' comes from another file too" \
	"--dir: two files for one zone are refused"
is "$(snapshot)" "$before" "two files for one zone: nothing written"
run "$DROVER" zone import --dir /nonexistent "${D[@]}"
is "$rc" 2 "--dir of a missing directory: exit 2"

done_testing
