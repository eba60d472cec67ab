/* src/cli.h - what the subcommands share: the command table, the parsed
 * common options (--config, --db and every config key as --KEY=VALUE), the
 * loaded config, and helpers to connect and report errors. Internal to the
 * drover binary and libdrover; not an installed header. */
#ifndef DROVER_CLI_H
#define DROVER_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <libpq-fe.h>

#include "drover/cfg.h"
#include "drover/err.h"
#include "drover/opt.h"

struct cli_override {
	const char *key;
	const char *value; /* borrowed from argv */
};

struct cli {
	const char *prog;        /* "drover" */
	const char *command;     /* "server add" */
	const char *config_path; /* NULL: the default path, optional */
	struct cli_override overrides[32];
	int noverrides;
	struct dr_cfg *cfg;      /* loaded by cli_setup */
	struct dr_error err;
};

struct cli_command {
	const char *name;
	const char *summary;
	int (*run)(struct cli *cli, int argc, char **argv); /* returns an exit code */
};

/* Parse argv with the command's options plus the common ones; positionals
 * are left at the front of argv and counted in *npos. On --help prints
 * usage (usage text, then the option tables) and returns 0 with *help set.
 * Returns 0 or an exit code after printing the error. */
int cli_parse(struct cli *cli, int argc, char **argv, const struct dr_opt *opts, dr_opt_cb cb,
	      void *ctx, const char *usage, int *npos, bool *help);

/* Load the config file and the overrides, and set up logging. Returns 0 or
 * an exit code after printing the error. */
int cli_setup(struct cli *cli);

/* Connect to PostgreSQL with the configured db (warning if --db carries a
 * password). NULL after printing the error. */
PGconn *cli_connect(struct cli *cli);

/* What every database command does after cli_parse: check the number of
 * positional arguments (exactly want, or at least want when at_least;
 * args names them for the error, "ZONE NAME TYPE"), load the config,
 * connect. NULL with *rc set (after printing why) on failure. */
PGconn *cli_start(struct cli *cli, int npos, int want, bool at_least, const char *args,
		  char **argv, int *rc);

/* Print "drover: error: MESSAGE" for cli->err and return its exit code. */
int cli_fail(struct cli *cli);

/* Print a usage error and return DR_EXIT_INPUT. */
int cli_usage_error(struct cli *cli, const char *fmt, ...) DR_PRINTF(2, 3);

/* Run the subcommand of a command group ("server add ..."): argv[0] names
 * it in subs (ended by a NULL name). help prints the group's usage, for
 * "--help", "-h", "help" (exit 0) or a missing subcommand (exit 2). */
int cli_dispatch(struct cli *cli, const char *group, const struct cli_command *subs,
		 void (*help)(FILE *out, const char *prog), int argc, char **argv);

/* The --wait[=SECONDS] option of write commands: its table row, and the
 * parsed value (seconds, < 0: not asked). */
#define CLI_OPT_WAIT 500
#define CLI_WAIT_OPT                                                                     \
	{ "wait", DR_OPT_OPTIONAL, CLI_OPT_WAIT, "SECONDS",                              \
	  "wait until every enabled server serves the change (default 10s)" }
int cli_wait_opt(const char *value, double *seconds, struct dr_error *err);

/* After a committed write: if seconds >= 0, wait for the servers, print one
 * line per server, and return the exit code (0 all applied, 1 some, 4 none);
 * otherwise return 0. */
int cli_wait(struct cli *cli, PGconn *conn, double seconds);

/* `zone show` (header true) and `rrset list`: a zone's rrsets. */
int cli_zone_print_rrsets(struct cli *cli, int argc, char **argv, bool header);

/* `zone import` and `zone export` (src/cli_zoneio.c). */
int cli_zone_import(struct cli *cli, int argc, char **argv);
int cli_zone_export(struct cli *cli, int argc, char **argv);

/* `zone secure|unsecure|keys|ds` (src/cli_zonesign.c). */
int cli_zone_secure(struct cli *cli, int argc, char **argv);
int cli_zone_unsecure(struct cli *cli, int argc, char **argv);
int cli_zone_keys(struct cli *cli, int argc, char **argv);
int cli_zone_ds(struct cli *cli, int argc, char **argv);

/* Print a --json document (indented, keys in order) and release it. */
struct json_t;
void cli_print_json(struct json_t *j);

/* The exit-code table, as README and `drover help` show it. */
void cli_print_exit_codes(FILE *out);

/* Subcommands (src/cli_<name>.c). */
int cli_init_run(struct cli *cli, int argc, char **argv);
int cli_server_run(struct cli *cli, int argc, char **argv);
int cli_zone_run(struct cli *cli, int argc, char **argv);
int cli_rrset_run(struct cli *cli, int argc, char **argv);
int cli_run_run(struct cli *cli, int argc, char **argv);
int cli_status_run(struct cli *cli, int argc, char **argv);
int cli_template_run(struct cli *cli, int argc, char **argv);
int cli_repoint_run(struct cli *cli, int argc, char **argv);
int cli_check_run(struct cli *cli, int argc, char **argv);

#endif
