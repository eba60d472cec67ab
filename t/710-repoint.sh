#!/bin/bash
# t/710-repoint.sh - `drover repoint` across 1,000 zones: --dry-run lists
# and writes nothing; the real run changes every A record (and with
# --include-spf the ip4: mechanisms) in one transaction, bumps each zone's
# serial once, leaves secondaries, other addresses, networks and longer
# addresses alone, and with `drover run` every worker answers the new
# address within 5 s though its cache holds the old one for 20 s; --zone
# limits it; bad addresses are refused with exit 2 and nothing written.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
. "${DROVER_SRCDIR:-.}/t/lib/daemon.sh"

harness_start 710-repoint 710 3 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)
OLD=192.0.2.10 NEW=198.51.100.20 N=1000
snapshot() { harness_psql -At -c "SELECT md5(string_agg(r::text, ';' ORDER BY r.id)) FROM records r"; }
serials() { harness_psql -At -c "SELECT string_agg(split_part(content, ' ', 3), ',' ORDER BY name) FROM records WHERE type = 'SOA' AND name LIKE 'z%.rp.test'"; }

# 1,000 zones in one statement each: apex A and www A on the old address,
# an SPF TXT naming it, and a mail A on another address.
harness_psql -q -c "
INSERT INTO domains (name, type) SELECT 'z' || i || '.rp.test', 'NATIVE' FROM generate_series(1, $N) i;
INSERT INTO records (domain_id, name, type, content, ttl, prio, auth)
SELECT d.id, r.name, r.type, r.content, 3600, 0, true FROM domains d,
 LATERAL (VALUES
  (d.name, 'SOA', 'ns1.rp.test hostmaster.rp.test 1 10800 3600 604800 3600'),
  (d.name, 'NS', 'ns1.rp.test'),
  (d.name, 'A', '$OLD'),
  ('www.' || d.name, 'A', '$OLD'),
  ('mail.' || d.name, 'A', '192.0.2.11'),
  (d.name, 'TXT', '\"v=spf1 ip4:$OLD ip4:$OLD/32 ip4:$OLD/24 ip4:${OLD}5 ip4:192.0.2.11 -all\"')
 ) AS r(name, type, content)
WHERE d.name LIKE 'z%.rp.test';
INSERT INTO domains (name, type, master) VALUES ('sec.rp.test', 'SLAVE', '192.0.2.53');
INSERT INTO records (domain_id, name, type, content, ttl, prio, auth)
 SELECT id, 'sec.rp.test', 'A', '$OLD', 3600, 0, true FROM domains WHERE name = 'sec.rp.test';
" || exit 1
"$DROVER" zone create both.test --ns ns1.both.test "${D[@]}" >/dev/null
"$DROVER" rrset replace both.test www A 300 $OLD $NEW "${D[@]}" >/dev/null
"$DROVER" zone create keep.other --ns ns1.keep.other "${D[@]}" >/dev/null
"$DROVER" rrset replace keep.other www A 300 $OLD "${D[@]}" >/dev/null

register_workers 3
ok $? "three workers registered"
start_daemon "$HARNESS_DIR/daemon.log"
wait_until 20000 in_sync
ok $? "drover run has delivered the 1,000 new zones"

# --- refusals
before=$(snapshot)
run "$DROVER" repoint $OLD 2001:db8::1 "${D[@]}"
is "$rc" 2 "IPv4 to IPv6: exit 2"
like "$err" "must both be IPv4 or both IPv6" "IPv4 to IPv6: the error says why"
run "$DROVER" repoint 192.0.2 $NEW "${D[@]}"
is "$rc" 2 "a malformed old address: exit 2"
like "$err" "old address '192.0.2': not an IPv4 or IPv6 address" "the malformed address is named"
run "$DROVER" repoint $OLD $OLD "${D[@]}"
is "$rc" 2 "the same address twice: exit 2"
run "$DROVER" repoint $OLD "${D[@]}"
is "$rc" 2 "one address only: exit 2"
is "$(snapshot)" "$before" "the refusals wrote nothing"

# --- dry run
run "$DROVER" repoint $OLD $NEW --include-spf --dry-run --json "${D[@]}"
is "$rc" 0 "--dry-run exit 0"
is "$(echo "$out" | jq .records)" $((3 * N + 2)) "--dry-run: apex A, www A and TXT of 1,000 zones, plus both.test and keep.other"
is "$(echo "$out" | jq .zones)" $((N + 2)) "--dry-run: 1,002 zones"
is "$(echo "$out" | jq -r '[.changes[] | select(.removed)] | length')" 1 "--dry-run: the rrset already holding the new address loses the old record"
is "$(echo "$out" | jq -r '.changes[] | select(.name == "z7.rp.test." and .type == "TXT") | .new')" \
	"\"v=spf1 ip4:$NEW ip4:$NEW/32 ip4:$OLD/24 ip4:${OLD}5 ip4:192.0.2.11 -all\"" \
	"--dry-run: the SPF mechanism and its /32 change; a /24, a longer address and another address do not"
is "$(snapshot)" "$before" "--dry-run wrote nothing"

# --- a glob
run "$DROVER" repoint $OLD $NEW --zone '*.other' "${D[@]}"
is "$rc" 0 "--zone '*.other'"
like "$out" "1 record in 1 zone" "--zone: only keep.other"
is "$(harness_psql -At -c "SELECT count(*) FROM records WHERE content = '$OLD' AND type = 'A'")" $((2 * N + 2)) "--zone: the other zones keep the old address"

# --- the real run, with workers that have cached the old answer
for z in z1 z500 z1000; do
	for i in 1 2; do all_answer www.$z.rp.test A $OLD >/dev/null; done
done
all_answer www.z500.rp.test A $OLD
ok $? "every worker answers the old address before the repoint"
s_before=$(serials)
# the daemon prunes delivered change-log entries at once: keep a copy of what
# the capture inserts, to count the repoint's entries after it
harness_psql -q <<'SQL'
CREATE TABLE public.t710_seen (txid xid8, zone_id int);
GRANT INSERT ON public.t710_seen TO PUBLIC;
CREATE FUNCTION public.t710_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.t710_seen SELECT n.txid, n.zone_id FROM new_rows n;
	RETURN NULL;
END $$;
CREATE TRIGGER t710_copy AFTER INSERT ON drover.changes REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION public.t710_copy();
SQL
run "$DROVER" repoint $OLD $NEW --include-spf "${D[@]}"
t0=$(now_ms)
is "$rc" 0 "repoint exit 0"
like "$out" "repointed $OLD -> $NEW: $((3 * N + 1)) records in $((N + 1)) zones" "repoint says how many records and zones"
is "$(harness_psql -At -c "SELECT count(*) FROM records r JOIN domains d ON d.id = r.domain_id WHERE d.type <> 'SLAVE' AND r.type = 'A' AND r.content = '$OLD'")" 0 "no A record keeps the old address"
is "$(harness_psql -At -c "SELECT content FROM records WHERE name = 'sec.rp.test' AND type = 'A'")" $OLD "a secondary zone is left to its primary"
is "$(harness_psql -At -c "SELECT count(*) FROM records WHERE type = 'A' AND content = '192.0.2.11'")" $N "other addresses are untouched"
is "$(harness_psql -At -c "SELECT count(*) FROM records WHERE type = 'TXT' AND content LIKE '%ip4:$NEW ip4:$NEW/32 ip4:$OLD/24 ip4:${OLD}5 %'")" $N "every SPF TXT rewritten, networks and longer addresses kept"
is "$(harness_psql -At -c "SELECT string_agg(content, ',') FROM records WHERE name = 'www.both.test' AND type = 'A'")" $NEW "an rrset that held both addresses keeps one record"
bumped=$(harness_psql -At -c "SELECT count(DISTINCT c.zone_id) FROM public.t710_seen c JOIN domains d ON d.id = c.zone_id
	WHERE d.name LIKE 'z%.rp.test' AND c.txid = (SELECT min(txid) FROM public.t710_seen)")
harness_psql -q -c "DROP TRIGGER t710_copy ON drover.changes; DROP FUNCTION public.t710_copy(); DROP TABLE public.t710_seen"
is "$bumped" "$N" "one transaction: 1,000 zones in the change log under one txid"
s_after=$(serials)
is "$(paste -d, <(tr , '\n' <<<"$s_before") <(tr , '\n' <<<"$s_after") | awk -F, '$2 <= $1' | wc -l)" 0 "every zone's serial went up"
wait_until 5000 all_answer www.z500.rp.test A $NEW
ok $? "every worker answers the new address within 5 s of the commit ($(($(now_ms) - t0)) ms), caches hold 20 s"
all_answer www.z1.rp.test A $NEW && all_answer www.z1000.rp.test A $NEW
ok $? "the first and last zones too"
wait_until 20000 in_sync
ok $? "drover run delivered all 1,000 changes"

run "$DROVER" repoint $OLD $NEW "${D[@]}"
is "$rc" 0 "a second repoint finds nothing: exit 0"
like "$out" "0 records in 0 zones" "a second repoint changes nothing"

# IPv6: addresses compared in storage form, whatever way they are written
"$DROVER" zone create v6.test --ns ns1.v6.test "${D[@]}" >/dev/null
"$DROVER" rrset replace v6.test www AAAA 300 2001:db8::10 "${D[@]}" >/dev/null
run "$DROVER" repoint 2001:DB8:0:0::10 2001:0db8::20 --wait "${D[@]}"
is "$rc" 0 "an IPv6 repoint written in long form, --wait: exit 0"
like "$out" "1 record in 1 zone" "the IPv6 repoint finds the AAAA record"
is "$(echo "$out" | grep -c ': applied')" 3 "--wait reports applied for w1, w2, w3"
all_answer www.v6.test AAAA 2001:db8::20
ok $? "every worker answers the new IPv6 address"

stop_daemon "$DAEMON_PID"
done_testing
