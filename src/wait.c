/* src/wait.c - `--wait`: poll the cursors until a committed transaction is
 * served by every enabled server, or a deadline passes. See
 * include/drover/wait.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drover/db.h"
#include "drover/util.h"
#include "drover/wait.h"
#include "banned.h"

#define POLL_NS 20000000L /* 20 ms */

static const char WAIT_SQL[] =
	"SELECT s.name,"
	" c.txid IS NOT NULL AND (c.txid > $1::xid8 OR (c.txid = $1::xid8 AND NOT EXISTS"
	"  (SELECT 1 FROM drover.changes ch WHERE ch.txid = $1::xid8 AND ch.id > c.id))),"
	" coalesce(h.state, 'unknown'), h.last_error,"
	" coalesce((SELECT heartbeat_at > now() - interval '15 seconds' FROM drover.leader), false)"
	" FROM drover.servers s"
	" LEFT JOIN drover.cursors c ON c.server_id = s.id"
	" LEFT JOIN drover.server_health h ON h.server_id = s.id"
	" WHERE s.enabled ORDER BY s.name";

const char *dr_wait_state_name(enum dr_wait_state s)
{
	return s == DR_WAIT_APPLIED ? "applied" : s == DR_WAIT_PENDING ? "pending" : "failed";
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int dr_wait_applied(PGconn *conn, const char *txid, double timeout_s,
		    struct dr_wait_server **out, size_t *n, struct dr_error *err)
{
	const char *p[1] = { txid && *txid ? txid : "0" };
	double deadline = now_s() + timeout_s;
	struct dr_wait_server *list = NULL;
	PGresult *res = NULL;
	int rows = 0, rc;

	*out = NULL;
	*n = 0;
	for (;;) {
		bool all = true;

		rc = dr_db_exec(conn, WAIT_SQL, 1, p, &res, err);
		if (rc)
			return rc;
		rows = PQntuples(res);
		for (int r = 0; r < rows; r++)
			if (strcmp(PQgetvalue(res, r, 1), "t"))
				all = false;
		if (all || now_s() >= deadline)
			break;
		PQclear(res);
		nanosleep(&(struct timespec){ 0, POLL_NS }, NULL);
	}
	list = dr_xcalloc((size_t)rows + 1, sizeof(*list));
	for (int r = 0; r < rows; r++) {
		struct dr_wait_server *w = &list[r];
		const char *health = PQgetvalue(res, r, 2);

		snprintf(w->name, sizeof(w->name), "%s", PQgetvalue(res, r, 0));
		if (!strcmp(PQgetvalue(res, r, 1), "t")) {
			w->state = DR_WAIT_APPLIED;
		} else if (strcmp(PQgetvalue(res, r, 4), "t")) {
			w->state = DR_WAIT_PENDING;
			snprintf(w->reason, sizeof(w->reason), "no drover run is leading");
		} else if (!strcmp(health, "failing") || !strcmp(health, "down")) {
			w->state = DR_WAIT_FAILED;
			snprintf(w->reason, sizeof(w->reason), "%s: %s", health,
				 PQgetisnull(res, r, 3) ? "no error recorded" : PQgetvalue(res, r, 3));
		} else {
			w->state = DR_WAIT_PENDING;
			snprintf(w->reason, sizeof(w->reason), "not served after %.1fs", timeout_s);
		}
	}
	PQclear(res);
	*out = list;
	*n = (size_t)rows;
	return 0;
}
