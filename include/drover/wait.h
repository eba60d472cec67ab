/* include/drover/wait.h - `--wait`: after a write commits, follow its
 * transaction through the change log until every enabled server's cursor
 * has passed it (the daemon moves a cursor only once the worker answers the
 * new serial over DNS), or until a deadline. Blocking libpq (CLI). */
#ifndef DROVER_WAIT_H
#define DROVER_WAIT_H

#include <stddef.h>
#include <libpq-fe.h>

#include "drover/err.h"

enum dr_wait_state { DR_WAIT_APPLIED, DR_WAIT_PENDING, DR_WAIT_FAILED };

struct dr_wait_server {
	char name[64];
	enum dr_wait_state state;
	char reason[256]; /* for pending and failed */
};

/* Poll until txid (xid8 as text) is applied on every enabled server or
 * timeout_s passes. *out is the caller's to free. */
int dr_wait_applied(PGconn *conn, const char *txid, double timeout_s,
		    struct dr_wait_server **out, size_t *n, struct dr_error *err) DR_MUSTCHECK;

const char *dr_wait_state_name(enum dr_wait_state s);

#endif
