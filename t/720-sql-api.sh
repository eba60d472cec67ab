#!/bin/bash
# t/720-sql-api.sh - the SQL API for billing systems, called as the
# restricted role drover_provisioner: a zone from a template, rrset
# replace and delete, repoint, zone delete, all served by a real worker;
# the same rows and the same error messages as the CLI (one validator:
# the drover_api extension runs the CLI's C code), each error with its
# SQLSTATE and field and nothing written; and the role's refusal to touch
# the PowerDNS tables or the extension directly.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
. "${DROVER_SRCDIR:-.}/t/lib/daemon.sh"

harness_start 720-sql-api 720 1 || exit 1
export PGPASSFILE
D=(--db "$DROVER_DB" --config /dev/null)
built=$(cat "${DROVER_BUILDDIR:-.}/src/pgext/build-id" 2>/dev/null)
if [ -z "$built" ]; then
	echo "Bail out! the drover_api extension was not built (install postgresql-server-dev-15 and configure again)"
	exit 1
fi
installed=$(harness_psql -At -c "SELECT drover_api.build_id()" 2>&1)
if [ "$installed" != "$built" ]; then
	echo "Bail out! the installed drover_api extension ($installed) is not this build ($built): run 'make install-pgext' as root"
	exit 1
fi
ok 0 "drover init created the drover_api extension of this build ($built)"

# the provisioner role, with a password (sent on stdin, never argv)
pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
harness_psql <<EOF
SET log_statement = none;
CREATE ROLE drover_provisioner LOGIN PASSWORD '$pw';
EOF
printf '127.0.0.1:%s:*:drover_provisioner:%s\n' "$PGPORT" "$pw" >>"$PGPASSFILE"
run "$DROVER" init "${D[@]}"
like "$out" "role drover_provisioner may call it" "drover init grants the provisioner role the API"
P() { harness_psql_as drover_provisioner -At -v VERBOSITY=verbose "$@" 2>&1; }
sql_err() { # SQL - the ERROR line of a statement run as the provisioner
	P -c "\set VERBOSITY verbose" -c "$1" | sed -n 's/^ERROR: *//p' | head -n 1
}
snapshot() { harness_psql -At -c "SELECT md5(coalesce(string_agg(r::text, ';' ORDER BY r.id), '')) FROM records r"; }

register_workers 1 || exit 1
start_daemon "$HARNESS_DIR/daemon.log"
"$DROVER" template add web --record '@ A {ip}' --record 'www 300 CNAME @' --record '@ MX 10 {mx}' \
	--record '@ TXT "v=spf1 ip4:{ip} -all"' --record '@ NS ns1.hoster.test.' "${D[@]}" >/dev/null

# --- a zone from a template, through SQL and through the CLI: the same rows
is "$(P -c "SELECT drover.zone_create('sql.test', 'web', '{\"ip\": \"192.0.2.50\", \"mx\": \"mx.hoster.test.\"}')")" \
	"sql.test" "zone_create from a template as drover_provisioner"
"$DROVER" zone create cli.test --template web --var ip=192.0.2.50 --var mx=mx.hoster.test. "${D[@]}" >/dev/null
rows() { harness_psql -At -c "SELECT string_agg(concat_ws(' ', replace(r.name, '$1', 'Z'), r.type,
	replace(replace(r.content, '$1', 'Z'), to_char(now(), 'YYYYMMDD'), 'D'), r.ttl, r.prio, r.auth,
	r.disabled, r.ordername), '|' ORDER BY r.name, r.type, r.content)
	FROM records r JOIN domains d ON d.id = r.domain_id WHERE d.name = '$1'"; }
is "$(rows sql.test)" "$(rows cli.test)" "the SQL API and the CLI write the same rows"
wait_until 2000 all_answer sql.test A 192.0.2.50 1
ok $? "the worker answers the zone the SQL API created"

# --- rrset replace and delete
is "$(P -c "SELECT drover.rrset_replace('sql.test', 'app', 'a', 300, ARRAY['192.0.2.60', '192.0.2.61'])")" 2 \
	"rrset_replace returns the records in the rrset"
wait_until 2000 all_answer app.sql.test A "192.0.2.60|192.0.2.61" 1
ok $? "the worker answers the rrset"
"$DROVER" rrset replace cli.test app A 300 192.0.2.60 192.0.2.61 "${D[@]}" >/dev/null
is "$(rows sql.test)" "$(rows cli.test)" "rrset_replace writes what rrset replace writes"
is "$(P -c "SELECT drover.rrset_delete('sql.test', 'app', 'A')")" 2 "rrset_delete returns the records deleted"
is "$(P -A -F' ' -c "SELECT * FROM drover.check_record('sql.test', 'mail', 'MX', '10 mx')")" "MX mx.sql.test 10" \
	"check_record gives the storage form"

# --- the same refusals as the CLI: message, SQLSTATE, field, nothing written
same_refusal() { # DESCRIPTION FIELD SQL CLI-ARGS...
	local what=$1 field=$2 sql=$3 before cli_msg sql_line
	shift 3
	before=$(snapshot)
	run "$DROVER" "$@" "${D[@]}"
	cli_msg=${err#drover: error: }
	sql_line=$(sql_err "$sql")
	is "$sql_line" "22023: $cli_msg" "$what: SQLSTATE 22023 and the CLI's very message"
	like "$(P -c "\set VERBOSITY verbose" -c "$sql")" "field: $field" "$what: the field is named ($field)"
	is "$(snapshot)" "$before" "$what: nothing written"
}
same_refusal "a bad IPv4 address" content \
	"SELECT drover.rrset_replace('sql.test', 'x', 'A', 300, ARRAY['192.0.2'])" \
	rrset replace sql.test x A 300 192.0.2
same_refusal "a CNAME at the apex" type \
	"SELECT drover.rrset_replace('sql.test', '@', 'CNAME', 300, ARRAY['x.example.'])" \
	rrset replace sql.test @ CNAME 300 x.example.
same_refusal "a name outside the zone" name \
	"SELECT drover.rrset_replace('sql.test', 'www.other.test.', 'A', 300, ARRAY['192.0.2.1'])" \
	rrset replace sql.test www.other.test. A 300 192.0.2.1
same_refusal "a negative TTL" ttl \
	"SELECT drover.rrset_replace('sql.test', 'x', 'A', -5, ARRAY['192.0.2.1'])" \
	rrset replace sql.test x A -5 192.0.2.1
same_refusal "an MX without its priority" content \
	"SELECT drover.rrset_replace('sql.test', 'x', 'MX', 300, ARRAY['mail.example.'])" \
	rrset replace sql.test x MX 300 mail.example.
same_refusal "an unsupported type" type \
	"SELECT drover.rrset_replace('sql.test', 'x', 'BOGUS', 300, ARRAY['1'])" \
	rrset replace sql.test x BOGUS 300 1
same_refusal "a bad zone name" zone \
	"SELECT drover.zone_create('bad..test')" zone create bad..test --ns ns1.x.test
same_refusal "a template variable missing" var \
	"SELECT drover.zone_create('nov.test', 'web', '{\"ip\": \"192.0.2.1\"}')" \
	zone create nov.test --template web --var ip=192.0.2.1
same_refusal "a repoint across families" new_ip \
	"SELECT * FROM drover.repoint('192.0.2.50', '2001:db8::1')" repoint 192.0.2.50 2001:db8::1
is "$(harness_psql -At -c "SELECT count(*) FROM domains WHERE name IN ('nov.test', 'bad..test')")" 0 \
	"no zone was created by a refused zone_create"
like "$(sql_err "SELECT drover.zone_create('sql.test', ns => ARRAY['ns1.x.test.'])")" "42710: zone 'sql.test.' already exists" \
	"an existing zone: SQLSTATE 42710"
like "$(sql_err "SELECT drover.zone_delete('nosuch.test')")" "P0002: zone 'nosuch.test.' not found" \
	"an unknown zone: SQLSTATE P0002"
like "$(sql_err "SELECT drover.zone_create('v.test', 'web', '{\"IP\": \"1\"}')")" "22023: variable name 'IP'" \
	"a bad variable name in vars is refused"
like "$(sql_err "SELECT drover.rrset_replace('sql.test', NULL, 'A', 300, ARRAY['192.0.2.1'])")" \
	"22004: name must not be NULL" "a NULL argument: SQLSTATE 22004"

# --- repoint through SQL
is "$(P -c "SELECT count(*) FROM drover.repoint('192.0.2.50', '198.51.100.50', 'sql.*', true, true)")" 2 \
	"repoint dry run lists the apex A and the SPF TXT of sql.test"
is "$(harness_psql -At -c "SELECT count(*) FROM records WHERE content = '198.51.100.50'")" 0 "the dry run wrote nothing"
is "$(P -c "SELECT count(*) FROM drover.repoint('192.0.2.50', '198.51.100.50', 'sql.*', true)")" 2 "repoint changes two records"
wait_until 2000 all_answer sql.test A 198.51.100.50 1
ok $? "the worker answers the repointed address"

# --- what the provisioner may not do
denied() { # DESCRIPTION SQL
	like "$(sql_err "$2")" "42501: permission denied" "$1: permission denied"
}
denied "read records" "SELECT count(*) FROM records"
denied "insert a record" "INSERT INTO records (domain_id, name, type, content) VALUES (1, 'x', 'A', '1.2.3.4')"
denied "update domains" "UPDATE domains SET type = 'NATIVE'"
denied "delete records" "DELETE FROM records"
denied "call the extension directly" "SELECT drover_api.zone_delete('sql.test')"
denied "re-run the grants" "SELECT drover.grant_provisioner()"
denied "read the server secrets" "SELECT * FROM drover.server_secrets"
like "$(harness_psql_as pdns -At -c "SELECT drover.zone_delete('sql.test')" 2>&1)" "permission denied" \
	"another role may not call the SQL API"

is "$(P -c "SELECT drover.zone_delete('sql.test')")" "" "zone_delete as the provisioner"
wait_until 2000 all_status sql.test SOA REFUSED 1
ok $? "the deleted zone is REFUSED by the worker"

# --- without the extension, the API says what is missing
harness_psql_as drover -q -c "DROP EXTENSION drover_api"
like "$(sql_err "SELECT drover.zone_delete('cli.test')")" "0A000: the drover SQL API needs the drover_api extension" \
	"without the extension: a clear error (0A000)"
run "$DROVER" init "${D[@]}"
like "$out" "SQL API: installed" "drover init creates it again"

stop_daemon "$DAEMON_PID"
done_testing
