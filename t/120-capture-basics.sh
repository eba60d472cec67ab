#!/bin/bash
# t/120-capture-basics.sh - change capture (sql/functions/capture.sql) on a
# real PostgreSQL and pdns_server: raw SQL from other login roles is logged
# one entry per zone per transaction with the merged "what changed", rolled
# back work leaves nothing, zone deletes keep the name, PowerDNS's own
# columns are ignored, each SOA-EDIT-API policy computes the right serial,
# zones without a usable SOA are noted, LISTEN wakes up, and the worker
# still serves what the triggers wrote. Owns t/tmp/120-capture-basics/.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"

harness_start 120-capture-basics 120 1 || exit 1
export PGPASSFILE

q() { harness_psql -At -c "$1"; }                 # SQL as superuser
as_pdns() { harness_psql_as pdns -At -c "$1"; }   # SQL as the workers' role, over TCP
mark() { q "SELECT coalesce(max(id), 0) FROM drover.changes"; }
since() { # MARK [EXPR] - entries after MARK, in reader order, one line each
	q "SELECT ${2:-zone_name || ' ' || array_to_string(what, ',')} FROM drover.changes
		WHERE id > $1 ORDER BY txid, id"
}
agg() { # MARK EXPR - an aggregate over the entries after MARK
	q "SELECT $2 FROM drover.changes WHERE id > $1"
}
serial() { # ZONE - the stored SOA serial
	q "SELECT split_part(r.content, ' ', 3) FROM records r JOIN domains d ON d.id = r.domain_id
		WHERE d.name = '$1' AND r.type = 'SOA'"
}
mkzone() { # NAME SERIAL [SOA-EDIT-API] - a zone with SOA, NS and www A, in one transaction
	harness_psql -q <<EOF
BEGIN;
INSERT INTO domains (name, type) VALUES ('$1', 'NATIVE');
INSERT INTO records (domain_id, name, type, content, ttl)
	SELECT id, '$1', 'SOA', 'ns1.$1 hostmaster.$1 $2 10800 3600 604800 3600', 3600
	FROM domains WHERE name = '$1'
	UNION ALL SELECT id, '$1', 'NS', 'ns1.$1', 3600 FROM domains WHERE name = '$1'
	UNION ALL SELECT id, 'www.$1', 'A', '192.0.2.1', 60 FROM domains WHERE name = '$1';
$( [ -n "${3:-}" ] && echo "INSERT INTO domainmetadata (domain_id, kind, content)
	SELECT id, 'SOA-EDIT-API', '$3' FROM domains WHERE name = '$1';")
COMMIT;
EOF
}
today=$(q "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD')")

# --- creating a zone in one transaction: one entry, the serial it wrote is kept
m=$(mark)
mkzone one.test 5
is "$(since "$m" "zone_name || ' ' || array_to_string(what, ',') || ' ' || serial || ' ' || serial_by")" \
	"one.test records,zone_created 5 transaction" \
	"a zone created in one transaction: one entry, its own serial kept"
mkzone two.test 5

# --- (c) raw SQL from the workers' login role, which has no right on schema drover
m=$(mark)
run as_pdns "UPDATE records SET content = '192.0.2.2' WHERE name = 'www.one.test' AND type = 'A'"
is "$rc" 0 "the pdns role updates a record"
is "$(since "$m")" "one.test records" "its change is logged: one entry"
is "$(since "$m" "prev_serial || '>' || serial || ' ' || serial_by")" "5>${today}01 DEFAULT" \
	"the entry carries the old and the new serial (DEFAULT policy: YYYYMMDD01)"
is "$(serial one.test)" "${today}01" "the SOA row carries the new serial"
run as_pdns "SELECT count(*) FROM drover.changes"
like "$err" "permission denied" "the pdns role cannot read drover's schema (capture needs no right there)"

harness_psql -q <<'EOF'
CREATE ROLE billing LOGIN;
GRANT SELECT, INSERT, UPDATE, DELETE ON domains, records, domainmetadata, comments, cryptokeys TO billing;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO billing;
EOF
m=$(mark)
run harness_psql -U billing -c "INSERT INTO records (domain_id, name, type, content, ttl)
	SELECT id, 'mail.two.test', 'A', '192.0.2.25', 60 FROM domains WHERE name = 'two.test'"
is "$rc" 0 "a billing role granted only DML on the PowerDNS tables inserts a record"
is "$(since "$m" "zone_name || ' ' || array_to_string(what, ',') || ' ' || serial")" \
	"two.test records ${today}01" "the billing role's insert is logged and bumped"

# a forged skip setting does not switch capture off
m=$(mark)
run harness_psql_as pdns -c "SET drover.capture_bump = 'anything'" \
	-c "UPDATE records SET ttl = 61 WHERE name = 'www.one.test'"
is "$(since "$m")" "one.test records" "setting drover.capture_bump by hand does not evade capture"

# --- (b) rolled back work leaves no entry and no bump
s0=$(serial one.test)
m=$(mark)
run harness_psql -c "BEGIN" -c "UPDATE records SET content = '192.0.2.99' WHERE name = 'www.one.test'" \
	-c "INSERT INTO domainmetadata (domain_id, kind, content) SELECT id, 'X-T', '1' FROM domains WHERE name = 'one.test'" \
	-c "ROLLBACK"
is "$(agg "$m" "count(*)")" 0 "a rolled back transaction leaves no entry"
is "$(serial one.test)" "$s0" "and no serial bump"
run harness_psql -c "BEGIN" -c "SAVEPOINT a" \
	-c "UPDATE records SET content = '192.0.2.98' WHERE name = 'www.one.test'" \
	-c "ROLLBACK TO SAVEPOINT a" -c "COMMIT"
is "$(agg "$m" "count(*)") $(serial one.test)" "0 $s0" \
	"work rolled back to a savepoint leaves no entry and no bump"
run harness_psql -c "BEGIN" -c "UPDATE records SET content = '192.0.2.97' WHERE name = 'www.one.test'" \
	-c "SELECT 1/0" -c "COMMIT"
is "$(agg "$m" "count(*)") $(serial one.test)" "0 $s0" "a transaction that failed leaves nothing"

# --- changes that are not changes
m=$(mark)
run as_pdns "UPDATE domains SET notified_serial = 12345 WHERE name = 'one.test'"
run as_pdns "UPDATE domains SET last_check = 99, notified_serial = 7"
run as_pdns "UPDATE records SET ttl = ttl WHERE name = 'www.one.test'"
run as_pdns "DELETE FROM records WHERE name = 'nothing.one.test'"
is "$(agg "$m" "count(*)")" 0 \
	"(f) notified_serial, last_check, a no-op UPDATE and a DELETE of nothing make no entry"
is "$(serial one.test)" "$s0" "and bump nothing"
run as_pdns "UPDATE domains SET account = 'cust-1', notified_serial = 8 WHERE name = 'one.test'"
is "$(since "$m")" "one.test zone_settings" "another domains column changed with them is logged"

# --- (g) one transaction, two zones: two entries; one zone, many statements: one entry
m=$(mark)
run harness_psql_as pdns -c "BEGIN" \
	-c "UPDATE records SET content = '192.0.2.3' WHERE name = 'www.one.test'" \
	-c "UPDATE records SET content = '192.0.2.3' WHERE name = 'www.two.test'" \
	-c "INSERT INTO domainmetadata (domain_id, kind, content) SELECT id, 'ALLOW-AXFR-FROM', 'AUTO-NS' FROM domains WHERE name = 'one.test'" \
	-c "INSERT INTO comments (domain_id, name, type, modified_at, comment) SELECT id, 'www.one.test', 'A', 0, 'web' FROM domains WHERE name = 'one.test'" \
	-c "INSERT INTO cryptokeys (domain_id, flags, active, content) SELECT id, 257, false, 'k' FROM domains WHERE name = 'one.test'" \
	-c "UPDATE records SET ttl = 62 WHERE name = 'www.one.test'" \
	-c "COMMIT"
is "$(since "$m" "zone_name || ' ' || array_to_string(what, ',')" | sort | tr '\n' ';')" \
	"one.test comments,keys,metadata,records;two.test records;" \
	"two zones in one transaction: one entry each, what changed merged per zone"
is "$(agg "$m" "count(DISTINCT txid)")" 1 "both entries carry the same txid"
is "$(agg "$m" "bool_and(serial = prev_serial + 1)")" t \
	"each zone's serial rose exactly once although several statements touched it"
m=$(mark)
run as_pdns "UPDATE records SET ttl = 63 WHERE type = 'A' AND name IN ('www.one.test', 'www.two.test')"
is "$(since "$m" | sort | tr '\n' ';')" "one.test records;two.test records;" \
	"one statement over two zones: one entry per zone"
m=$(mark)
run as_pdns "UPDATE records SET domain_id = (SELECT id FROM domains WHERE name = 'two.test'),
	name = 'moved.two.test' WHERE name = 'mail.two.test'"
run as_pdns "UPDATE records SET domain_id = (SELECT id FROM domains WHERE name = 'one.test'),
	name = 'moved.one.test' WHERE name = 'moved.two.test'"
is "$(since "$m" | sort | tr '\n' ';')" "one.test records;two.test records;two.test records;" \
	"a record moved between zones changes both zones"

# the bump's own write makes no entry of its own
m=$(mark)
as_pdns "UPDATE records SET content = '192.0.2.4' WHERE name = 'www.two.test'" >/dev/null
is "$(agg "$m" "count(*) || ' ' || bool_or(soa_written)")" "1 false" \
	"the serial bump's own UPDATE of the SOA row is not captured"

# --- (e) a deleted zone is logged with its name, in either order
mkzone gone1.test 5
mkzone gone2.test 5 INCREASE
mkzone gone3.test 5
id1=$(q "SELECT id FROM domains WHERE name = 'gone1.test'")
m=$(mark)
run as_pdns "DELETE FROM domains WHERE name = 'gone1.test'"
is "$rc" 0 "the pdns role deletes a zone (records go by ON DELETE CASCADE)"
is "$(since "$m" "zone_id || ' ' || zone_name || ' ' || array_to_string(what, ',') || ' ' || coalesce(serial::text, '-') || ' ' || note")" \
	"$id1 gone1.test zone_deleted - zone deleted" "the delete is logged with the zone's id and name"
m=$(mark)
run harness_psql_as pdns -c "BEGIN" \
	-c "DELETE FROM records WHERE domain_id = (SELECT id FROM domains WHERE name = 'gone2.test')" \
	-c "DELETE FROM domainmetadata WHERE domain_id = (SELECT id FROM domains WHERE name = 'gone2.test')" \
	-c "DELETE FROM domains WHERE name = 'gone2.test'" -c "COMMIT"
is "$(since "$m")" "gone2.test metadata,records,zone_deleted" \
	"records deleted first, then the zone: one entry with the name"
m=$(mark)
run harness_psql_as pdns -c "BEGIN" -c "DELETE FROM domains WHERE name = 'gone3.test'" \
	-c "INSERT INTO domains (name, type) VALUES ('gone3.test', 'NATIVE')" -c "COMMIT"
is "$(since "$m" | tr '\n' ';')" "gone3.test zone_deleted;gone3.test zone_created;" \
	"a zone deleted and created again in one transaction: one entry per zone id"

# a rename keeps the earlier name
mkzone old.test 5
m=$(mark)
run harness_psql -c "BEGIN" -c "UPDATE domains SET name = 'new.test' WHERE name = 'old.test'" \
	-c "UPDATE records SET name = regexp_replace(name, 'old[.]test$', 'new.test') WHERE domain_id = (SELECT id FROM domains WHERE name = 'new.test')" \
	-c "COMMIT"
is "$(since "$m" "zone_name || ' ' || prev_name || ' ' || array_to_string(what, ',') || ' ' || serial")" \
	"new.test old.test records,zone_settings ${today}01" "a renamed zone is logged with both names and bumped"

# --- (h) the policies
mkzone p-def.test 5 DEFAULT
mkzone p-def-high.test 3000010100 DEFAULT
mkzone p-none.test 5
mkzone p-unknown.test 5 SOMETHING
mkzone p-inc.test 5 INCREASE
mkzone p-inc-lower.test 5 increase
mkzone p-epoch.test 5 EPOCH
mkzone p-epoch-high.test 4000000000 EPOCH
mkzone p-off.test 7 OFF
mkzone p-wrap.test 4294967295 INCREASE
e0=$(q "SELECT floor(extract(epoch FROM clock_timestamp()))::bigint")
m=$(mark)
as_pdns "UPDATE records SET ttl = 120 WHERE name LIKE 'www.p-%'" >/dev/null
e1=$(q "SELECT floor(extract(epoch FROM clock_timestamp()))::bigint")
pol() { q "SELECT serial || ' ' || serial_by FROM drover.changes WHERE id > $m AND zone_name = '$1'"; }
is "$(pol p-def.test)" "${today}01 DEFAULT" "DEFAULT: YYYYMMDD01 when that is higher"
is "$(pol p-def-high.test)" "3000010101 DEFAULT" "DEFAULT: + 1 when YYYYMMDD01 is not higher"
is "$(pol p-none.test)" "${today}01 DEFAULT" "no SOA-EDIT-API: DEFAULT"
is "$(pol p-unknown.test)" "${today}01 DEFAULT" "an unknown SOA-EDIT-API value: DEFAULT"
is "$(pol p-inc.test)" "6 INCREASE" "INCREASE: + 1"
is "$(pol p-inc-lower.test)" "6 INCREASE" "the value is read case-insensitively"
read -r es eb <<<"$(pol p-epoch.test)"
ok "$([ "$eb" = EPOCH ] && [ "$es" -ge "$e0" ] && [ "$es" -le "$e1" ]; echo $?)" \
	"EPOCH: unix seconds ($es within $e0..$e1)"
is "$(pol p-epoch-high.test)" "4000000001 EPOCH" "EPOCH: + 1 when unix seconds are not higher"
is "$(pol p-off.test)" "8 OFF" "OFF: drover still bumps, by + 1"
is "$(pol p-wrap.test) $(q "SELECT note FROM drover.changes WHERE id > $m AND zone_name = 'p-wrap.test'")" \
	"0 INCREASE serial wrapped past 4294967295" "a serial past 2^32-1 wraps, noted"
is "$(serial p-inc.test) $(serial p-off.test)" "6 8" "the SOA rows carry the serials the entries say"

# a serial the transaction wrote itself is kept; one not above the old one is bumped past
m=$(mark)
as_pdns "UPDATE records SET content = 'ns1.p-inc.test hostmaster.p-inc.test 50 10800 3600 604800 3600' WHERE name = 'p-inc.test' AND type = 'SOA'" >/dev/null
is "$(since "$m" "serial || ' ' || serial_by") $(serial p-inc.test)" "50 transaction 50" \
	"an UPDATE that raised the serial itself is not bumped again"
m=$(mark)
as_pdns "UPDATE records SET content = 'ns1.p-inc.test hostmaster.p-inc.test 3 10800 3600 604800 3600' WHERE name = 'p-inc.test' AND type = 'SOA'" >/dev/null
is "$(since "$m" "serial || ' ' || serial_by") $(serial p-inc.test)" "51 INCREASE 51" \
	"a serial lowered by the transaction is bumped past the old one (never goes back)"
m=$(mark)
run harness_psql_as pdns -c "BEGIN" \
	-c "DELETE FROM records WHERE name = 'p-inc.test' AND type = 'SOA'" \
	-c "INSERT INTO records (domain_id, name, type, content, ttl) SELECT id, name, 'SOA', 'ns1.p-inc.test hostmaster.p-inc.test 60 10800 3600 604800 3600', 3600 FROM domains WHERE name = 'p-inc.test'" \
	-c "COMMIT"
is "$(since "$m" "prev_serial || '>' || serial || ' ' || serial_by")" "51>60 transaction" \
	"an SOA deleted and inserted with a higher serial (as the API does) is not bumped again"
m=$(mark)
run harness_psql_as pdns -c "BEGIN" \
	-c "DELETE FROM records WHERE name = 'p-inc.test' AND type = 'SOA'" \
	-c "INSERT INTO records (domain_id, name, type, content, ttl) SELECT id, name, 'SOA', 'ns1.p-inc.test hostmaster.p-inc.test 60 10800 3600 604800 3600', 3600 FROM domains WHERE name = 'p-inc.test'" \
	-c "COMMIT"
is "$(since "$m" "prev_serial || '>' || serial || ' ' || serial_by")" "60>61 INCREASE" \
	"an SOA deleted and inserted with the same serial is bumped once"

# a secondary zone's serial is the primary's
harness_psql -q -c "INSERT INTO domains (name, type, master) VALUES ('sec.test', 'SLAVE', '192.0.2.53')"
m=$(mark)
run as_pdns "BEGIN; DELETE FROM records WHERE domain_id = (SELECT id FROM domains WHERE name = 'sec.test');
	INSERT INTO records (domain_id, name, type, content, ttl) SELECT id, 'sec.test', 'SOA', 'ns1.sec.test h.sec.test 77 10800 3600 604800 3600', 3600 FROM domains WHERE name = 'sec.test';
	COMMIT"
run as_pdns "UPDATE records SET ttl = 7 WHERE name = 'sec.test'"
is "$(since "$m" "serial || ' ' || serial_by" | tr '\n' ';') $(serial sec.test)" "77 secondary;77 secondary; 77" \
	"a SLAVE zone is logged but never bumped (its serial follows the primary)"

# --- (i) no SOA, disabled SOA, unreadable serial: noted, and the commit succeeds
harness_psql -q -c "INSERT INTO domains (name, type) VALUES ('nosoa.test', 'NATIVE')"
mkzone dis.test 5
mkzone bad.test 5
harness_psql -q -c "ALTER TABLE records DISABLE TRIGGER USER" \
	-c "UPDATE records SET disabled = true WHERE name = 'dis.test' AND type = 'SOA'" \
	-c "UPDATE records SET content = 'ns1.bad.test h.bad.test x 1 1 1 1' WHERE name = 'bad.test' AND type = 'SOA'" \
	-c "ALTER TABLE records ENABLE TRIGGER USER"
m=$(mark)
run as_pdns "INSERT INTO records (domain_id, name, type, content, ttl) SELECT id, 'www.' || name, 'A', '192.0.2.9', 60 FROM domains WHERE name IN ('nosoa.test', 'dis.test', 'bad.test')"
is "$rc" 0 "a commit touching zones without a usable SOA succeeds"
is "$(since "$m" "zone_name || ': ' || coalesce(serial::text, '-') || ' ' || note" | sort | tr '\n' ';')" \
	"bad.test: - SOA serial is not a number;dis.test: - SOA disabled;nosoa.test: - no SOA;" \
	"each is logged with a note and no serial"
is "$(q "SELECT content FROM records WHERE name = 'dis.test' AND type = 'SOA'")" \
	"ns1.dis.test hostmaster.dis.test 5 10800 3600 604800 3600" "a disabled SOA is left alone"

# --- (j) LISTEN: one wake-up per committing transaction, constant empty payload
listen_out=$HARNESS_DIR/listen.out
harness_psql -c "LISTEN drover_changes" -c "SELECT pg_sleep(4)" >"$listen_out" 2>&1 &
lpid=$!
for _ in $(seq 100); do
	[ "$(q "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(4)'")" = 1 ] && break
	sleep 0.05
done
as_pdns "UPDATE records SET ttl = 300 WHERE type = 'A' AND name IN ('www.one.test', 'www.two.test')" >/dev/null
wait "$lpid"
got=$(grep -c 'Asynchronous notification "drover_changes" received' "$listen_out")
is "$got" 1 "a listener got one notification for a commit that changed two zones"
unlike "$(cat "$listen_out")" "payload" "the notification carries no payload"

# --- (k) the worker serves what the triggers wrote
harness_pdns_control 1 rediscover >/dev/null
harness_pdns_control 1 purge >/dev/null
as_pdns "UPDATE records SET content = '192.0.2.77' WHERE name = 'www.one.test'" >/dev/null
harness_pdns_control 1 purge >/dev/null
is "$(harness_dig 1 www.one.test A)" "192.0.2.77" "worker 1 serves the record written by SQL"
is "$(harness_dig 1 one.test SOA | awk '{print $3}')" "$(serial one.test)" \
	"and the SOA serial the bump wrote"
is "$(harness_dig 1 new.test SOA | awk '{print $3}')" "${today}01" "and the renamed zone's SOA"
is "$(dig +tries=1 +time=2 @127.0.0.1 -p "$W1_DNS_PORT" gone1.test SOA | grep -o 'status: [A-Z]*')" \
	"status: REFUSED" \
	"a deleted zone is gone from the worker"

# --- TRUNCATE RESTART IDENTITY (harness_reset) reuses zone ids: a new zone
# with an old id does not inherit the old zone's serial floor
harness_reset
is "$(q "SELECT count(*) FROM drover.zone_serials")" 0 "TRUNCATE of domains forgets the serial floors"
m=$(mark)
mkzone again.test 5
is "$(q "SELECT zone_id || ' ' || serial || ' ' || serial_by FROM drover.changes WHERE id > $m")" \
	"1 5 transaction" "a new zone with a reused id keeps the serial it was created with"

# --- the log's shape fits the reader rule
is "$(q "SELECT count(*) FROM drover.changes WHERE sealed_at IS NULL OR txid >= pg_snapshot_xmin(pg_current_snapshot())")" 0 \
	"every committed entry is sealed and below the snapshot xmin"
is "$(q "SELECT count(*) FROM (SELECT txid, zone_id FROM drover.changes GROUP BY 1, 2 HAVING count(*) > 1) d")" 0 \
	"no zone has two entries in one transaction"

done_testing
