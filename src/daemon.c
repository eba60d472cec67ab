/* src/daemon.c - `drover run`: the loop, the database connection, the
 * leader lock, wake-ups, timers and signals around src/fanout.c. See
 * include/drover/daemon.h.
 *
 * Leadership: on every (re)connection the daemon asks for a session
 * advisory lock; the holder LISTENs, loads the enabled servers and
 * delivers; the others retry every LOCK_RETRY_S. A lost connection loses
 * the lock with it, so delivery stops at once (fanout_stop) and the
 * cursors, written fenced, stay right whoever wins next.
 * Timers: a poll (safety net for a lost NOTIFY), a server reload (new,
 * removed or changed servers, heartbeat), pruning of the log below every
 * enabled server's cursor, and the periodic drift check (src/checkrun.c,
 * every check-interval seconds while leading). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drover/checkrun.h"
#include "drover/daemon.h"
#include "drover/dnsq.h"
#include "drover/fanout.h"
#include "drover/http.h"
#include "drover/log.h"
#include "drover/pdnsctl.h"
#include "drover/pgconn.h"
#include "drover/util.h"
#include "banned.h"

#define LEADER_LOCK_KEY "7231880291405568002"
#define POLL_S 1.0
#define RELOAD_S 5.0
#define PRUNE_S 10.0
#define LOCK_RETRY_S 2.0
#define DRAIN_S 5.0
#define DNS_INFLIGHT 256

struct daemon {
	struct ev_loop *loop;
	struct dr_cfg *cfg;
	const char *config_path;
	struct dr_pgconn *pg;
	struct dr_http *http;
	struct dr_pdnsctl *ctl;
	struct dr_dnsq *dns;
	struct dr_fanout *fo;
	struct dr_checkrun *checkrun;
	bool leader, asking, stopping;
	char holder[128];
	ev_timer poll, reload, prune, lock_retry, drain;
	ev_signal sigterm, sigint, sighup;
	ev_check drain_check;
};

static void ask_lock(struct daemon *d);

static void ignore_cb(void *ud, int err, const PGresult *res, const char *errmsg)
{
	(void)res;
	(void)ud;
	if (err == DR_EDB)
		dr_log(LOG_WARNING, "daemon", "statement failed: %s", errmsg);
}

/* ---- servers */

static void servers_cb(void *ud, int err, const PGresult *res, const char *errmsg)
{
	struct daemon *d = ud;
	struct dr_fanout_server *list;
	int n;

	if (err || !d->leader) {
		if (err == DR_EDB)
			dr_log(LOG_ERR, "daemon", "cannot load the servers: %s", errmsg);
		return;
	}
	n = PQntuples(res);
	list = dr_xcalloc((size_t)n + 1, sizeof(*list));
	for (int r = 0; r < n; r++) {
		struct dr_fanout_server *s = &list[r];

		s->id = strtoll(PQgetvalue(res, r, 0), NULL, 10);
		s->name = PQgetvalue(res, r, 1);
		s->api_url = PQgetvalue(res, r, 2);
		s->dns_address = PQgetvalue(res, r, 3);
		s->control_address = PQgetisnull(res, r, 4) ? NULL : PQgetvalue(res, r, 4);
		s->notify = !strcmp(PQgetvalue(res, r, 5), "t");
		s->api_key = PQgetisnull(res, r, 6) ? NULL : PQgetvalue(res, r, 6);
		s->control_secret = PQgetisnull(res, r, 7) ? NULL : PQgetvalue(res, r, 7);
		s->has_cursor = !PQgetisnull(res, r, 8);
		s->cursor_txid = s->has_cursor ? PQgetvalue(res, r, 8) : NULL;
		s->cursor_id = s->has_cursor ? strtoll(PQgetvalue(res, r, 9), NULL, 10) : 0;
	}
	dr_fanout_set_servers(d->fo, list, (size_t)n);
	/* the secrets were copied: wipe libpq's copy before it is freed */
	for (int r = 0; r < n; r++)
		for (int c = 6; c <= 7; c++)
			if (!PQgetisnull(res, r, c)) {
				char *v = PQgetvalue(res, r, c);

				explicit_bzero(v, strlen(v));
			}
	free(list);
}

static void load_servers(struct daemon *d)
{
	const char *p[1] = { d->holder };

	if (!d->leader)
		return;
	(void)dr_pgconn_query(d->pg,
			      "SELECT s.id, s.name, s.api_url, s.dns_address, s.control_address,"
			      " s.notify, k.api_key, k.control_secret, c.txid::text, c.id"
			      " FROM drover.servers s"
			      " LEFT JOIN drover.server_secrets k ON k.server_id = s.id"
			      " LEFT JOIN drover.cursors c ON c.server_id = s.id"
			      " WHERE s.enabled ORDER BY s.id",
			      0, NULL, servers_cb, d);
	(void)dr_pgconn_query(d->pg,
			      "INSERT INTO drover.leader (holder, since, heartbeat_at)"
			      " VALUES ($1, now(), now()) ON CONFLICT (one) DO UPDATE"
			      " SET holder = EXCLUDED.holder, heartbeat_at = now(),"
			      "  since = CASE WHEN drover.leader.holder = EXCLUDED.holder"
			      "   THEN drover.leader.since ELSE now() END",
			      1, p, ignore_cb, d);
}

/* ---- leadership */

static void lock_cb(void *ud, int err, const PGresult *res, const char *errmsg)
{
	struct daemon *d = ud;

	d->asking = false;
	if (err) {
		if (err == DR_EDB)
			dr_log(LOG_ERR, "daemon", "cannot ask for the leader lock: %s", errmsg);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "t")) {
		if (!ev_is_active(&d->lock_retry)) {
			dr_log(LOG_INFO, "daemon", "standby: another daemon leads");
			ev_timer_again(d->loop, &d->lock_retry);
		}
		return;
	}
	ev_timer_stop(d->loop, &d->lock_retry);
	d->leader = true;
	dr_log(LOG_NOTICE, "daemon", "leading as %s: delivering changes", d->holder);
	(void)dr_pgconn_query(d->pg, "LISTEN " DR_CHANGES_CHANNEL, 0, NULL, ignore_cb, d);
	load_servers(d);
}

static void ask_lock(struct daemon *d)
{
	if (d->leader || d->asking || d->stopping || !dr_pgconn_up(d->pg))
		return;
	if (dr_pgconn_query(d->pg, "SELECT pg_try_advisory_lock(" LEADER_LOCK_KEY ")", 0, NULL,
			    lock_cb, d) == 0)
		d->asking = true;
}

static void on_db_state(void *ud, bool up, const char *why)
{
	struct daemon *d = ud;

	if (up) {
		dr_log(LOG_INFO, "daemon", "connected to the database");
		ask_lock(d);
		return;
	}
	d->asking = false;
	if (d->leader) {
		dr_log(LOG_WARNING, "daemon", "lost the database (%s): delivery paused", why);
		d->leader = false;
		dr_fanout_stop(d->fo);
	}
}

static void on_notify(void *ud, const char *channel)
{
	struct daemon *d = ud;

	(void)channel;
	if (d->leader && !d->stopping)
		dr_fanout_wake(d->fo);
}

/* ---- timers */

static void poll_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;

	(void)loop;
	(void)revents;
	if (d->leader && !d->stopping)
		dr_fanout_wake(d->fo);
}

static void reload_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;

	(void)loop;
	(void)revents;
	if (!d->stopping)
		load_servers(d);
}

static void prune_done(void *ud, int err, const PGresult *res, const char *errmsg)
{
	(void)ud;
	if (err == DR_EDB)
		dr_log(LOG_WARNING, "daemon", "pruning the change log failed: %s", errmsg);
	else if (!err && strcmp(PQcmdTuples((PGresult *)res), "0"))
		dr_log(LOG_DEBUG, "daemon", "pruned %s change-log entries",
		       PQcmdTuples((PGresult *)res));
}

static void prune_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;

	(void)loop;
	(void)revents;
	if (!d->leader || d->stopping)
		return;
	/* below the smallest cursor of the enabled servers, in batches */
	(void)dr_pgconn_query(d->pg,
			      "WITH lo AS (SELECT c.txid, c.id FROM drover.cursors c"
			      "  JOIN drover.servers s ON s.id = c.server_id WHERE s.enabled"
			      "  ORDER BY c.txid, c.id LIMIT 1),"
			      " doomed AS (SELECT ch.txid, ch.zone_id FROM drover.changes ch, lo"
			      "  WHERE (ch.txid, ch.id) <= (lo.txid, lo.id)"
			      "  AND NOT EXISTS (SELECT 1 FROM drover.servers s WHERE s.enabled"
			      "   AND NOT EXISTS (SELECT 1 FROM drover.cursors c"
			      "    WHERE c.server_id = s.id))"
			      "  ORDER BY ch.txid, ch.id LIMIT 10000)"
			      " DELETE FROM drover.changes x USING doomed"
			      " WHERE x.txid = doomed.txid AND x.zone_id = doomed.zone_id",
			      0, NULL, prune_done, d);
}

static void lock_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;

	(void)loop;
	(void)revents;
	ask_lock(d);
}

static bool may_check(void *ud)
{
	struct daemon *d = ud;

	return d->leader && !d->stopping;
}

/* ---- signals */

static void drain_check_cb(struct ev_loop *loop, ev_check *w, int revents)
{
	struct daemon *d = w->data;

	(void)revents;
	if (!dr_fanout_busy(d->fo))
		ev_break(loop, EVBREAK_ALL);
}

static void drain_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	dr_log(LOG_WARNING, "daemon", "stopping with deliveries still in flight");
	ev_break(loop, EVBREAK_ALL);
}

static void stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;

	(void)revents;
	if (d->stopping)
		return;
	d->stopping = true;
	dr_log(LOG_NOTICE, "daemon", "signal %d: finishing deliveries in flight", w->signum);
	dr_fanout_drain(d->fo);
	ev_timer_start(loop, &d->drain);
	ev_check_start(loop, &d->drain_check);
}

static void hup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;
	struct dr_error err = { 0 };

	(void)loop;
	(void)revents;
	dr_log_reopen();
	if (d->config_path) {
		struct dr_cfg *fresh = dr_cfg_new();

		if (dr_cfg_load(fresh, d->config_path, false, &err)) {
			dr_log(LOG_ERR, "daemon", "SIGHUP: config not reloaded: %s", err.msg);
			dr_cfg_free(fresh);
		} else {
			const char *lvl = dr_cfg_str(fresh, "log-level");

			dr_log_setup(dr_log_level_parse(lvl),
				     !strcmp(dr_cfg_str(fresh, "log-target"), "syslog"));
			dr_checkrun_set_interval(d->checkrun,
						 (double)dr_cfg_int(fresh, "check-interval"));
			dr_log(LOG_NOTICE, "daemon", "SIGHUP: config reloaded (log-level %s)", lvl);
			dr_cfg_free(fresh);
		}
	}
	load_servers(d);
}

int dr_daemon_run(struct dr_cfg *cfg, const char *config_path)
{
	struct daemon d = { 0 };
	struct dr_fanout_io io;
	char host[64] = "localhost";

	d.loop = EV_DEFAULT;
	d.cfg = cfg;
	d.config_path = config_path;
	gethostname(host, sizeof(host) - 1);
	snprintf(d.holder, sizeof(d.holder), "%s:%ld", host, (long)getpid());
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	signal(SIGPIPE, SIG_IGN); /* a worker closing a socket is an error, not a death */
	d.pg = dr_pgconn_new(d.loop, dr_cfg_str(cfg, "db"), on_db_state, on_notify, &d);
	d.http = dr_http_new(d.loop);
	d.ctl = dr_pdnsctl_new(d.loop);
	d.dns = dr_dnsq_new(d.loop, DNS_INFLIGHT);
	io = (struct dr_fanout_io){ d.loop, d.pg, d.http, d.ctl, d.dns };
	d.fo = dr_fanout_new(&io);
	d.checkrun = dr_checkrun_new(d.loop, d.pg, d.holder, may_check, &d);
	dr_checkrun_set_interval(d.checkrun, (double)dr_cfg_int(cfg, "check-interval"));

	ev_timer_init(&d.poll, poll_cb, POLL_S, POLL_S);
	ev_timer_init(&d.reload, reload_cb, RELOAD_S, RELOAD_S);
	ev_timer_init(&d.prune, prune_cb, PRUNE_S, PRUNE_S);
	ev_timer_init(&d.lock_retry, lock_retry_cb, LOCK_RETRY_S, LOCK_RETRY_S);
	ev_timer_init(&d.drain, drain_timeout_cb, DRAIN_S, 0);
	ev_check_init(&d.drain_check, drain_check_cb);
	d.poll.data = d.reload.data = d.prune.data = d.lock_retry.data = d.drain.data = &d;
	d.drain_check.data = &d;
	ev_signal_init(&d.sigterm, stop_cb, SIGTERM);
	ev_signal_init(&d.sigint, stop_cb, SIGINT);
	ev_signal_init(&d.sighup, hup_cb, SIGHUP);
	d.sigterm.data = d.sigint.data = d.sighup.data = &d;
	ev_signal_start(d.loop, &d.sigterm);
	ev_signal_start(d.loop, &d.sigint);
	ev_signal_start(d.loop, &d.sighup);
	ev_timer_start(d.loop, &d.poll);
	ev_timer_start(d.loop, &d.reload);
	ev_timer_start(d.loop, &d.prune);

	dr_log(LOG_NOTICE, "daemon", "drover run starting as %s", d.holder);
	dr_pgconn_start(d.pg);
	ev_run(d.loop, 0);

	dr_fanout_free(d.fo);
	dr_dnsq_free(d.dns);
	dr_pdnsctl_free(d.ctl);
	dr_http_free(d.http);
	dr_pgconn_free(d.pg);
	dr_checkrun_free(d.checkrun); /* after the connection: no callback can come */
	ev_timer_stop(d.loop, &d.poll);
	ev_timer_stop(d.loop, &d.reload);
	ev_timer_stop(d.loop, &d.prune);
	ev_timer_stop(d.loop, &d.lock_retry);
	ev_timer_stop(d.loop, &d.drain);
	ev_check_stop(d.loop, &d.drain_check);
	ev_signal_stop(d.loop, &d.sigterm);
	ev_signal_stop(d.loop, &d.sigint);
	ev_signal_stop(d.loop, &d.sighup);
	ev_loop_destroy(d.loop);
	dr_log(LOG_NOTICE, "daemon", "stopped");
	return 0;
}
