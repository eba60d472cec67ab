#!/bin/bash
# t/100-init-schema.sh - `drover init` against a real PostgreSQL: an empty
# database, twice, `--check`, a too-new schema refused, a database that
# already holds PowerDNS tables and rows (kept), an older PowerDNS schema
# brought to 4.7, and two inits at once.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
DROVER=${DROVER_BUILDDIR:-.}/drover

HARNESS_INIT_CMD=: harness_start 100-init-schema 100 0 || exit 1

# the migrations this drover carries: "1:0001-registry.sql,2:..."
migrations=$(cd "${DROVER_SRCDIR:-.}/sql" && ls [0-9][0-9][0-9][0-9]-*.sql |
	awk '{ printf "%s%d:%s", (NR > 1 ? "," : ""), substr($0, 1, 4) + 0, $0 }')
nmigrations=$(echo "$migrations" | tr ',' '\n' | wc -l)

db_for() { echo "host=127.0.0.1 port=$PGPORT dbname=$1 user=drover"; }
q() { harness_psql -d "$1" -At -c "$2"; } # DB SQL
dump() { # the whole schema of one database, as text (newer pg_dump writes a
	# random \restrict key into every dump: drop those lines)
	"$(harness_pgbin)/pg_dump" -h "$PGHOST_SOCKDIR" -p "$PGPORT" -U postgres -s "$1" |
		grep -v '^\\\(un\)\?restrict '
}

# --- an empty database
run "$DROVER" init --check --db "$DROVER_DB"
is "$rc" 1 "init --check on an empty database exits 1"
like "$out" "missing: PowerDNS table domains" "--check reports the missing PowerDNS tables"
like "$out" "missing: drover schema" "--check reports the missing drover schema"
is "$(q drover "SELECT count(*) FROM pg_tables WHERE schemaname IN ('public','drover')")" 0 \
	"--check created nothing"

run "$DROVER" init --db "$DROVER_DB"
is "$rc" 0 "init on an empty database exits 0"
like "$out" "installed" "init says it installed"
is "$(q drover "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'")" \
	"comments,cryptokeys,domainmetadata,domains,records,supermasters,tsigkeys" \
	"the seven PowerDNS tables are in schema public"
is "$(q drover "SELECT string_agg(version || ':' || name, ',' ORDER BY version) FROM drover.schema_version")" \
	"$migrations" "every migration is recorded in drover.schema_version"
is "$(q drover "SELECT count(*) FROM pg_tables WHERE schemaname = 'drover' AND tablename IN ('domains','records')")" 0 \
	"no PowerDNS table lands in schema drover"

# --- twice: nothing changes
before=$(dump drover)
stamp=$(q drover "SELECT applied_at FROM drover.schema_version WHERE version = 1")
run "$DROVER" init --db "$DROVER_DB"
is "$rc" 0 "init twice exits 0"
like "$out" "nothing to do" "the second init says there is nothing to do"
after=$(dump drover)
is "$(q drover "SELECT applied_at FROM drover.schema_version WHERE version = 1")" "$stamp" \
	"the second init did not re-apply the migration"
ok "$([ "$before" = "$after" ]; echo $?)" "the second init left the schema byte-for-byte the same"

run "$DROVER" init --check --db "$DROVER_DB"
is "$rc" 0 "init --check on a current database exits 0"
like "$out" "schema is current" "--check says the schema is current"

# --- a drover schema newer than this binary
q drover "INSERT INTO drover.schema_version (version, name) VALUES (9999, '9999-future.sql')" >/dev/null
before=$(dump drover)
run "$DROVER" init --db "$DROVER_DB"
is "$rc" 2 "init refuses a newer drover schema with exit 2"
like "$err" "version 9999, newer than this drover" "the refusal says why"
run "$DROVER" init --check --db "$DROVER_DB"
is "$rc" 2 "init --check reports a newer schema with exit 2"
ok "$([ "$before" = "$(dump drover)" ]; echo $?)" "the refused init changed nothing"
q drover "DELETE FROM drover.schema_version WHERE version = 9999" >/dev/null

# --- a database that already holds PowerDNS tables and data (Debian's schema)
harness_psql -c "CREATE DATABASE legacy OWNER drover" >/dev/null
harness_psql_as drover -d legacy -f /usr/share/pdns-backend-pgsql/schema/schema.pgsql.sql >/dev/null
q legacy "INSERT INTO domains (name, type) VALUES ('kept.example', 'NATIVE');
	INSERT INTO records (domain_id, name, type, content, ttl) SELECT id, 'kept.example', 'SOA',
	'ns1.kept.example hostmaster.kept.example 7 10800 3600 604800 3600', 3600 FROM domains;
	INSERT INTO records (domain_id, name, type, content, ttl) SELECT id, 'www.kept.example', 'A',
	'192.0.2.7', 60 FROM domains;
	INSERT INTO domainmetadata (domain_id, kind, content) SELECT id, 'SOA-EDIT-API', 'DEFAULT' FROM domains;
	INSERT INTO tsigkeys (name, algorithm, secret) VALUES ('k1', 'hmac-sha256', 'c2VjcmV0');" >/dev/null
rows_before=$(q legacy "SELECT string_agg(r::text, ';' ORDER BY id) FROM records r")
oid_before=$(q legacy "SELECT 'domains'::regclass::oid")
run "$DROVER" init --check --db "$(db_for legacy)"
is "$rc" 1 "--check on existing PowerDNS tables exits 1 (drover schema missing)"
unlike "$out" "PowerDNS table" "--check finds every PowerDNS table present"
run "$DROVER" init --db "$(db_for legacy)"
is "$rc" 0 "init on a database with PowerDNS data exits 0"
is "$(q legacy "SELECT string_agg(r::text, ';' ORDER BY id) FROM records r")" "$rows_before" \
	"every records row is kept"
is "$(q legacy "SELECT count(*) FROM domains WHERE name = 'kept.example'") $(q legacy "SELECT count(*) FROM domainmetadata") $(q legacy "SELECT count(*) FROM tsigkeys")" \
	"1 1 1" "domains, metadata and TSIG rows are kept"
is "$(q legacy "SELECT 'domains'::regclass::oid")" "$oid_before" "the existing domains table was not recreated"
is "$(q legacy "SELECT count(*) FROM drover.schema_version")" "$nmigrations" "drover's schema was added"

# --- an older PowerDNS schema (4.6: no catalog column) is brought to 4.7
q legacy "DROP INDEX catalog_idx; ALTER TABLE domains DROP COLUMN catalog" >/dev/null
run "$DROVER" init --check --db "$(db_for legacy)"
is "$rc" 1 "--check on a 4.6 schema exits 1"
like "$out" "column domains.catalog" "--check names the missing column"
run "$DROVER" init --db "$(db_for legacy)"
is "$rc" 0 "init upgrades a 4.6 schema"
is "$(q legacy "SELECT count(*) FROM information_schema.columns WHERE table_name = 'domains' AND column_name = 'catalog'")" 1 \
	"domains.catalog was added"
is "$(q legacy "SELECT count(*) FROM records")" 2 "the upgrade kept the rows"

# --- a partial PowerDNS schema: only the missing tables are created
harness_psql -c "CREATE DATABASE partial OWNER drover" >/dev/null
q partial "CREATE TABLE domains (id SERIAL PRIMARY KEY, name VARCHAR(255) NOT NULL, master VARCHAR(128),
	last_check INT, type TEXT NOT NULL, notified_serial BIGINT, account VARCHAR(40), options TEXT,
	catalog TEXT); INSERT INTO domains (name, type) VALUES ('p.example', 'NATIVE')" >/dev/null
harness_psql -d partial -c "ALTER TABLE domains OWNER TO drover" >/dev/null
run "$DROVER" init --db "$(db_for partial)"
is "$rc" 0 "init on a partial PowerDNS schema exits 0"
is "$(q partial "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") $(q partial "SELECT name FROM domains")" \
	"7 p.example" "the missing tables were created and the existing row kept"

# --- two inits at once on a fresh database
harness_psql -c "CREATE DATABASE twice OWNER drover" >/dev/null
"$DROVER" init --db "$(db_for twice)" >"$HARNESS_DIR/a.out" 2>&1 &
pa=$!
"$DROVER" init --db "$(db_for twice)" >"$HARNESS_DIR/b.out" 2>&1 &
pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
is "$ra $rb" "0 0" "two concurrent inits both succeed"
is "$(q twice "SELECT count(*) FROM drover.schema_version")" "$nmigrations" "each migration is recorded once"
is "$(cat "$HARNESS_DIR/a.out" "$HARNESS_DIR/b.out" | grep -c '^installed')" 1 \
	"exactly one of them installed"

# --- a database drover may not write to
harness_psql -c "CREATE ROLE reader LOGIN" -c "CREATE DATABASE locked OWNER postgres" \
	-c "REVOKE CREATE ON DATABASE locked FROM PUBLIC" >/dev/null
harness_psql -d locked -c "REVOKE CREATE ON SCHEMA public FROM PUBLIC" >/dev/null
run "$DROVER" init --db "host=$PGHOST_SOCKDIR port=$PGPORT dbname=locked user=reader"
is "$rc" 3 "init without the right to create exits 3 (database error)"
like "$err" "permission denied" "PostgreSQL's reason is shown"
is "$(q locked "SELECT count(*) FROM pg_tables WHERE schemaname IN ('public', 'drover')")" 0 \
	"a failed init leaves nothing half-written"

done_testing
