/* src/cli_init.c - `drover init [--check]`: install or upgrade the PowerDNS
 * tables and drover's schema (src/schema.c does the work), or report what
 * is missing or outdated without changing anything. */
#include <stdio.h>

#include "cli.h"
#include "drover/db.h"
#include "drover/schema.h"
#include "banned.h"

enum { OPT_CHECK = 1 };

static const struct dr_opt init_opts[] = {
	{ "check", false, OPT_CHECK, NULL, "report what is missing or outdated; change nothing" },
	{ NULL, false, 0, NULL, NULL },
};

static int on_opt(void *ctx, int id, const char *value, struct dr_error *err)
{
	bool *check = ctx;

	(void)value;
	(void)err;
	if (id == OPT_CHECK)
		*check = true;
	return 0;
}

static void print_sql_api(const struct dr_sql_api *api)
{
	if (api->installed)
		printf("SQL API: installed (extension drover_api %s); role drover_provisioner %s\n",
		       api->version,
		       api->provisioner ? "may call it" : "does not exist (create it, then run init)");
	else if (api->available)
		printf("SQL API: not installed (extension drover_api is available: run init)\n");
	else
		printf("SQL API: not available (this PostgreSQL server lacks the drover_api "
		       "extension)\n");
}

static int run_check(struct cli *cli, PGconn *conn)
{
	struct dr_sql_api api;
	struct dr_schema_report rep;
	int rc;

	if (dr_schema_inspect(conn, &rep, &cli->err))
		return cli_fail(cli);
	printf("drover schema: database version %d, this drover version %d\n", rep.db_version,
	       rep.binary_version);
	for (size_t i = 0; i < rep.nmissing; i++)
		printf("missing: %s\n", rep.missing[i]);
	for (size_t i = 0; i < rep.npending; i++)
		printf("pending migration: %s\n", rep.pending[i]);
	if (rep.db_version > 0 && !rep.functions_current)
		printf("outdated: drover functions (sql/functions)\n");
	if (dr_schema_sql_api(conn, false, &api, &cli->err)) {
		dr_schema_report_release(&rep);
		return cli_fail(cli);
	}
	print_sql_api(&api);
	if (rep.db_version > rep.binary_version) {
		dr_error_set(&cli->err, DR_ESCHEMA, "schema",
			     "the database's drover schema is version %d, newer than this drover "
			     "(version %d): upgrade drover",
			     rep.db_version, rep.binary_version);
		rc = cli_fail(cli);
	} else if (rep.nmissing || rep.npending || !rep.functions_current) {
		printf("schema is not current: run '%s init'\n", cli->prog);
		rc = DR_EXIT_PROBLEM;
	} else {
		printf("schema is current\n");
		rc = DR_EXIT_OK;
	}
	dr_schema_report_release(&rep);
	return rc;
}

int cli_init_run(struct cli *cli, int argc, char **argv)
{
	struct dr_sql_api api;
	bool check = false, help, changed;
	PGconn *conn;
	int npos, rc;

	rc = cli_parse(cli, argc, argv, init_opts, on_opt, &check, "init [--check] [OPTIONS]",
		       &npos, &help);
	if (rc || help)
		return rc;
	conn = cli_start(cli, npos, 0, false, "", argv, &rc);
	if (!conn)
		return rc;
	if (check) {
		rc = run_check(cli, conn);
	} else if (dr_schema_install(conn, &changed, &cli->err) ||
		   dr_schema_sql_api(conn, true, &api, &cli->err)) {
		rc = cli_fail(cli);
	} else {
		printf(changed ? "installed: drover schema version %d\n"
			       : "nothing to do: schema is current (drover schema version %d)\n",
		       dr_schema_binary_version());
		print_sql_api(&api);
		rc = DR_EXIT_OK;
	}
	dr_db_close(conn);
	return rc;
}
