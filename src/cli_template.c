/* src/cli_template.c - `drover template add|list|show|remove`: zone
 * templates (src/template.c does the work); tables for people, --json for
 * machines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli.h"
#include "drover/db.h"
#include "drover/template.h"
#include "drover/util.h"
#include "banned.h"

#define TEMPLATE_FILE_MAX (1024 * 1024)

enum { OPT_DESCRIPTION = 1, OPT_RECORD, OPT_FILE, OPT_REPLACE, OPT_JSON };

struct template_args {
	const char *description, *file;
	const char **records;
	size_t nrecords;
	bool replace, json;
};

static const struct dr_opt add_opts[] = {
	{ "record", true, OPT_RECORD, "'OWNER [TTL] TYPE DATA'",
	  "one record, e.g. 'www 300 A {ip}' (repeatable)" },
	{ "file", true, OPT_FILE, "FILE", "records, one per line ('-': standard input)" },
	{ "description", true, OPT_DESCRIPTION, "TEXT", "what the template is for" },
	{ "replace", false, OPT_REPLACE, NULL, "overwrite a template of that name" },
	{ NULL, false, 0, NULL, NULL },
};

static const struct dr_opt json_opts[] = {
	{ "json", false, OPT_JSON, NULL, "print JSON" },
	{ NULL, false, 0, NULL, NULL },
};

static const struct dr_opt no_opts[] = {
	{ NULL, false, 0, NULL, NULL },
};

static int on_opt(void *ctx, int id, const char *value, struct dr_error *err)
{
	struct template_args *a = ctx;

	(void)err;
	switch (id) {
	case OPT_DESCRIPTION: a->description = value; break;
	case OPT_FILE: a->file = value; break;
	case OPT_REPLACE: a->replace = true; break;
	case OPT_JSON: a->json = true; break;
	case OPT_RECORD:
		a->records = dr_xrealloc(a->records, (a->nrecords + 1) * sizeof(*a->records));
		a->records[a->nrecords++] = value;
		break;
	}
	return 0;
}

/* The template from --record and --file; errors are bad input. */
static int read_template(struct cli *cli, const struct template_args *a, struct dr_template *t)
{
	char *text = NULL;
	size_t len;
	int rc = 0;

	for (size_t i = 0; !rc && i < a->nrecords; i++) {
		struct dr_template_record r;

		rc = dr_template_parse_record(a->records[i], &r, &cli->err);
		if (!rc) {
			t->records = dr_xrealloc(t->records, (t->nrecords + 1) * sizeof(*t->records));
			t->records[t->nrecords++] = r;
		}
	}
	if (!rc && a->file) {
		rc = dr_read_file(strcmp(a->file, "-") ? a->file : "/dev/stdin", TEMPLATE_FILE_MAX,
				  &text, &len, &cli->err);
		if (!rc)
			rc = dr_template_parse_text(text, strcmp(a->file, "-") ? a->file : "stdin", t,
						    &cli->err);
		free(text);
	} else if (!rc) {
		rc = dr_template_check(t, &cli->err);
	}
	return rc;
}

static int template_add(struct cli *cli, int argc, char **argv)
{
	struct template_args a = { 0 };
	struct dr_template t = { 0 };
	PGconn *conn = NULL;
	bool help;
	int npos, rc;

	rc = cli_parse(cli, argc, argv, add_opts, on_opt, &a,
		       "template add NAME [--record 'OWNER [TTL] TYPE DATA' ...] [--file FILE|-] "
		       "[--description TEXT] [--replace]",
		       &npos, &help);
	if (rc || help)
		goto out;
	if (npos == 1 && dr_template_check_name(argv[0], &cli->err)) {
		rc = cli_fail(cli);
		goto out;
	}
	if (npos == 1 && !a.nrecords && !a.file) {
		rc = cli_usage_error(cli, "give the records with --record or --file");
		goto out;
	}
	t.name = npos == 1 ? dr_xstrdup(argv[0]) : NULL;
	t.description = a.description ? dr_xstrdup(a.description) : NULL;
	if (npos == 1 && read_template(cli, &a, &t)) {
		rc = cli_fail(cli);
		goto out;
	}
	conn = cli_start(cli, npos, 1, false, "NAME", argv, &rc);
	if (!conn)
		goto out;
	if (dr_template_save(conn, &t, a.replace, &cli->err)) {
		rc = cli_fail(cli);
		goto out;
	}
	printf("template '%s' %s (%zu records)\n", t.name, a.replace ? "saved" : "added",
	       t.nrecords);
out:
	dr_template_release(&t);
	free(a.records);
	dr_db_close(conn);
	return rc;
}

static char *record_line(const struct dr_template_record *r)
{
	char ttl[24] = "";

	if (r->ttl >= 0)
		snprintf(ttl, sizeof(ttl), " %lld", r->ttl);
	return dr_xasprintf("%s%s %s %s", r->owner, ttl, r->type, r->content);
}

static json_t *template_json(const struct dr_template *t)
{
	json_t *recs = json_array();

	for (size_t i = 0; i < t->nrecords; i++) {
		const struct dr_template_record *r = &t->records[i];
		json_t *o = json_pack("{s:s, s:s, s:s}", "owner", r->owner, "type", r->type,
				      "content", r->content);

		json_object_set_new(o, "ttl", r->ttl < 0 ? json_null() : json_integer(r->ttl));
		json_array_append_new(recs, o);
	}
	return json_pack("{s:s, s:s, s:o}", "name", t->name, "description", t->description,
			 "records", recs);
}

static int template_list(struct cli *cli, int argc, char **argv)
{
	struct template_args a = { 0 };
	struct dr_template *list = NULL;
	size_t n = 0;
	PGconn *conn;
	bool help;
	int npos, rc;

	rc = cli_parse(cli, argc, argv, json_opts, on_opt, &a, "template list [--json]", &npos,
		       &help);
	if (rc || help)
		return rc;
	conn = cli_start(cli, npos, 0, false, "", argv, &rc);
	if (!conn)
		return rc;
	if (dr_template_list(conn, &list, &n, &cli->err)) {
		rc = cli_fail(cli);
	} else if (a.json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, template_json(&list[i]));
		cli_print_json(arr);
	} else {
		printf("%-24s %7s  %s\n", "NAME", "RECORDS", "DESCRIPTION");
		for (size_t i = 0; i < n; i++)
			printf("%-24s %7zu  %s\n", list[i].name, list[i].nrecords,
			       list[i].description);
	}
	dr_template_list_free(list, n);
	dr_db_close(conn);
	return rc;
}

static int template_show(struct cli *cli, int argc, char **argv)
{
	struct template_args a = { 0 };
	struct dr_template t = { 0 };
	PGconn *conn;
	bool help;
	int npos, rc;

	rc = cli_parse(cli, argc, argv, json_opts, on_opt, &a, "template show NAME [--json]", &npos,
		       &help);
	if (rc || help)
		return rc;
	conn = cli_start(cli, npos, 1, false, "NAME", argv, &rc);
	if (!conn)
		return rc;
	if (dr_template_load(conn, argv[0], &t, &cli->err)) {
		rc = cli_fail(cli);
	} else if (a.json) {
		cli_print_json(template_json(&t));
	} else {
		if (*t.description)
			printf("; %s\n", t.description);
		for (size_t i = 0; i < t.nrecords; i++) {
			char *line = record_line(&t.records[i]);

			printf("%s\n", line);
			free(line);
		}
	}
	dr_template_release(&t);
	dr_db_close(conn);
	return rc;
}

static int template_remove(struct cli *cli, int argc, char **argv)
{
	struct template_args a = { 0 };
	PGconn *conn;
	bool help;
	int npos, rc;

	rc = cli_parse(cli, argc, argv, no_opts, on_opt, &a, "template remove NAME", &npos, &help);
	if (rc || help)
		return rc;
	conn = cli_start(cli, npos, 1, false, "NAME", argv, &rc);
	if (!conn)
		return rc;
	if (dr_template_remove(conn, argv[0], &cli->err))
		rc = cli_fail(cli);
	else
		printf("template '%s' removed\n", argv[0]);
	dr_db_close(conn);
	return rc;
}

static void template_help(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s template add|list|show|remove ...\n"
		"\n"
		"  add NAME --record 'OWNER [TTL] TYPE DATA' ... | --file FILE  store a template\n"
		"  list [--json]                                  every template\n"
		"  show NAME [--json]                             one template's records\n"
		"  remove NAME                                    delete a template\n"
		"\n"
		"Records are relative to the zone ('@' is the apex) and may use variables,\n"
		"{ip}, {ip6}, {mx} or any a-z0-9_ name, filled in by\n"
		"`zone create NAME --template T --var ip=...`; {zone} is the zone's name.\n",
		prog);
}

int cli_template_run(struct cli *cli, int argc, char **argv)
{
	static const struct cli_command subs[] = {
		{ "add", "store a template", template_add },
		{ "list", "every template", template_list },
		{ "show", "one template's records", template_show },
		{ "remove", "delete a template", template_remove },
		{ NULL, NULL, NULL },
	};

	return cli_dispatch(cli, "template", subs, template_help, argc, argv);
}
