/* include/drover/daemon.h - `drover run`: the fan-out daemon. One libev
 * loop holds one PostgreSQL connection (async libpq: LISTEN, the leader's
 * advisory lock, the log reads and cursor writes), libcurl's multi
 * interface, the control-channel client and the DNS prober. Several
 * daemons may run: the one holding the session advisory lock delivers, the
 * others wait and take over within seconds when it goes. */
#ifndef DROVER_DAEMON_H
#define DROVER_DAEMON_H

#include "drover/cfg.h"

/* The LISTEN channel the capture triggers notify. */
#define DR_CHANGES_CHANNEL "drover_changes"

/* Run until SIGTERM or SIGINT (finish what is in flight, within a bound,
 * and return 0). config_path is reread on SIGHUP (NULL: none). cfg is
 * borrowed and may be replaced on SIGHUP. Returns an exit code. */
int dr_daemon_run(struct dr_cfg *cfg, const char *config_path);

#endif
