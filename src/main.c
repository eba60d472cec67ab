/* src/main.c - the one thin main of `drover`: find the subcommand, hand it
 * its arguments, return its exit code. Everything else lives in
 * libdrover (src/). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <curl/curl.h>

#include "cli.h"
#include "drover/cfg.h"
#include "banned.h"

static int help_run(struct cli *cli, int argc, char **argv);

static const struct cli_command commands[] = {
	{ "help", "show this help, or a command's help", help_run },
	{ "init", "install or upgrade the PowerDNS tables and drover's schema", cli_init_run },
	{ "server", "register PowerDNS workers: add, list, remove, enable, disable",
	  cli_server_run },
	{ "zone", "zones: create, delete, list, show, import, export", cli_zone_run },
	{ "rrset", "rrsets: replace, add, delete, list", cli_rrset_run },
	{ "template", "zone templates: add, list, show, remove", cli_template_run },
	{ "repoint", "move every A/AAAA record from one address to another", cli_repoint_run },
	{ "run", "the fan-out daemon: every change served by every worker", cli_run_run },
	{ "status", "each server's health and how far it lags", cli_status_run },
	{ "check", "drift: the database vs each worker's zone list and DNS answers",
	  cli_check_run },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void print_help(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s COMMAND [OPTIONS]\n"
		"       %s --version\n"
		"\ncommands:\n",
		prog, prog);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n'%s COMMAND --help' describes a command and its options.\n"
		"\nevery command takes:\n"
		"  --config PATH   config file, key = value lines (default %s)\n"
		"  --KEY VALUE     any config key, overriding the file\n"
		"\nconfig keys:\n",
		prog, DR_CFG_DEFAULT_PATH);
	dr_cfg_print_keys(out);
	fprintf(out,
		"\nThe database is found by libpq's conventions: --db (a conninfo string or a\n"
		"postgresql:// URI), else db= in the config file, else the PG* environment.\n"
		"\nexit codes:\n");
	cli_print_exit_codes(out);
}

static int help_run(struct cli *cli, int argc, char **argv)
{
	const struct cli_command *cmd;
	char *help_argv[2] = { "--help", NULL };

	if (argc < 1) {
		print_help(stdout, cli->prog);
		return DR_EXIT_OK;
	}
	cmd = find_command(argv[0]);
	if (!cmd || cmd->run == help_run) {
		if (!cmd)
			return cli_usage_error(cli, "unknown command '%s'", argv[0]);
		print_help(stdout, cli->prog);
		return DR_EXIT_OK;
	}
	cli->command = cmd->name;
	return cmd->run(cli, 1, help_argv);
}

int main(int argc, char **argv)
{
	struct cli cli = { .prog = "drover", .command = "" };
	const struct cli_command *cmd;
	int rc;

	if (argc < 2) {
		print_help(stderr, cli.prog);
		return DR_EXIT_INPUT;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("drover %s\n", PACKAGE_VERSION);
		return DR_EXIT_OK;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_help(stdout, cli.prog);
		return DR_EXIT_OK;
	}
	cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "%s: unknown command '%s'\nTry '%s help'.\n", cli.prog, argv[1],
			cli.prog);
		return DR_EXIT_INPUT;
	}
	cli.command = cmd->name;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmd->run(&cli, argc - 2, argv + 2);
	dr_cfg_free(cli.cfg);
	curl_global_cleanup();
	return rc;
}
