/* include/drover/schema.h - `drover init`: install the PowerDNS 4.7 gpgsql
 * tables when absent and drover's own versioned schema, from the SQL files
 * built into the binary (sql/). Everything runs in one transaction under an
 * advisory lock; the check mode reads the catalogs and changes nothing. */
#ifndef DROVER_SCHEMA_H
#define DROVER_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>

#include "drover/err.h"

/* One SQL file built into the binary (generated src/sql_files.c). */
struct dr_sql_file {
	const char *name; /* "0001-registry.sql", "functions/x.sql", "pdns/schema-4.7.sql" */
	const char *text;
};
extern const struct dr_sql_file dr_sql_files[];
extern const size_t dr_sql_nfiles;

/* What the database holds compared with this binary. Filled by
 * dr_schema_inspect; release with dr_schema_report_release. */
struct dr_schema_report {
	char *pdns_schema;   /* where the PowerDNS tables are or will be ("public") */
	int db_version;      /* highest applied drover migration, 0 if none */
	int binary_version;  /* highest migration this binary carries */
	bool functions_current;
	char **missing;      /* human lines: "table records", "column domains.catalog", ... */
	size_t nmissing;
	char **pending;      /* migration file names not yet applied */
	size_t npending;
};

/* Highest migration number built into this binary. */
int dr_schema_binary_version(void);

/* Read the catalogs; no writes, no locks beyond a plain read. */
int dr_schema_inspect(PGconn *conn, struct dr_schema_report *rep, struct dr_error *err)
	DR_MUSTCHECK;
void dr_schema_report_release(struct dr_schema_report *rep);

/* Install or upgrade in one transaction. Refuses (DR_ESCHEMA) a database
 * whose drover schema is newer than this binary, before changing anything.
 * *changed tells whether anything was written. */
int dr_schema_install(PGconn *conn, bool *changed, struct dr_error *err) DR_MUSTCHECK;

/* The SQL API (sql/functions/api.sql over the drover_api extension). */
struct dr_sql_api {
	bool available;   /* the server has the extension's files */
	bool installed;   /* the database has the extension */
	bool provisioner; /* the drover_provisioner role exists (and, after
			   * install, may call the API) */
	char version[32]; /* installed version, "" if none */
};

/* Read the SQL API's state; with install, also create the extension when
 * the server has it and the database does not (update it when older) and
 * grant the drover_provisioner role the API, in one transaction. */
int dr_schema_sql_api(PGconn *conn, bool install, struct dr_sql_api *api, struct dr_error *err)
	DR_MUSTCHECK;

#endif
