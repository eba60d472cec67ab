#!/bin/bash
# t/123-capture-search-path.sh - a role that may write the PowerDNS tables
# cannot steer the capture triggers with a temporary table of the same name:
# the functions' search_path is pinned to the PowerDNS schema, pg_catalog,
# then pg_temp.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
DROVER=${DROVER_BUILDDIR:-.}/drover

harness_start 123-capture-search-path 123 0 || exit 1
export PGPASSFILE
"$DROVER" zone create real.test --ns ns1.real.test --db "$DROVER_DB" --config /dev/null >/dev/null
is "$(harness_psql -At -c "SELECT count(*) FROM pg_proc p WHERE p.pronamespace = 'drover'::regnamespace
	AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%pg_temp')")" 0 \
	"every drover function pins pg_temp in its search_path"
harness_psql -c "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO pdns" >/dev/null
id=$(harness_psql -At -c "SELECT id FROM domains WHERE name = 'real.test'")
before=$(harness_psql -At -c "SELECT count(*) FROM drover.changes")
harness_psql_as pdns -d drover -v ON_ERROR_STOP=1 >/dev/null 2>&1 <<SQL
CREATE TEMP TABLE domains (id INT, name TEXT, type TEXT, master TEXT, account TEXT,
	notified_serial BIGINT, last_check INT, options TEXT, catalog TEXT);
INSERT INTO pg_temp.domains (id, name, type) VALUES ($id, 'spoofed.example', 'NATIVE');
GRANT SELECT ON pg_temp.domains TO PUBLIC;
UPDATE public.records SET ttl = ttl + 1 WHERE domain_id = $id AND type = 'NS';
SQL
ok $? "the pdns role wrote through its own temporary 'domains'"
is "$(harness_psql -At -c "SELECT count(*) FROM drover.changes WHERE zone_name = 'spoofed.example'")" 0 \
	"the capture never read the temporary table"
is "$(harness_psql -At -c "SELECT zone_name FROM drover.changes ORDER BY txid DESC, id DESC LIMIT 1")" real.test \
	"the change is logged for the real zone"
ok "$([ "$(harness_psql -At -c "SELECT count(*) FROM drover.changes")" -gt "$before" ]; echo $?)" \
	"and it was logged at all"
done_testing
