/* src/cli_run.c - `drover run`: start the fan-out daemon (src/daemon.c) in
 * the foreground; logs go to stderr or syslog (log-target). */
#include <stdio.h>

#include "cli.h"
#include "drover/daemon.h"
#include "banned.h"

static const struct dr_opt no_opts[] = { { NULL, false, 0, NULL, NULL } };

int cli_run_run(struct cli *cli, int argc, char **argv)
{
	bool help;
	int npos, rc;

	rc = cli_parse(cli, argc, argv, no_opts, NULL, NULL, "run [OPTIONS]", &npos, &help);
	if (rc || help)
		return rc;
	if (npos)
		return cli_usage_error(cli, "unexpected argument '%s'", argv[0]);
	rc = cli_setup(cli);
	if (rc)
		return rc;
	return dr_daemon_run(cli->cfg, cli->config_path);
}
