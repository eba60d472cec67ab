/* src/schema.c - `drover init` and `init --check`: compare the database with
 * the SQL files built into the binary, then install what is missing in one
 * transaction under an advisory lock. See include/drover/schema.h.
 * PowerDNS tables are created only where absent (rows are never touched);
 * drover's migrations are forward-only and recorded in drover.schema_version;
 * function files are re-applied when their digest changed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drover/db.h"
#include "drover/schema.h"
#include "drover/util.h"
#include "banned.h"

/* pg_advisory_xact_lock key serialising concurrent `drover init` runs. */
#define INIT_LOCK_KEY "7231880291405568001"
#define PDNS_SCHEMA_FILE "pdns/schema-4.7.sql"

/* What a PowerDNS 4.7 database must hold; "table.column" or "index name". */
static const char *const pdns_columns[] = {
	"domains.id", "domains.name", "domains.master", "domains.last_check", "domains.type",
	"domains.notified_serial", "domains.account", "domains.options", "domains.catalog",
	"records.id", "records.domain_id", "records.name", "records.type", "records.content",
	"records.ttl", "records.prio", "records.disabled", "records.ordername", "records.auth",
	"supermasters.ip", "supermasters.nameserver", "supermasters.account",
	"comments.id", "comments.domain_id", "comments.name", "comments.type",
	"comments.modified_at", "comments.account", "comments.comment",
	"domainmetadata.id", "domainmetadata.domain_id", "domainmetadata.kind",
	"domainmetadata.content",
	"cryptokeys.id", "cryptokeys.domain_id", "cryptokeys.flags", "cryptokeys.active",
	"cryptokeys.published", "cryptokeys.content",
	"tsigkeys.id", "tsigkeys.name", "tsigkeys.algorithm", "tsigkeys.secret",
};
static const char *const pdns_indexes[] = {
	"name_index", "catalog_idx", "rec_name_index", "nametype_index", "domain_id",
	"recordorder", "comments_domain_id_idx", "comments_name_type_idx", "comments_order_idx",
	"domainidmetaindex", "domainidindex", "namealgoindex",
};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* "0012-foo.sql" -> 12; anything else -> 0 (not a migration). */
static int migration_number(const char *name)
{
	int n = 0, digits = 0;

	for (; *name >= '0' && *name <= '9'; name++, digits++)
		n = n * 10 + (*name - '0');
	return digits == 4 && *name == '-' ? n : 0;
}

static bool is_function_file(const char *name)
{
	return !strncmp(name, "functions/", 10);
}

int dr_schema_binary_version(void)
{
	int max = 0;

	for (size_t i = 0; i < dr_sql_nfiles; i++) {
		int n = migration_number(dr_sql_files[i].name);

		if (n > max)
			max = n;
	}
	return max;
}

static const char *sql_file_text(const char *name)
{
	for (size_t i = 0; i < dr_sql_nfiles; i++)
		if (!strcmp(dr_sql_files[i].name, name))
			return dr_sql_files[i].text;
	return NULL;
}

/* How init pins the functions' search_path: part of the digest, so a
 * database pinned the old way is re-pinned. */
#define PIN_VERSION "pin-2:pdns,pg_catalog,pg_temp"

/* FNV-1a over every function file, names included, and PIN_VERSION, as 16
 * hex digits. */
static void functions_digest(char out[17])
{
	uint64_t h = 1469598103934665603ULL;

	for (const unsigned char *c = (const unsigned char *)PIN_VERSION; *c; c++)
		h = (h ^ *c) * 1099511628211ULL;

	for (size_t i = 0; i < dr_sql_nfiles; i++) {
		const char *parts[2] = { dr_sql_files[i].name, dr_sql_files[i].text };

		if (!is_function_file(dr_sql_files[i].name))
			continue;
		for (int p = 0; p < 2; p++)
			for (const unsigned char *c = (const unsigned char *)parts[p]; ; c++) {
				h = (h ^ *c) * 1099511628211ULL;
				if (!*c)
					break;
			}
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static void add_line(char ***list, size_t *n, char *line)
{
	*list = dr_xrealloc(*list, (*n + 1) * sizeof(**list));
	(*list)[(*n)++] = line;
}

void dr_schema_report_release(struct dr_schema_report *rep)
{
	for (size_t i = 0; i < rep->nmissing; i++)
		free(rep->missing[i]);
	for (size_t i = 0; i < rep->npending; i++)
		free(rep->pending[i]);
	free(rep->missing);
	free(rep->pending);
	free(rep->pdns_schema);
	memset(rep, 0, sizeof(*rep));
}

/* The schema holding (or to hold) the PowerDNS tables: where `domains`
 * resolves now, else the first schema on the search path other than
 * drover's own (with the default "$user", public and a role named drover,
 * that is public), else public. Caller frees. */
static int pdns_schema_name(PGconn *conn, char **out, struct dr_error *err)
{
	PGresult *res;
	int rc;

	rc = dr_db_exec(conn,
			"SELECT coalesce("
			" (SELECT n.nspname FROM pg_class c"
			"   JOIN pg_namespace n ON n.oid = c.relnamespace"
			"   WHERE c.oid = to_regclass('domains') AND n.nspname <> 'drover'),"
			" (SELECT s FROM unnest(current_schemas(false)) WITH ORDINALITY AS t(s, i)"
			"   WHERE s <> 'drover' ORDER BY i LIMIT 1),"
			" 'public')",
			0, NULL, &res, err);
	if (rc)
		return rc;
	*out = dr_xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

/* Which PowerDNS tables, columns and indexes are missing from the schema
 * named rep->pdns_schema. */
static int inspect_pdns(PGconn *conn, struct dr_schema_report *rep, struct dr_error *err)
{
	const char *p[1] = { rep->pdns_schema };
	PGresult *cols = NULL, *idx = NULL;
	int rc;

	rc = dr_db_exec(conn,
			"SELECT c.relname || '.' || a.attname FROM pg_attribute a"
			" JOIN pg_class c ON c.oid = a.attrelid"
			" JOIN pg_namespace n ON n.oid = c.relnamespace"
			" WHERE n.nspname = $1"
			" AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped",
			1, p, &cols, err);
	if (!rc)
		rc = dr_db_exec(conn,
				"SELECT c.relname FROM pg_class c"
				" JOIN pg_namespace n ON n.oid = c.relnamespace"
				" WHERE n.nspname = $1 AND c.relkind = 'i'",
				1, p, &idx, err);
	if (rc) {
		PQclear(cols);
		return rc;
	}
	for (size_t i = 0; i < NELEM(pdns_columns); i++) {
		const char *want = pdns_columns[i];
		size_t tlen = strcspn(want, ".");
		bool have_col = false, have_table = false;

		for (int r = 0; r < PQntuples(cols); r++) {
			const char *got = PQgetvalue(cols, r, 0);

			if (!strcmp(got, want))
				have_col = true;
			if (!strncmp(got, want, tlen + 1))
				have_table = true;
		}
		if (have_col)
			continue;
		if (!have_table) {
			/* report a missing table once, at its first column */
			if (i == 0 || strncmp(pdns_columns[i - 1], want, tlen + 1))
				add_line(&rep->missing, &rep->nmissing,
					 dr_xasprintf("PowerDNS table %.*s", (int)tlen, want));
			continue;
		}
		add_line(&rep->missing, &rep->nmissing,
			 dr_xasprintf("PowerDNS column %s (a 4.7 schema needs it)", want));
	}
	for (size_t i = 0; i < NELEM(pdns_indexes); i++) {
		bool have = false;

		for (int r = 0; r < PQntuples(idx); r++)
			if (!strcmp(PQgetvalue(idx, r, 0), pdns_indexes[i]))
				have = true;
		if (!have)
			add_line(&rep->missing, &rep->nmissing,
				 dr_xasprintf("PowerDNS index %s", pdns_indexes[i]));
	}
	PQclear(cols);
	PQclear(idx);
	return 0;
}

static int inspect_drover(PGconn *conn, struct dr_schema_report *rep, struct dr_error *err)
{
	PGresult *res = NULL;
	char digest[17];
	int rc;

	rc = dr_db_exec(conn, "SELECT to_regclass('drover.schema_version') IS NOT NULL", 0, NULL,
			&res, err);
	if (rc)
		return rc;
	if (strcmp(PQgetvalue(res, 0, 0), "t")) {
		PQclear(res);
		rep->db_version = 0;
		rep->functions_current = false;
		add_line(&rep->missing, &rep->nmissing, dr_xstrdup("drover schema"));
		goto pending;
	}
	PQclear(res);
	rc = dr_db_exec(conn, "SELECT coalesce(max(version), 0) FROM drover.schema_version", 0,
			NULL, &res, err);
	if (rc)
		return rc;
	rep->db_version = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	functions_digest(digest);
	{
		const char *p[1] = { digest };

		rc = dr_db_exec(conn,
				"SELECT count(*) FROM drover.schema_meta"
				" WHERE key = 'functions_digest' AND value = $1",
				1, p, &res, err);
	}
	if (rc)
		return rc;
	rep->functions_current = strcmp(PQgetvalue(res, 0, 0), "0") != 0;
	PQclear(res);
pending:
	for (size_t i = 0; i < dr_sql_nfiles; i++) {
		int n = migration_number(dr_sql_files[i].name);

		if (n > rep->db_version)
			add_line(&rep->pending, &rep->npending, dr_xstrdup(dr_sql_files[i].name));
	}
	return 0;
}

int dr_schema_inspect(PGconn *conn, struct dr_schema_report *rep, struct dr_error *err)
{
	int rc;

	memset(rep, 0, sizeof(*rep));
	rep->binary_version = dr_schema_binary_version();
	rc = pdns_schema_name(conn, &rep->pdns_schema, err);
	if (!rc)
		rc = inspect_pdns(conn, rep, err);
	if (!rc)
		rc = inspect_drover(conn, rep, err);
	if (rc)
		dr_schema_report_release(rep);
	return rc;
}

static bool pdns_incomplete(const struct dr_schema_report *rep)
{
	for (size_t i = 0; i < rep->nmissing; i++)
		if (!strncmp(rep->missing[i], "PowerDNS ", 9))
			return true;
	return false;
}

/* Pin the search path of every function in schema drover to the PowerDNS
 * schema, then pg_catalog, then pg_temp, so triggers and SECURITY DEFINER
 * functions find the PowerDNS tables whatever the caller's search_path is,
 * and a caller's temporary table named "domains" cannot stand in for the
 * real one (pg_temp comes first when it is not named). */
static int pin_search_path(PGconn *conn, const char *pdns_schema, struct dr_error *err)
{
	PGresult *res;
	char *ident;
	int rc;

	rc = dr_db_exec(conn,
			"SELECT p.oid::regprocedure::text FROM pg_proc p"
			" WHERE p.pronamespace = 'drover'::regnamespace AND p.prokind = 'f'",
			0, NULL, &res, err);
	if (rc)
		return rc;
	ident = PQescapeIdentifier(conn, pdns_schema, strlen(pdns_schema));
	if (!ident)
		dr_oom();
	for (int r = 0; !rc && r < PQntuples(res); r++) {
		/* DDL takes no parameters: both names come from the catalogs,
		 * the schema quoted by PQescapeIdentifier */
		char *sql = dr_xasprintf("ALTER FUNCTION %s SET search_path = %s, pg_catalog, "
					 "pg_temp",
					 PQgetvalue(res, r, 0), ident);

		rc = dr_db_exec(conn, sql, 0, NULL, NULL, err);
		free(sql);
	}
	PQfreemem(ident);
	PQclear(res);
	return rc;
}

static int apply_functions(PGconn *conn, const char *pdns_schema, struct dr_error *err)
{
	char digest[17];
	const char *p[2] = { digest, pdns_schema };
	int rc;

	for (size_t i = 0; i < dr_sql_nfiles; i++) {
		if (!is_function_file(dr_sql_files[i].name))
			continue;
		rc = dr_db_exec_script(conn, dr_sql_files[i].text, dr_sql_files[i].name, err);
		if (rc)
			return rc;
	}
	rc = pin_search_path(conn, pdns_schema, err);
	if (rc)
		return rc;
	functions_digest(digest);
	return dr_db_exec(conn,
			  "INSERT INTO drover.schema_meta (key, value)"
			  " VALUES ('functions_digest', $1), ('pdns_schema', $2)"
			  " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
			  2, p, NULL, err);
}

static int install_locked(PGconn *conn, bool *changed, struct dr_error *err)
{
	struct dr_schema_report rep;
	int rc;

	rc = dr_schema_inspect(conn, &rep, err);
	if (rc)
		return rc;
	if (rep.db_version > rep.binary_version) {
		rc = dr_error_set(err, DR_ESCHEMA, "schema",
				  "the database's drover schema is version %d, newer than this "
				  "drover (version %d): upgrade drover",
				  rep.db_version, rep.binary_version);
		goto out;
	}
	{
		const char *p[1] = { rep.pdns_schema };

		/* the PowerDNS DDL, migrations and functions name the PowerDNS
		 * tables unqualified: aim them at that schema for the transaction */
		rc = dr_db_exec(conn, "SELECT set_config('search_path', quote_ident($1), true)", 1,
				p, NULL, err);
		if (rc)
			goto out;
	}
	if (pdns_incomplete(&rep)) {
		rc = dr_db_exec_script(conn, sql_file_text(PDNS_SCHEMA_FILE), PDNS_SCHEMA_FILE, err);
		if (rc)
			goto out;
		*changed = true;
	}
	for (size_t i = 0; i < rep.npending; i++) {
		const char *name = rep.pending[i];
		char num[16];
		const char *p[2] = { num, name };

		snprintf(num, sizeof(num), "%d", migration_number(name));
		rc = dr_db_exec_script(conn, sql_file_text(name), name, err);
		if (!rc)
			rc = dr_db_exec(conn,
					"INSERT INTO drover.schema_version (version, name)"
					" VALUES ($1, $2)",
					2, p, NULL, err);
		if (rc)
			goto out;
		*changed = true;
	}
	if (!rep.functions_current) {
		rc = apply_functions(conn, rep.pdns_schema, err);
		if (rc)
			goto out;
		*changed = true;
	}
out:
	dr_schema_report_release(&rep);
	return rc;
}

int dr_schema_install(PGconn *conn, bool *changed, struct dr_error *err)
{
	int rc;

	*changed = false;
	rc = dr_db_begin(conn, err);
	if (rc)
		return rc;
	rc = dr_db_exec(conn, "SET LOCAL client_min_messages = warning", 0, NULL, NULL, err);
	if (!rc)
		rc = dr_db_exec(conn, "SELECT pg_advisory_xact_lock(" INIT_LOCK_KEY ")", 0, NULL,
				NULL, err);
	if (!rc)
		rc = install_locked(conn, changed, err);
	if (!rc)
		rc = dr_db_commit(conn, err);
	if (rc) {
		dr_db_rollback(conn);
		*changed = false;
	}
	return rc;
}

static int sql_api_state(PGconn *conn, struct dr_sql_api *api, char *default_version,
			 size_t len, struct dr_error *err)
{
	PGresult *res;
	int rc;

	rc = dr_db_exec(conn,
			"SELECT (SELECT default_version FROM pg_available_extensions"
			"   WHERE name = 'drover_api'),"
			" (SELECT extversion FROM pg_extension WHERE extname = 'drover_api'),"
			" EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'drover_provisioner')",
			0, NULL, &res, err);
	if (rc)
		return rc;
	api->available = !PQgetisnull(res, 0, 0);
	api->installed = !PQgetisnull(res, 0, 1);
	api->provisioner = !strcmp(PQgetvalue(res, 0, 2), "t");
	snprintf(api->version, sizeof(api->version), "%s", PQgetvalue(res, 0, 1));
	snprintf(default_version, len, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

int dr_schema_sql_api(PGconn *conn, bool install, struct dr_sql_api *api, struct dr_error *err)
{
	char want[32];
	int rc;

	memset(api, 0, sizeof(*api));
	if (!install)
		return sql_api_state(conn, api, want, sizeof(want), err);
	rc = dr_db_begin(conn, err);
	if (rc)
		return rc;
	/* under the init lock, so concurrent inits create it once */
	rc = dr_db_exec(conn, "SELECT pg_advisory_xact_lock(" INIT_LOCK_KEY ")", 0, NULL, NULL,
			err);
	if (!rc)
		rc = sql_api_state(conn, api, want, sizeof(want), err);
	if (!rc && api->available && !api->installed)
		rc = dr_db_exec(conn, "CREATE EXTENSION drover_api", 0, NULL, NULL, err);
	else if (!rc && api->available && strcmp(api->version, want))
		rc = dr_db_exec(conn, "ALTER EXTENSION drover_api UPDATE", 0, NULL, NULL, err);
	if (!rc)
		rc = dr_db_exec(conn, "SELECT drover.grant_provisioner()", 0, NULL, NULL, err);
	if (!rc)
		rc = dr_db_commit(conn, err);
	if (rc) {
		dr_db_rollback(conn);
		dr_error_prefix(err, "SQL API (extension drover_api)");
		return rc;
	}
	return sql_api_state(conn, api, want, sizeof(want), err);
}
