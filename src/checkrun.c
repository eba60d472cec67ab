/* src/checkrun.c - the daemon's periodic drift check. See
 * include/drover/checkrun.h.
 *
 * One round: timer -> servers query -> zones query -> the checker runs ->
 * its report is stored and logged -> the check is freed from a zero timer
 * (never inside its own callback). A round whose statements fail (the
 * connection went away) is dropped; the next tick starts a new one. */
#include <stdlib.h>
#include <string.h>

#include "drover/check.h"
#include "drover/checkrun.h"
#include "drover/err.h"
#include "drover/log.h"
#include "drover/pgconn.h"
#include "drover/util.h"
#include "banned.h"

enum round { R_IDLE, R_SERVERS, R_ZONES, R_CHECKING, R_DONE };

struct dr_checkrun {
	struct ev_loop *loop;
	struct dr_pgconn *pg;
	char *holder;
	dr_checkrun_may_run_cb may_run;
	void *ud;
	enum round round;
	struct dr_check *chk;
	char started[32];
	ev_timer tick, reap;
};

static const char SERVERS_SQL[] =
	"SELECT s.name, s.api_url, s.dns_address, s.control_address, k.api_key,"
	" k.control_secret"
	" FROM drover.servers s LEFT JOIN drover.server_secrets k ON k.server_id = s.id"
	" WHERE s.enabled ORDER BY s.name";

static const char STORE_SQL[] =
	"INSERT INTO drover.check_result (holder, started_at, finished_at, clean, summary, report)"
	" VALUES ($1, to_timestamp($2::float8), now(), $3::boolean, $4, $5::jsonb)"
	" ON CONFLICT (one) DO UPDATE SET holder = EXCLUDED.holder,"
	"  started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at,"
	"  clean = EXCLUDED.clean, summary = EXCLUDED.summary, report = EXCLUDED.report";

static void round_drop(struct dr_checkrun *cr, const char *why)
{
	if (why)
		dr_log(LOG_WARNING, "check", "periodic check skipped: %s", why);
	cr->round = R_DONE;
	ev_timer_start(cr->loop, &cr->reap);
}

static void store_cb(void *ud, int err, const PGresult *res, const char *errmsg)
{
	(void)ud;
	(void)res;
	if (err == DR_EDB)
		dr_log(LOG_WARNING, "check", "cannot store the check's result: %s", errmsg);
}

static void check_done(void *ud, struct dr_check *chk)
{
	struct dr_checkrun *cr = ud;
	char *summary = dr_check_summary(chk);
	json_t *report = dr_check_json(chk);
	char *text = json_dumps(report, JSON_COMPACT);
	bool clean = !dr_check_drift(chk);
	const char *p[5] = { cr->holder, cr->started, clean ? "true" : "false", summary, text };

	dr_log(clean ? LOG_INFO : LOG_WARNING, "check", "%s", summary);
	(void)dr_pgconn_query(cr->pg, STORE_SQL, 5, p, store_cb, cr);
	free(text);
	json_decref(report);
	free(summary);
	cr->round = R_DONE;
	ev_timer_start(cr->loop, &cr->reap); /* the check is freed outside its callback */
}

static const char *column_or_null(const PGresult *res, int r, int c)
{
	return PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
}

static void zones_cb(void *ud, int err, const PGresult *res, const char *errmsg)
{
	struct dr_checkrun *cr = ud;

	if (err) {
		round_drop(cr, err == DR_EDB ? errmsg : NULL);
		return;
	}
	for (int r = 0; r < PQntuples(res); r++)
		dr_check_add_zone_row(cr->chk, PQgetvalue(res, r, 0), column_or_null(res, r, 1));
	cr->round = R_CHECKING;
	dr_check_start(cr->chk, check_done, cr);
}

static void servers_cb(void *ud, int err, const PGresult *res, const char *errmsg)
{
	struct dr_checkrun *cr = ud;

	if (err) {
		round_drop(cr, err == DR_EDB ? errmsg : NULL);
		return;
	}
	if (PQntuples(res) == 0) {
		round_drop(cr, NULL);
		return;
	}
	cr->chk = dr_check_new(cr->loop, NULL);
	for (int r = 0; r < PQntuples(res); r++)
		dr_check_add_server(cr->chk, PQgetvalue(res, r, 0), PQgetvalue(res, r, 1),
				    PQgetvalue(res, r, 2), column_or_null(res, r, 3),
				    column_or_null(res, r, 4), column_or_null(res, r, 5));
	/* the secrets were copied: wipe libpq's copy before it is freed */
	for (int r = 0; r < PQntuples(res); r++)
		for (int c = 4; c <= 5; c++)
			if (!PQgetisnull(res, r, c)) {
				char *v = PQgetvalue(res, r, c);

				explicit_bzero(v, strlen(v));
			}
	cr->round = R_ZONES;
	if (dr_pgconn_query(cr->pg, DR_CHECK_ZONES_SQL, 0, NULL, zones_cb, cr))
		round_drop(cr, NULL);
}

static void tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct dr_checkrun *cr = w->data;

	(void)loop;
	(void)revents;
	if (cr->round != R_IDLE || !cr->may_run(cr->ud))
		return; /* the previous check still runs, or another daemon leads */
	cr->round = R_SERVERS;
	snprintf(cr->started, sizeof(cr->started), "%.3f", ev_time());
	if (dr_pgconn_query(cr->pg, SERVERS_SQL, 0, NULL, servers_cb, cr))
		round_drop(cr, NULL);
}

static void reap_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct dr_checkrun *cr = w->data;

	(void)loop;
	(void)revents;
	dr_check_free(cr->chk);
	cr->chk = NULL;
	cr->round = R_IDLE;
}

struct dr_checkrun *dr_checkrun_new(struct ev_loop *loop, struct dr_pgconn *pg,
				    const char *holder, dr_checkrun_may_run_cb may_run, void *ud)
{
	struct dr_checkrun *cr = dr_xcalloc(1, sizeof(*cr));

	cr->loop = loop;
	cr->pg = pg;
	cr->holder = dr_xstrdup(holder);
	cr->may_run = may_run;
	cr->ud = ud;
	ev_timer_init(&cr->tick, tick_cb, 0, 0);
	ev_timer_init(&cr->reap, reap_cb, 0, 0);
	cr->tick.data = cr->reap.data = cr;
	return cr;
}

void dr_checkrun_set_interval(struct dr_checkrun *cr, double seconds)
{
	ev_timer_stop(cr->loop, &cr->tick);
	if (seconds <= 0)
		return;
	ev_timer_set(&cr->tick, seconds, seconds);
	ev_timer_start(cr->loop, &cr->tick);
}

void dr_checkrun_free(struct dr_checkrun *cr)
{
	if (!cr)
		return;
	ev_timer_stop(cr->loop, &cr->tick);
	ev_timer_stop(cr->loop, &cr->reap);
	dr_check_free(cr->chk);
	free(cr->holder);
	free(cr);
}
