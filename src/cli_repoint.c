/* src/cli_repoint.c - `drover repoint OLD_IP NEW_IP`: the failover command
 * (src/repoint.c does the work). Prints how many zones and records changed;
 * --dry-run lists each change and writes nothing; --json for machines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli.h"
#include "drover/db.h"
#include "drover/repoint.h"
#include "drover/util.h"
#include "banned.h"

enum { OPT_ZONE = 1, OPT_SPF, OPT_DRY_RUN, OPT_JSON };

struct repoint_args {
	struct dr_repoint_spec spec;
	bool json;
	double wait;
};

static const struct dr_opt repoint_opts[] = {
	{ "zone", true, OPT_ZONE, "GLOB", "only zones whose name matches, e.g. '*.example.com'" },
	{ "include-spf", false, OPT_SPF, NULL,
	  "also rewrite ip4:/ip6: mechanisms in TXT and SPF records" },
	{ "dry-run", false, OPT_DRY_RUN, NULL, "list what would change; write nothing" },
	{ "json", false, OPT_JSON, NULL, "print JSON" },
	CLI_WAIT_OPT,
	{ NULL, false, 0, NULL, NULL },
};

static int on_opt(void *ctx, int id, const char *value, struct dr_error *err)
{
	struct repoint_args *a = ctx;

	switch (id) {
	case CLI_OPT_WAIT: return cli_wait_opt(value, &a->wait, err);
	case OPT_ZONE: a->spec.zone_glob = value; break;
	case OPT_SPF: a->spec.include_spf = true; break;
	case OPT_DRY_RUN: a->spec.dry_run = true; break;
	case OPT_JSON: a->json = true; break;
	}
	return 0;
}

static void print_json(const struct repoint_args *a, const struct dr_repoint_result *res)
{
	json_t *changes = json_array();

	for (size_t i = 0; i < res->nchanges; i++) {
		const struct dr_repoint_change *c = &res->changes[i];

		json_array_append_new(changes,
				      json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "zone", c->zone,
						"name", c->name, "type", c->type, "old",
						c->old_content, "new", c->new_content, "removed",
						c->removed));
	}
	cli_print_json(json_pack("{s:s, s:s, s:b, s:I, s:I, s:o}", "old", a->spec.old_ip, "new",
				 a->spec.new_ip, "dry_run", a->spec.dry_run, "zones",
				 (json_int_t)res->zones, "records", (json_int_t)res->records,
				 "changes", changes));
}

static void print_text(const struct repoint_args *a, const struct dr_repoint_result *res)
{
	if (a->spec.dry_run) {
		for (size_t i = 0; i < res->nchanges; i++) {
			const struct dr_repoint_change *c = &res->changes[i];

			if (c->removed)
				printf("%s %s %s: %s removed (the rrset already holds %s)\n",
				       c->zone, c->name, c->type, c->old_content, c->new_content);
			else
				printf("%s %s %s: %s -> %s\n", c->zone, c->name, c->type,
				       c->old_content, c->new_content);
		}
		printf("would change %zu record%s in %zu zone%s (dry run: nothing written)\n",
		       res->records, res->records == 1 ? "" : "s", res->zones,
		       res->zones == 1 ? "" : "s");
		return;
	}
	printf("repointed %s -> %s: %zu record%s in %zu zone%s\n", a->spec.old_ip, a->spec.new_ip,
	       res->records, res->records == 1 ? "" : "s", res->zones, res->zones == 1 ? "" : "s");
}

int cli_repoint_run(struct cli *cli, int argc, char **argv)
{
	struct repoint_args a = { .wait = -1 };
	struct dr_repoint_result res;
	PGconn *conn;
	bool help;
	int npos, rc;

	rc = cli_parse(cli, argc, argv, repoint_opts, on_opt, &a,
		       "repoint OLD_IP NEW_IP [--zone GLOB] [--include-spf] [--dry-run] [--json] "
		       "[--wait[=SECONDS]]",
		       &npos, &help);
	if (rc || help)
		return rc;
	conn = cli_start(cli, npos, 2, false, "OLD_IP NEW_IP", argv, &rc);
	if (!conn)
		return rc;
	a.spec.old_ip = argv[0];
	a.spec.new_ip = argv[1];
	if (dr_repoint(conn, &a.spec, &res, &cli->err)) {
		rc = cli_fail(cli);
	} else {
		if (a.json)
			print_json(&a, &res);
		else
			print_text(&a, &res);
		dr_repoint_result_release(&res);
		if (!a.spec.dry_run)
			rc = cli_wait(cli, conn, a.wait);
	}
	dr_db_close(conn);
	return rc;
}
