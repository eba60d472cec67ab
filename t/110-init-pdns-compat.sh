#!/bin/bash
# t/110-init-pdns-compat.sh - the PowerDNS tables `drover init` creates match,
# column by column, index by index and constraint by constraint, the schema
# file Debian's pdns-backend-pgsql ships for PowerDNS 4.7.
. "${DROVER_SRCDIR:-.}/t/lib/tap.sh"
. "${DROVER_SRCDIR:-.}/t/lib/harness.sh"
DROVER=${DROVER_BUILDDIR:-.}/drover
PDNS_SCHEMA=/usr/share/pdns-backend-pgsql/schema/schema.pgsql.sql

if [ ! -r "$PDNS_SCHEMA" ]; then
	echo "Bail out! $PDNS_SCHEMA not found (install pdns-backend-pgsql)"
	exit 1
fi
HARNESS_INIT_CMD=: harness_start 110-init-pdns-compat 110 0 || exit 1

harness_psql -c "CREATE DATABASE ours OWNER drover" -c "CREATE DATABASE theirs OWNER drover" >/dev/null
run "$DROVER" init --db "host=127.0.0.1 port=$PGPORT dbname=ours user=drover"
is "$rc" 0 "drover init builds the schema"
harness_psql_as drover -d theirs -f "$PDNS_SCHEMA" >/dev/null
ok $? "Debian's schema file loads"

describe() { # DB WHAT - one sorted line per column, index or constraint
	local sql
	case $2 in
	columns) sql="SELECT table_name || '.' || column_name || ' ' || data_type || ' '
		|| coalesce(character_maximum_length::text, '-') || ' ' || is_nullable || ' '
		|| coalesce(column_default, '-') || ' #' || ordinal_position
		FROM information_schema.columns WHERE table_schema = 'public'" ;;
	indexes) sql="SELECT indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'" ;;
	constraints) sql="SELECT conrelid::regclass || '.' || conname || ' ' || pg_get_constraintdef(oid)
		FROM pg_constraint WHERE connamespace = 'public'::regnamespace" ;;
	tables) sql="SELECT tablename FROM pg_tables WHERE schemaname = 'public'" ;;
	esac
	harness_psql -d "$1" -At -c "$sql" | sort
}

for what in tables columns indexes constraints; do
	ours=$(describe ours $what)
	theirs=$(describe theirs $what)
	if [ "$ours" = "$theirs" ]; then
		ok 0 "$what match Debian's PowerDNS 4.7 schema ($(echo "$ours" | wc -l) lines)"
	else
		ok 1 "$what match Debian's PowerDNS 4.7 schema"
		diag "$(diff <(echo "$theirs") <(echo "$ours"))"
	fi
done

# drover init on top of Debian's schema adds nothing to the PowerDNS tables
before=$(describe theirs columns; describe theirs indexes)
run "$DROVER" init --db "host=127.0.0.1 port=$PGPORT dbname=theirs user=drover"
is "$rc" 0 "drover init on Debian's schema exits 0"
is "$(describe theirs columns; describe theirs indexes)" "$before" \
	"and leaves the PowerDNS tables as they were"

done_testing
