/* src/cli_rrset.c - `drover rrset replace|add|delete|list`: one rrset at a
 * time (src/rrset.c validates and writes, one transaction per command). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "drover/db.h"
#include "drover/rrset.h"
#include "banned.h"

static const struct dr_opt write_opts[] = {
	CLI_WAIT_OPT,
	{ NULL, false, 0, NULL, NULL },
};

static int on_opt(void *ctx, int id, const char *value, struct dr_error *err)
{
	return id == CLI_OPT_WAIT ? cli_wait_opt(value, ctx, err) : 0;
}

static int rrset_write(struct cli *cli, int argc, char **argv, enum dr_rrset_op op)
{
	struct dr_rrset_result res;
	double wait = -1;
	PGconn *conn;
	bool help;
	int npos, rc;

	rc = cli_parse(cli, argc, argv, write_opts, on_opt, &wait,
		       op == DR_RRSET_REPLACE
			       ? "rrset replace ZONE NAME TYPE TTL CONTENT... [--wait[=SECONDS]]"
			       : "rrset add ZONE NAME TYPE TTL CONTENT... [--wait[=SECONDS]]",
		       &npos, &help);
	if (rc || help)
		return rc;
	conn = cli_start(cli, npos, 5, true, "ZONE NAME TYPE TTL CONTENT...", argv, &rc);
	if (!conn)
		return rc;
	if (dr_rrset_write(conn, op, argv[0], argv[1], argv[2], argv[3],
			   (const char *const *)argv + 4, (size_t)npos - 4, &res, &cli->err)) {
		rc = cli->err.code == DR_EUSAGE ? cli_usage_error(cli, "%s", cli->err.msg)
						: cli_fail(cli);
	} else {
		if (op == DR_RRSET_REPLACE)
			printf("rrset %s %s replaced: %zu record%s, TTL %lld\n", res.owner, res.type,
			       res.nrecords, res.nrecords == 1 ? "" : "s", res.ttl);
		else
			printf("rrset %s %s: %zu record%s added, %zu in all, TTL %lld\n", res.owner,
			       res.type, res.nadded, res.nadded == 1 ? "" : "s", res.nrecords,
			       res.ttl);
		rc = cli_wait(cli, conn, wait);
	}
	dr_db_close(conn);
	return rc;
}

static int rrset_replace(struct cli *cli, int argc, char **argv)
{
	return rrset_write(cli, argc, argv, DR_RRSET_REPLACE);
}

static int rrset_add(struct cli *cli, int argc, char **argv)
{
	return rrset_write(cli, argc, argv, DR_RRSET_ADD);
}

static int rrset_delete(struct cli *cli, int argc, char **argv)
{
	struct dr_rrset_result res;
	double wait = -1;
	PGconn *conn;
	bool help;
	int npos, rc;

	rc = cli_parse(cli, argc, argv, write_opts, on_opt, &wait,
		       "rrset delete ZONE NAME TYPE [--wait[=SECONDS]]", &npos, &help);
	if (rc || help)
		return rc;
	conn = cli_start(cli, npos, 3, false, "ZONE NAME TYPE", argv, &rc);
	if (!conn)
		return rc;
	if (dr_rrset_delete(conn, argv[0], argv[1], argv[2], &res, &cli->err)) {
		rc = cli_fail(cli);
	} else {
		printf("rrset %s %s deleted (%zu record%s)\n", res.owner, res.type, res.nrecords,
		       res.nrecords == 1 ? "" : "s");
		rc = cli_wait(cli, conn, wait);
	}
	dr_db_close(conn);
	return rc;
}

static int rrset_list(struct cli *cli, int argc, char **argv)
{
	return cli_zone_print_rrsets(cli, argc, argv, false);
}

static const struct cli_command rrset_subs[] = {
	{ "replace", "make the rrset exactly these records", rrset_replace },
	{ "add", "add records to the rrset", rrset_add },
	{ "delete", "delete the rrset", rrset_delete },
	{ "list", "list a zone's rrsets", rrset_list },
	{ NULL, NULL, NULL },
};

static void rrset_help(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s rrset replace ZONE NAME TYPE TTL CONTENT...\n"
		"       %s rrset add ZONE NAME TYPE TTL CONTENT...\n"
		"       %s rrset delete ZONE NAME TYPE\n"
		"       %s rrset list ZONE [--json]\n"
		"\nNAME is relative to ZONE, '@' for the apex, or absolute with a trailing dot.\n"
		"Each CONTENT is one record's data as in a zone file (quote it).\n"
		"'%s rrset SUBCOMMAND --help' describes each.\n",
		prog, prog, prog, prog, prog);
}

int cli_rrset_run(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, "rrset", rrset_subs, rrset_help, argc, argv);
}
