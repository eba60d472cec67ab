/* src/cli_zone.c - `drover zone create|delete|list|show|rectify` and the
 * dispatch of every `zone` subcommand: zones in the
 * PowerDNS tables (src/zone.c does the work); tables for people, --json for
 * machines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli.h"
#include "drover/db.h"
#include "drover/util.h"
#include "drover/zone.h"
#include "banned.h"

enum {
	OPT_KIND = 1,
	OPT_NS,
	OPT_PRIMARY_IP,
	OPT_SOA_MNAME,
	OPT_SOA_RNAME,
	OPT_TTL,
	OPT_ACCOUNT,
	OPT_MATCH,
	OPT_JSON,
	OPT_TEMPLATE,
	OPT_VAR,
};

struct zone_args {
	const char *kind, *soa_mname, *soa_rname, *ttl, *account, *match, *tmpl;
	const char **ns, **primaries;
	const char **vars;
	size_t nns, nprimaries, nvars;
	bool json;
	double wait; /* < 0: no --wait */
};

static const struct dr_opt create_opts[] = {
	{ "kind", true, OPT_KIND, "KIND", "native (default), primary or secondary" },
	{ "ns", true, OPT_NS, "HOST", "a nameserver for the NS rrset (repeat for more)" },
	{ "primary-ip", true, OPT_PRIMARY_IP, "IP", "a secondary zone's primary (repeatable)" },
	{ "soa-mname", true, OPT_SOA_MNAME, "HOST", "SOA primary name server (default: first --ns)" },
	{ "soa-rname", true, OPT_SOA_RNAME, "MAILBOX",
	  "SOA contact, hostmaster@example.com (default hostmaster.ZONE)" },
	{ "ttl", true, OPT_TTL, "N", "TTL of the SOA and NS records (default 3600)" },
	{ "account", true, OPT_ACCOUNT, "NAME", "domains.account (at most 40 characters)" },
	{ "template", true, OPT_TEMPLATE, "NAME", "write this template's records into the zone" },
	{ "var", true, OPT_VAR, "NAME=VALUE", "a template variable, e.g. ip=192.0.2.10 (repeatable)" },
	CLI_WAIT_OPT,
	{ NULL, false, 0, NULL, NULL },
};

static const struct dr_opt delete_opts[] = {
	CLI_WAIT_OPT,
	{ NULL, false, 0, NULL, NULL },
};

static const struct dr_opt list_opts[] = {
	{ "json", false, OPT_JSON, NULL, "print JSON" },
	{ "account", true, OPT_ACCOUNT, "NAME", "only zones of this account" },
	{ "match", true, OPT_MATCH, "GLOB", "only zones whose name matches, e.g. '*.example.com'" },
	{ NULL, false, 0, NULL, NULL },
};

static const struct dr_opt json_opts[] = {
	{ "json", false, OPT_JSON, NULL, "print JSON" },
	{ NULL, false, 0, NULL, NULL },
};

static void push(const char ***list, size_t *n, const char *v)
{
	*list = dr_xrealloc(*list, (*n + 1) * sizeof(**list));
	(*list)[(*n)++] = v;
}

static int on_opt(void *ctx, int id, const char *value, struct dr_error *err)
{
	struct zone_args *a = ctx;

	switch (id) {
	case CLI_OPT_WAIT: return cli_wait_opt(value, &a->wait, err);
	case OPT_KIND: a->kind = value; break;
	case OPT_NS: push(&a->ns, &a->nns, value); break;
	case OPT_PRIMARY_IP: push(&a->primaries, &a->nprimaries, value); break;
	case OPT_SOA_MNAME: a->soa_mname = value; break;
	case OPT_SOA_RNAME: a->soa_rname = value; break;
	case OPT_TTL: a->ttl = value; break;
	case OPT_ACCOUNT: a->account = value; break;
	case OPT_MATCH: a->match = value; break;
	case OPT_JSON: a->json = true; break;
	case OPT_TEMPLATE: a->tmpl = value; break;
	case OPT_VAR: push(&a->vars, &a->nvars, value); break;
	}
	return 0;
}

static void args_release(struct zone_args *a)
{
	free(a->ns);
	free(a->primaries);
	free(a->vars);
}

static int zone_create(struct cli *cli, int argc, char **argv)
{
	struct zone_args a = { .wait = -1 };
	struct dr_zone_spec spec = { 0 };
	struct dr_template tmpl = { 0 };
	struct dr_template_var *vars = NULL;
	char *stored = NULL;
	PGconn *conn = NULL;
	bool help;
	int npos, rc;

	rc = cli_parse(cli, argc, argv, create_opts, on_opt, &a,
		       "zone create NAME [--kind native|primary|secondary] [--ns HOST ...] "
		       "[--primary-ip IP ...] [--soa-mname HOST] [--soa-rname MAILBOX] [--ttl N] "
		       "[--account NAME] [--template NAME [--var NAME=VALUE ...]] "
		       "[--wait[=SECONDS]]",
		       &npos, &help);
	if (rc || help)
		goto out;
	spec.name = npos > 0 ? argv[0] : NULL;
	spec.ttl = -1;
	if (a.kind && dr_zone_kind_parse(a.kind, &spec.kind, &cli->err)) {
		rc = cli_usage_error(cli, "%s", cli->err.msg);
		goto out;
	}
	if (a.ttl && !dr_parse_ll(a.ttl, 0, 2147483647LL, &spec.ttl)) {
		rc = cli_usage_error(cli, "--ttl: must be 0..2147483647, got '%s'", a.ttl);
		goto out;
	}
	spec.ns = a.ns;
	spec.nns = a.nns;
	spec.primaries = a.primaries;
	spec.nprimaries = a.nprimaries;
	spec.soa_mname = a.soa_mname;
	spec.soa_rname = a.soa_rname;
	spec.account = a.account;
	if (a.nvars && !a.tmpl) {
		rc = cli_usage_error(cli, "--var is for --template");
		goto out;
	}
	vars = dr_xcalloc(a.nvars + 1, sizeof(*vars));
	for (size_t i = 0; i < a.nvars; i++)
		if (dr_template_var_parse(a.vars[i], &vars[i], &cli->err)) {
			rc = cli_usage_error(cli, "%s", cli->err.msg);
			goto out;
		}
	conn = cli_start(cli, npos, 1, false, "NAME", argv, &rc);
	if (!conn)
		goto out;
	if (a.tmpl) {
		if (dr_template_load(conn, a.tmpl, &tmpl, &cli->err)) {
			rc = cli_fail(cli);
			goto out;
		}
		spec.tmpl = &tmpl;
		spec.vars = vars;
		spec.nvars = a.nvars;
	}
	if (dr_zone_create(conn, &spec, &stored, &cli->err)) {
		rc = cli->err.code == DR_EUSAGE ? cli_usage_error(cli, "%s", cli->err.msg)
						: cli_fail(cli);
		goto out;
	}
	printf("zone '%s.' created (%s%s%s)\n", stored, a.kind ? a.kind : "native",
	       a.tmpl ? ", template " : "", a.tmpl ? a.tmpl : "");
	rc = cli_wait(cli, conn, a.wait);
out:
	dr_template_release(&tmpl);
	free(vars);
	free(stored);
	dr_db_close(conn);
	args_release(&a);
	return rc;
}

static int zone_delete(struct cli *cli, int argc, char **argv)
{
	struct zone_args a = { .wait = -1 };
	PGconn *conn;
	bool help;
	int npos, rc;

	rc = cli_parse(cli, argc, argv, delete_opts, on_opt, &a, "zone delete NAME [--wait[=SECONDS]]",
		       &npos, &help);
	if (rc || help)
		return rc;
	conn = cli_start(cli, npos, 1, false, "NAME", argv, &rc);
	if (!conn)
		return rc;
	if (dr_zone_delete(conn, argv[0], &cli->err)) {
		rc = cli_fail(cli);
	} else {
		printf("zone '%s' deleted\n", argv[0]);
		rc = cli_wait(cli, conn, a.wait);
	}
	dr_db_close(conn);
	return rc;
}

static int zone_rectify(struct cli *cli, int argc, char **argv)
{
	struct zone_args a = { .wait = -1 };
	long long changed = 0;
	PGconn *conn;
	bool help;
	int npos, rc;

	rc = cli_parse(cli, argc, argv, delete_opts, on_opt, &a,
		       "zone rectify NAME [--wait[=SECONDS]]", &npos, &help);
	if (rc || help)
		return rc;
	conn = cli_start(cli, npos, 1, false, "NAME", argv, &rc);
	if (!conn)
		return rc;
	if (dr_zone_rectify(conn, argv[0], &changed, &cli->err)) {
		rc = cli_fail(cli);
	} else {
		printf("zone '%s' rectified: %lld rows changed\n", argv[0], changed);
		rc = cli_wait(cli, conn, a.wait);
	}
	dr_db_close(conn);
	return rc;
}

static json_t *zone_json(const struct dr_zone_info *z)
{
	json_t *o = json_pack("{s:s, s:s, s:s?, s:I}", "name", z->name, "kind", z->kind,
			      "account", z->account, "records", (json_int_t)z->nrecords);

	json_object_set_new(o, "serial", z->serial < 0 ? json_null() : json_integer(z->serial));
	return o;
}

static int zone_list(struct cli *cli, int argc, char **argv)
{
	struct zone_args a = { .wait = -1 };
	struct dr_zone_info *list = NULL;
	size_t n = 0;
	PGconn *conn;
	bool help;
	int npos, rc;

	rc = cli_parse(cli, argc, argv, list_opts, on_opt, &a,
		       "zone list [--json] [--account NAME] [--match GLOB]", &npos, &help);
	if (rc || help)
		return rc;
	conn = cli_start(cli, npos, 0, false, "", argv, &rc);
	if (!conn)
		return rc;
	if (dr_zone_list(conn, a.account, a.match, &list, &n, &cli->err)) {
		rc = cli_fail(cli);
		goto out;
	}
	if (a.json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, zone_json(&list[i]));
		cli_print_json(arr);
	} else {
		printf("%-40s %-10s %-12s %-8s %s\n", "ZONE", "KIND", "SERIAL", "RECORDS", "ACCOUNT");
		for (size_t i = 0; i < n; i++) {
			char serial[24] = "-";

			if (list[i].serial >= 0)
				snprintf(serial, sizeof(serial), "%lld", list[i].serial);
			printf("%-40s %-10s %-12s %-8lld %s\n", list[i].name, list[i].kind, serial,
			       list[i].nrecords, list[i].account ? list[i].account : "-");
		}
	}
	rc = DR_EXIT_OK;
out:
	dr_zone_list_free(list, n);
	dr_db_close(conn);
	return rc;
}

static json_t *rrsets_json(const struct dr_rrset *sets, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *recs = json_array();

		for (size_t j = 0; j < sets[i].nrecords; j++)
			json_array_append_new(recs, json_string(sets[i].records[j]));
		json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:o}", "name", sets[i].name,
						     "type", sets[i].type, "ttl",
						     (json_int_t)sets[i].ttl, "records", recs));
	}
	return arr;
}

static void rrsets_print(const struct dr_rrset *sets, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < sets[i].nrecords; j++)
			printf("%s\t%lld\tIN\t%s\t%s\n", sets[i].name, sets[i].ttl, sets[i].type,
			       sets[i].records[j]);
}

/* `zone show` (with the zone's header) and `rrset list` (rrsets only). */
int cli_zone_print_rrsets(struct cli *cli, int argc, char **argv, bool header)
{
	struct zone_args a = { .wait = -1 };
	struct dr_zone_info info = { 0 };
	struct dr_rrset *sets = NULL;
	size_t n = 0;
	PGconn *conn;
	bool help;
	int npos, rc;

	rc = cli_parse(cli, argc, argv, json_opts, on_opt, &a,
		       header ? "zone show NAME [--json]" : "rrset list ZONE [--json]", &npos,
		       &help);
	if (rc || help)
		return rc;
	conn = cli_start(cli, npos, 1, false, header ? "NAME" : "ZONE", argv, &rc);
	if (!conn)
		return rc;
	if (dr_zone_rrsets(conn, argv[0], &info, &sets, &n, &cli->err)) {
		rc = cli_fail(cli);
		goto out;
	}
	if (a.json) {
		json_t *j = rrsets_json(sets, n);

		if (header) {
			json_t *z = zone_json(&info);

			json_object_set_new(z, "rrsets", j);
			j = z;
		}
		cli_print_json(j);
	} else {
		if (header)
			printf("; zone %s kind %s serial %lld account %s\n", info.name, info.kind,
			       info.serial, info.account ? info.account : "-");
		rrsets_print(sets, n);
	}
	rc = DR_EXIT_OK;
	free(info.name);
	free(info.kind);
	free(info.account);
out:
	dr_rrsets_free(sets, n);
	dr_db_close(conn);
	return rc;
}

static void zone_help(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s zone create NAME [--kind native|primary|secondary] [--ns HOST ...]\n"
		"              [--primary-ip IP ...] [--soa-mname HOST] [--soa-rname MAILBOX]\n"
		"              [--ttl N] [--account NAME]\n"
		"       %s zone delete NAME\n"
		"       %s zone rectify NAME\n"
		"       %s zone list [--json] [--account NAME] [--match GLOB]\n"
		"       %s zone show NAME [--json]\n"
		"       %s zone import NAME FILE|- [--replace] [--include-dir DIR]\n"
		"       %s zone import --dir DIR [--replace] [--keep-going] [--include-dir DIR]\n"
		"       %s zone export NAME\n"
		"       %s zone secure NAME [--algorithm ALG] [--nsec3 'ALG FLAGS ITER SALT' "
		"[--narrow]]\n"
		"       %s zone unsecure NAME\n"
		"       %s zone keys NAME [--json]\n"
		"       %s zone ds NAME\n"
		"\n'%s zone SUBCOMMAND --help' describes each.\n",
		prog, prog, prog, prog, prog, prog, prog, prog, prog, prog, prog, prog, prog);
}

static int zone_show(struct cli *cli, int argc, char **argv)
{
	return cli_zone_print_rrsets(cli, argc, argv, true);
}

static const struct cli_command zone_subs[] = {
	{ "create", "create a zone with its SOA and NS", zone_create },
	{ "delete", "delete a zone and everything in it", zone_delete },
	{ "list", "list zones", zone_list },
	{ "rectify", "recompute auth, ordername and empty non-terminals (DNSSEC-aware)",
	  zone_rectify },
	{ "show", "print a zone's rrsets", zone_show },
	{ "import", "load zone files (BIND format), merged or --replace", cli_zone_import },
	{ "export", "print a zone as a zone file", cli_zone_export },
	{ "secure", "sign a zone: a key made by PowerDNS, NSEC or NSEC3", cli_zone_secure },
	{ "unsecure", "remove a zone's keys: serve it unsigned", cli_zone_unsecure },
	{ "keys", "list a zone's DNSSEC keys", cli_zone_keys },
	{ "ds", "print the DS records for the parent zone", cli_zone_ds },
	{ NULL, NULL, NULL },
};

int cli_zone_run(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, "zone", zone_subs, zone_help, argc, argv);
}
