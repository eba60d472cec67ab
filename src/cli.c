/* src/cli.c - the plumbing every subcommand shares: common options, config
 * loading, logging set-up, connecting, and error and usage reports with the
 * documented exit codes. See src/cli.h. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "drover/conninfo.h"
#include "drover/db.h"
#include "drover/log.h"
#include "drover/util.h"
#include "drover/wait.h"
#include "banned.h"

#define OPT_CONFIG 900
#define OPT_CFG_BASE 1000

struct parse_ctx {
	struct cli *cli;
	dr_opt_cb cb;
	void *ctx;
};

static int common_cb(void *vctx, int id, const char *value, struct dr_error *err)
{
	struct parse_ctx *pc = vctx;
	struct cli *cli = pc->cli;
	size_t nkeys;
	const struct dr_cfg_key *keys = dr_cfg_keys(&nkeys);

	if (id == OPT_CONFIG) {
		cli->config_path = value;
		return 0;
	}
	if (id >= OPT_CFG_BASE && (size_t)(id - OPT_CFG_BASE) < nkeys) {
		if (cli->noverrides == (int)(sizeof(cli->overrides) / sizeof(cli->overrides[0])))
			return dr_error_set(err, DR_EUSAGE, NULL, "too many options");
		cli->overrides[cli->noverrides].key = keys[id - OPT_CFG_BASE].name;
		cli->overrides[cli->noverrides].value = value;
		cli->noverrides++;
		return 0;
	}
	return pc->cb ? pc->cb(pc->ctx, id, value, err) : 0;
}

/* --config plus one --KEY VALUE per config key. */
static const struct dr_opt *common_opts(void)
{
	static struct dr_opt opts[64];
	size_t nkeys, i;
	const struct dr_cfg_key *keys = dr_cfg_keys(&nkeys);

	if (opts[0].name)
		return opts;
	opts[0] = (struct dr_opt){ "config", true, OPT_CONFIG, "PATH",
				   "config file (default " DR_CFG_DEFAULT_PATH ")" };
	for (i = 0; i < nkeys && i + 2 < sizeof(opts) / sizeof(opts[0]); i++)
		opts[i + 1] = (struct dr_opt){ keys[i].name, true, OPT_CFG_BASE + (int)i,
					       "VALUE", keys[i].help };
	return opts;
}

int cli_parse(struct cli *cli, int argc, char **argv, const struct dr_opt *opts, dr_opt_cb cb,
	      void *ctx, const char *usage, int *npos, bool *help)
{
	static const struct dr_opt none[] = { { NULL, false, 0, NULL, NULL } };
	const struct dr_opt *tables[3] = { opts ? opts : none, common_opts(), NULL };
	struct parse_ctx pc = { cli, cb, ctx };
	int rc;

	rc = dr_opt_parse(argc, argv, tables, common_cb, &pc, npos, help, &cli->err);
	if (rc) {
		fprintf(stderr, "%s %s: %s\n", cli->prog, cli->command, cli->err.msg);
		fprintf(stderr, "Try '%s %s --help'.\n", cli->prog, cli->command);
		return DR_EXIT_INPUT;
	}
	if (*help) {
		printf("usage: %s %s\n", cli->prog, usage);
		if (opts && opts[0].name) {
			printf("\noptions:\n");
			dr_opt_print(stdout, opts);
		}
		printf("\ncommon options:\n");
		dr_opt_print(stdout, common_opts());
		printf("\nexit codes:\n");
		cli_print_exit_codes(stdout);
	}
	return 0;
}

int cli_setup(struct cli *cli)
{
	const char *path = cli->config_path ? cli->config_path : DR_CFG_DEFAULT_PATH;
	int rc, level;

	cli->cfg = dr_cfg_new();
	rc = dr_cfg_load(cli->cfg, path, cli->config_path != NULL, &cli->err);
	for (int i = 0; !rc && i < cli->noverrides; i++) {
		char origin[80];

		snprintf(origin, sizeof(origin), "--%s", cli->overrides[i].key);
		rc = dr_cfg_set(cli->cfg, cli->overrides[i].key, cli->overrides[i].value, origin,
				&cli->err);
	}
	if (rc)
		return cli_fail(cli);
	level = dr_log_level_parse(dr_cfg_str(cli->cfg, "log-level"));
	dr_log_setup(level, !strcmp(dr_cfg_str(cli->cfg, "log-target"), "syslog"));
	return 0;
}

PGconn *cli_connect(struct cli *cli)
{
	const char *db = dr_cfg_str(cli->cfg, "db");
	PGconn *conn;

	for (int i = 0; i < cli->noverrides; i++)
		if (!strcmp(cli->overrides[i].key, "db") &&
		    dr_conninfo_has_password(cli->overrides[i].value))
			fprintf(stderr,
				"%s: warning: --db carries a password, which other users can see "
				"with ps; prefer PGPASSFILE, a service file or db= in a 0600 "
				"config file\n",
				cli->prog);
	conn = dr_db_connect(db, &cli->err);
	if (!conn)
		cli_fail(cli);
	return conn;
}

PGconn *cli_start(struct cli *cli, int npos, int want, bool at_least, const char *args,
		  char **argv, int *rc)
{
	PGconn *conn;

	*rc = 0;
	if (npos < want || (!at_least && npos > want)) {
		if (npos > want)
			*rc = cli_usage_error(cli, "unexpected argument '%s'", argv[want]);
		else
			*rc = cli_usage_error(cli, "expected %s, got %d argument%s", args, npos,
					      npos == 1 ? "" : "s");
		return NULL;
	}
	*rc = cli_setup(cli);
	if (*rc)
		return NULL;
	conn = cli_connect(cli);
	if (!conn)
		*rc = dr_exit_code(cli->err.code);
	return conn;
}

int cli_fail(struct cli *cli)
{
	fprintf(stderr, "%s: error: %s\n", cli->prog,
		cli->err.msg[0] ? cli->err.msg : dr_strerror(cli->err.code));
	return dr_exit_code(cli->err.code ? cli->err.code : DR_EINVAL);
}

int cli_usage_error(struct cli *cli, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s %s: %s\nTry '%s %s --help'.\n", cli->prog, cli->command, msg,
		cli->prog, cli->command);
	return DR_EXIT_INPUT;
}

int cli_dispatch(struct cli *cli, const char *group, const struct cli_command *subs,
		 void (*help)(FILE *out, const char *prog), int argc, char **argv)
{
	static char command[64];

	if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h") ||
	    !strcmp(argv[0], "help")) {
		help(argc < 1 ? stderr : stdout, cli->prog);
		return argc < 1 ? DR_EXIT_INPUT : DR_EXIT_OK;
	}
	for (const struct cli_command *c = subs; c->name; c++) {
		if (strcmp(c->name, argv[0]))
			continue;
		snprintf(command, sizeof(command), "%s %s", group, c->name);
		cli->command = command;
		return c->run(cli, argc - 1, argv + 1);
	}
	cli->command = group;
	return cli_usage_error(cli, "unknown subcommand '%s'", argv[0]);
}

int cli_wait_opt(const char *value, double *seconds, struct dr_error *err)
{
	long long v;

	if (!value) {
		*seconds = 10;
		return 0;
	}
	if (!dr_parse_ll(value, 0, 86400, &v))
		return dr_error_set(err, DR_EUSAGE, "wait",
				    "--wait: expected seconds 0..86400, got '%s'", value);
	*seconds = (double)v;
	return 0;
}

int cli_wait(struct cli *cli, PGconn *conn, double seconds)
{
	struct dr_wait_server *list = NULL;
	size_t n = 0, applied = 0;

	if (seconds < 0)
		return DR_EXIT_OK;
	if (dr_wait_applied(conn, dr_db_last_txid(), seconds, &list, &n, &cli->err))
		return cli_fail(cli);
	for (size_t i = 0; i < n; i++) {
		if (list[i].state == DR_WAIT_APPLIED)
			applied++;
		printf("%s: %s%s%s%s\n", list[i].name, dr_wait_state_name(list[i].state),
		       list[i].reason[0] ? " (" : "", list[i].reason, list[i].reason[0] ? ")" : "");
	}
	free(list);
	if (n == 0)
		printf("no enabled server to wait for\n");
	if (applied == n)
		return DR_EXIT_OK;
	return applied ? DR_EXIT_PROBLEM : DR_EXIT_NONE_APPLIED;
}

void cli_print_exit_codes(FILE *out)
{
	fprintf(out, "  0  success\n"
		     "  1  the command ran and found a problem (init --check: schema missing or "
		     "outdated; check: drift, an unreachable worker included)\n"
		     "  2  bad usage, config or input (also: API key rejected, not an "
		     "authoritative server, schema newer than this drover)\n"
		     "  3  could not connect or check (database or server unreachable, database "
		     "error; check: no enabled server to check)\n"
		     "  4  --wait: no server applied the change in time (1: some did)\n");
}

void cli_print_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(j);
}
