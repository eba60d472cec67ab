/* src/fanout.c - delivery of the change log to each server, on the
 * daemon's loop. See include/drover/fanout.h.
 *
 * A server's state: IDLE, INIT (no cursor yet: purge it whole, reload its
 * zone list, start at the head of the log), READ (a batch query in
 * flight), DELIVER (zone jobs running, at most MAX_JOBS at once; a job
 * waiting out its SETTLE_S gives its place to the next one), SAVE (the
 * fenced cursor update in flight), WAIT (backoff after a failure). A zone
 * job: PURGE -> PURGE2 (the second control-channel purge closes PowerDNS
 * 4.7's purge race) -> NOTIFY -> VERIFY (SOA over DNS) -> SETTLE (one more
 * purge SETTLE_S later, for a query that was reading the database across
 * the whole commit and purge); an old serial in VERIFY sends it back to
 * PURGE after a short delay, a few times, then it fails.
 *
 * Over the control channel the batch's zones (not new, not deleted) are
 * purged together instead, many names to a command (PowerDNS's `purge`
 * takes several), or with one whole purge from BULK_WHOLE_MIN zones on:
 * B_PURGE and B_PURGE2 before the jobs, which then start at NOTIFY, and
 * one B_SETTLE purge SETTLE_S after the last proof. A thousand-zone batch
 * costs three commands instead of three thousand.
 *
 * Lifetimes: a database statement cannot be cancelled, so a server removed
 * while one is in flight is only marked and freed when its callback comes
 * (pg_pending). HTTP, control-channel and DNS requests are cancelled by
 * their ud (the job, or the server for INIT). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "drover/backoff.h"
#include "drover/dnsq.h"
#include "drover/err.h"
#include "drover/fanout.h"
#include "drover/http.h"
#include "drover/log.h"
#include "drover/outbox.h"
#include "drover/pdnsctl.h"
#include "drover/pgconn.h"
#include "drover/util.h"
#include "banned.h"

#define BATCH_LIMIT "1000"
#define MAX_JOBS 16
#define VERIFY_ATTEMPTS 6
#define HTTP_TIMEOUT_MS 5000
#define CTL_TIMEOUT_MS 2000
#define DNS_TIMEOUT_MS 1000
#define DOWN_AFTER 5 /* consecutive failures before a server counts as down */
/* A query that read the database before the commit can put its old answer
 * into the caches after every purge and the proof: one more purge this
 * long after the proof clears it (the bench saw 1 in 200 stay 20 s). */
#define SETTLE_S 0.1
#define BULK_CMD_MAX 4000 /* bytes of one multi-zone purge command */
/* PowerDNS walks its caches once per name it purges (about 1 ms each for a
 * thousand names, measured on 4.7): from this many zones on, one purge of
 * everything is cheaper than naming them. */
#define BULK_WHOLE_MIN 64

enum fs_state { FS_IDLE, FS_INIT, FS_READ, FS_DELIVER, FS_SAVE, FS_WAIT };
enum job_step { J_PURGE, J_PURGE2, J_NOTIFY, J_VERIFY, J_SETTLE, J_DONE };
enum bulk_step { B_NONE, B_PURGE, B_PURGE2, B_JOBS, B_SETTLE_WAIT, B_SETTLE };
enum health { H_UNKNOWN, H_HEALTHY, H_FAILING, H_DOWN };

struct fs;

struct job {
	struct fs *s;
	struct dr_zone_change *z;
	enum job_step step;
	int attempts;
	bool running;
	bool settling; /* waiting for its last purge; not counted in running */
	bool bulk;     /* purged with the batch (B_PURGE, B_PURGE2, B_SETTLE) */
	ev_timer delay;
};

struct fs {
	struct dr_fanout *fo;
	struct fs *next;
	long long id;
	char *name, *api_url, *dns, *control, *api_key, *control_secret, *sig;
	bool notify;
	bool has_cursor;
	char cur_txid[24];
	long long cur_id;
	enum fs_state st;
	int init_step;
	struct dr_batch batch;
	struct job *jobs;
	size_t next_job, running, settling, failed;
	enum bulk_step bulk_step;
	size_t nbulk;        /* the batch's bulk zones */
	size_t bulk_pending; /* multi-zone purge commands in flight */
	bool bulk_failed;
	ev_timer bulk_settle;
	char why[300];
	struct dr_backoff bo;
	ev_timer wait;
	enum health health;
	bool again, removed;
	int pg_pending;
	char idtext[24];
};

struct dr_fanout {
	struct dr_fanout_io io;
	struct fs *servers;
	bool draining;
};

static void fs_kick(struct fs *s);
static void job_run(struct job *j);
static void delay_cb(struct ev_loop *loop, ev_timer *w, int revents);

/* ---- helpers */

static bool serial_ge(uint32_t a, uint32_t b) /* RFC 1982: a >= b */
{
	return a == b || (int32_t)(a - b) > 0;
}

static double jitter(void)
{
	return (double)rand() / ((double)RAND_MAX + 1.0);
}

static void fs_set_error(struct fs *s, const char *zone, const char *fmt, ...) DR_PRINTF(3, 4);
static void fs_set_error(struct fs *s, const char *zone, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (zone)
		snprintf(s->why, sizeof(s->why), "zone '%s.': %s", zone, msg);
	else
		snprintf(s->why, sizeof(s->why), "%s", msg);
}

static int fs_query(struct fs *s, const char *sql, int n, const char *const *p,
		    dr_pgconn_result_cb cb)
{
	int rc = dr_pgconn_query(s->fo->io.pg, sql, n, p, cb, s);

	if (rc == 0)
		s->pg_pending++;
	return rc;
}

static void fs_free(struct fs *s)
{
	free(s->name);
	free(s->api_url);
	free(s->dns);
	free(s->control);
	if (s->api_key)
		explicit_bzero(s->api_key, strlen(s->api_key));
	if (s->control_secret)
		explicit_bzero(s->control_secret, strlen(s->control_secret));
	free(s->api_key);
	free(s->control_secret);
	free(s->sig);
	free(s->jobs);
	dr_batch_release(&s->batch);
	free(s);
}

/* Cancel every request of the server's jobs and of its INIT step. */
static void fs_cancel_io(struct fs *s)
{
	struct dr_fanout_io *io = &s->fo->io;

	for (size_t i = 0; s->jobs && i < s->batch.nzones; i++) {
		struct job *j = &s->jobs[i];

		dr_http_cancel(io->http, j);
		dr_pdnsctl_cancel(io->ctl, j);
		dr_dnsq_cancel(io->dns, j);
		ev_timer_stop(io->loop, &j->delay);
	}
	dr_http_cancel(io->http, s);
	dr_pdnsctl_cancel(io->ctl, s);
	ev_timer_stop(io->loop, &s->wait);
	ev_timer_stop(io->loop, &s->bulk_settle);
	s->bulk_step = B_NONE;
	s->bulk_pending = 0;
	free(s->jobs);
	s->jobs = NULL;
	dr_batch_release(&s->batch);
	s->running = s->settling = s->next_job = s->failed = 0;
}

/* A statement's callback came back: free a removed server once nothing of
 * it is pending. Returns true if s is gone. */
static bool pg_back(struct fs *s)
{
	s->pg_pending--;
	if (s->removed && s->pg_pending == 0) {
		fs_free(s);
		return true;
	}
	return s->removed;
}

/* ---- health, kept in drover.server_health for `drover status` */

static void health_cb(void *ud, int err, const PGresult *res, const char *errmsg)
{
	struct fs *s = ud;

	(void)res;
	if (pg_back(s))
		return;
	if (err)
		dr_log(LOG_WARNING, "fanout", "[server %s] cannot record health: %s", s->name, errmsg);
}

static void fs_health(struct fs *s, enum health h, const char *why)
{
	static const char *const names[] = { "unknown", "healthy", "failing", "down" };
	const char *p[3] = { s->idtext, names[h], why };

	if (h == s->health && h == H_HEALTHY)
		return;
	if (h == H_HEALTHY && s->health != H_UNKNOWN && s->health != H_HEALTHY)
		dr_log(LOG_NOTICE, "fanout", "[server %s] healthy again", s->name);
	if (h == H_DOWN && s->health != H_DOWN)
		dr_log(LOG_ERR, "fanout", "[server %s] down after %u failures: %s", s->name,
		       s->bo.fails, why ? why : "");
	s->health = h;
	(void)fs_query(s,
		       "INSERT INTO drover.server_health AS h (server_id, state, last_error,"
		       " last_error_at, last_ok_at)"
		       " SELECT $1, $2, $3, CASE WHEN $3::text IS NULL THEN NULL ELSE now() END,"
		       "  CASE WHEN $2 = 'healthy' THEN now() END"
		       " WHERE EXISTS (SELECT 1 FROM drover.servers WHERE id = $1)"
		       " ON CONFLICT (server_id) DO UPDATE SET state = EXCLUDED.state,"
		       "  last_error = coalesce(EXCLUDED.last_error, h.last_error),"
		       "  last_error_at = coalesce(EXCLUDED.last_error_at, h.last_error_at),"
		       "  last_ok_at = coalesce(EXCLUDED.last_ok_at, h.last_ok_at),"
		       "  updated_at = now()",
		       3, p, health_cb);
}

/* ---- failure and backoff */

static void wait_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fs *s = w->data;

	(void)loop;
	(void)revents;
	s->st = FS_IDLE;
	fs_kick(s);
}

static void fs_fail(struct fs *s)
{
	double delay = dr_backoff_fail(&s->bo, jitter());

	fs_cancel_io(s);
	dr_log(LOG_WARNING, "fanout", "[server %s] delivery failed: %s; retry in %.1fs", s->name,
	       s->why, delay);
	fs_health(s, s->bo.fails >= DOWN_AFTER ? H_DOWN : H_FAILING, s->why);
	s->st = FS_WAIT;
	ev_timer_set(&s->wait, delay, 0);
	ev_timer_start(s->fo->io.loop, &s->wait);
}

/* ---- reading and saving the cursor */

static void fs_read(struct fs *s);

static void save_cb(void *ud, int err, const PGresult *res, const char *errmsg)
{
	struct fs *s = ud;

	if (pg_back(s) || s->st != FS_SAVE)
		return;
	if (err) {
		fs_set_error(s, NULL, "cannot save the cursor: %s", errmsg);
		fs_fail(s);
		return;
	}
	if (PQntuples(res) == 1) {
		snprintf(s->cur_txid, sizeof(s->cur_txid), "%s", PQgetvalue(res, 0, 0));
		s->cur_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	}
	dr_batch_release(&s->batch);
	free(s->jobs);
	s->jobs = NULL;
	dr_backoff_reset(&s->bo);
	fs_health(s, H_HEALTHY, NULL);
	s->st = FS_IDLE;
	fs_kick(s);
}

/* Every zone of the batch is served: move the cursor, fenced on the value
 * this daemon read, and read it back (another daemon may have moved it). */
static void fs_save(struct fs *s)
{
	char id[24], old_id[24];
	const char *p[5] = { s->idtext, s->batch.last_txid, id, s->cur_txid, old_id };

	snprintf(id, sizeof(id), "%lld", s->batch.last_id);
	snprintf(old_id, sizeof(old_id), "%lld", s->cur_id);
	s->st = FS_SAVE;
	if (fs_query(s,
		     "WITH moved AS (UPDATE drover.cursors SET txid = $2::xid8, id = $3::bigint,"
		     "  moved_at = now()"
		     " WHERE server_id = $1 AND txid = $4::xid8 AND id = $5::bigint"
		     " RETURNING txid, id)"
		     " SELECT txid::text, id FROM moved"
		     " UNION ALL SELECT txid::text, id FROM drover.cursors"
		     "  WHERE server_id = $1 AND NOT EXISTS (SELECT 1 FROM moved)",
		     5, p, save_cb)) {
		fs_set_error(s, NULL, "database connection lost");
		fs_fail(s);
	}
}

static void bulk_send(struct fs *s);

/* Start the next zones, or finish the batch. */
static void fs_pump(struct fs *s)
{
	while (s->running < MAX_JOBS && s->next_job < s->batch.nzones && !s->failed) {
		struct job *n = &s->jobs[s->next_job++];

		n->running = true;
		s->running++;
		job_run(n);
		if (s->st != FS_DELIVER)
			return;
	}
	if (s->running == 0 && s->settling == 0 && s->st == FS_DELIVER &&
	    (s->failed || s->next_job == s->batch.nzones)) {
		if (s->failed) {
			fs_fail(s);
		} else if (s->bulk_step == B_JOBS && s->nbulk) {
			s->bulk_step = B_SETTLE_WAIT;
			ev_timer_set(&s->bulk_settle, SETTLE_S, 0);
			ev_timer_start(s->fo->io.loop, &s->bulk_settle);
		} else {
			fs_save(s);
		}
	}
}

static void bulk_ctl_cb(void *ud, int err, const char *reply, const char *errmsg)
{
	struct fs *s = ud;
	char *end;

	if (s->st != FS_DELIVER)
		return;
	if (err) {
		fs_set_error(s, NULL, "cache purge: control channel: %s", errmsg);
		s->bulk_failed = true;
	} else if (strtol(reply, &end, 10), end == reply) {
		fs_set_error(s, NULL, "cache purge: control channel answered '%.60s'", reply);
		s->bulk_failed = true;
	}
	if (--s->bulk_pending > 0)
		return;
	if (s->bulk_failed) {
		fs_fail(s);
		return;
	}
	dr_log(LOG_DEBUG, "fanout", "[server %s] batch purge %s done", s->name,
	       s->bulk_step == B_SETTLE ? "after the proofs" : "before the proofs");
	switch (s->bulk_step) {
	case B_PURGE:
		s->bulk_step = B_PURGE2;
		bulk_send(s);
		break;
	case B_PURGE2:
		s->bulk_step = B_JOBS;
		fs_pump(s);
		break;
	case B_SETTLE:
		s->bulk_step = B_NONE;
		fs_save(s);
		break;
	default:
		break;
	}
}

static void bulk_send_one(struct fs *s, struct dr_sbuf *cmd)
{
	struct dr_fanout_io *io = &s->fo->io;

	if (dr_pdnsctl_send(io->ctl, s->control, s->control_secret, dr_sbuf_str(cmd),
			    CTL_TIMEOUT_MS, bulk_ctl_cb, s)) {
		fs_set_error(s, NULL, "cannot start a request (bad address?)");
		s->bulk_failed = true;
	} else {
		s->bulk_pending++;
	}
	dr_sbuf_release(cmd);
	dr_sbuf_init(cmd);
}

/* Purge every bulk zone of the batch, many names to a command, or the
 * whole caches when there are many. */
static void bulk_send(struct fs *s)
{
	struct dr_sbuf cmd;
	bool whole = s->nbulk >= BULK_WHOLE_MIN;

	s->bulk_failed = false;
	s->bulk_pending = 0;
	dr_sbuf_init(&cmd);
	if (whole)
		dr_sbuf_adds(&cmd, "purge");
	for (size_t i = 0; !whole && i < s->batch.nzones; i++) {
		const char *zone = s->batch.zones[i].zone;

		if (!s->jobs[i].bulk)
			continue;
		if (cmd.len && cmd.len + strlen(zone) + 2 > BULK_CMD_MAX)
			bulk_send_one(s, &cmd);
		dr_sbuf_addf(&cmd, "%s %s$", cmd.len ? "" : "purge", zone);
	}
	if (cmd.len)
		bulk_send_one(s, &cmd);
	dr_sbuf_release(&cmd);
	if (s->bulk_pending == 0) /* not one command could start */
		fs_fail(s);
}

static void bulk_settle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fs *s = w->data;

	(void)loop;
	(void)revents;
	if (s->st != FS_DELIVER || s->bulk_step != B_SETTLE_WAIT)
		return;
	s->bulk_step = B_SETTLE;
	bulk_send(s);
}

static void fs_job_done(struct job *j)
{
	struct fs *s = j->s;

	if (j->settling) {
		j->settling = false;
		s->settling--;
	} else {
		s->running--;
	}
	j->running = false;
	if (j->step != J_DONE)
		s->failed++;
	fs_pump(s);
}

static void read_cb(void *ud, int err, const PGresult *res, const char *errmsg)
{
	struct fs *s = ud;

	if (pg_back(s) || s->st != FS_READ)
		return;
	if (err) {
		fs_set_error(s, NULL, "cannot read the change log: %s", errmsg);
		fs_fail(s);
		return;
	}
	if (PQntuples(res) == 0) {
		s->st = FS_IDLE;
		if (s->health == H_UNKNOWN)
			fs_health(s, H_HEALTHY, NULL);
		if (s->again)
			fs_kick(s);
		return;
	}
	dr_batch_from_result(&s->batch, res);
	s->jobs = dr_xcalloc(s->batch.nzones + 1, sizeof(*s->jobs));
	for (size_t i = 0; i < s->batch.nzones; i++) {
		s->jobs[i].s = s;
		s->jobs[i].z = &s->batch.zones[i];
		s->jobs[i].step = J_PURGE;
		ev_timer_init(&s->jobs[i].delay, delay_cb, 0, 0);
		s->jobs[i].delay.data = &s->jobs[i];
	}
	s->st = FS_DELIVER;
	s->next_job = s->running = s->settling = s->failed = 0;
	dr_log(LOG_DEBUG, "fanout", "[server %s] %zu entries, %zu zones", s->name,
	       s->batch.nentries, s->batch.nzones);
	s->nbulk = 0;
	for (size_t i = 0; s->control && i < s->batch.nzones; i++) {
		const struct dr_zone_change *z = &s->batch.zones[i];

		if (z->created || z->deleted)
			continue;
		s->jobs[i].bulk = true;
		s->jobs[i].step = J_NOTIFY;
		s->nbulk++;
	}
	s->bulk_step = s->nbulk ? B_PURGE : B_JOBS;
	if (s->nbulk)
		bulk_send(s);
	else
		fs_pump(s);
}

static void fs_read(struct fs *s)
{
	char id[24];
	const char *p[3] = { s->cur_txid, id, BATCH_LIMIT };

	snprintf(id, sizeof(id), "%lld", s->cur_id);
	s->again = false;
	s->st = FS_READ;
	if (fs_query(s, DR_OUTBOX_BATCH_SQL, 3, p, read_cb)) {
		fs_set_error(s, NULL, "database connection lost");
		fs_fail(s);
	}
}

/* ---- INIT: a server without a cursor: start it at the head of the log,
 * then reload its zone list and purge all its caches */

static void init_next(struct fs *s);

static void init_cursor_cb(void *ud, int err, const PGresult *res, const char *errmsg)
{
	struct fs *s = ud;

	if (pg_back(s) || s->st != FS_INIT)
		return;
	if (err || PQntuples(res) != 1) {
		fs_set_error(s, NULL, "cannot start the cursor: %s", err ? errmsg : "no row");
		fs_fail(s);
		return;
	}
	snprintf(s->cur_txid, sizeof(s->cur_txid), "%s", PQgetvalue(res, 0, 0));
	s->cur_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	s->init_step++;
	init_next(s);
}

static void init_ctl_cb(void *ud, int err, const char *reply, const char *errmsg)
{
	struct fs *s = ud;

	(void)reply;
	if (err) {
		fs_set_error(s, NULL, "control channel: %s", errmsg);
		fs_fail(s);
		return;
	}
	s->init_step++;
	init_next(s);
}

static bool http_ok(const struct dr_http_result *r, char *why, size_t n)
{
	json_error_t jerr;
	json_t *j;

	if (r->err) {
		snprintf(why, n, "API: %s", r->errmsg);
		return false;
	}
	if (r->status < 200 || r->status > 299) {
		snprintf(why, n, "API answered HTTP %ld", r->status);
		return false;
	}
	if (r->body_len == 0)
		return true;
	j = json_loadb(r->body, r->body_len, 0, &jerr);
	if (!j || !json_is_object(j)) {
		snprintf(why, n, "API answered HTTP %ld with invalid JSON", r->status);
		json_decref(j);
		return false;
	}
	json_decref(j);
	return true;
}

static void init_http_cb(void *ud, const struct dr_http_result *r)
{
	struct fs *s = ud;
	char why[200];

	if (!http_ok(r, why, sizeof(why))) {
		fs_set_error(s, NULL, "whole purge: %s", why);
		fs_fail(s);
		return;
	}
	s->init_step++;
	init_next(s);
}

static void init_next(struct fs *s)
{
	struct dr_fanout_io *io = &s->fo->io;
	int rc = 0;

	/* the cursor first: a change committed after it is delivered as usual,
	 * one committed before it is covered by the whole purge that follows */
	switch (s->init_step) {
	case 0:
		if (fs_query(s, DR_OUTBOX_START_SQL, 1, (const char *const[]){ s->idtext },
			     init_cursor_cb)) {
			fs_set_error(s, NULL, "database connection lost");
			fs_fail(s);
		}
		return;
	case 1: /* reload the zone list, so zones created meanwhile are known */
		if (s->control) {
			rc = dr_pdnsctl_send(io->ctl, s->control, s->control_secret, "rediscover",
					     CTL_TIMEOUT_MS, init_ctl_cb, s);
			break;
		}
		s->init_step++;
		/* fall through */
	case 2: /* purge every cache */
		if (s->control) {
			rc = dr_pdnsctl_send(io->ctl, s->control, s->control_secret, "purge",
					     CTL_TIMEOUT_MS, init_ctl_cb, s);
		} else {
			char *url = dr_xasprintf("%s/api/v1/servers/localhost/cache/flush?domain=.",
						 s->api_url);

			rc = dr_http_request(io->http, "PUT", url, s->api_key, NULL, HTTP_TIMEOUT_MS,
					     init_http_cb, s);
			free(url);
		}
		break;
	default:
		s->has_cursor = true;
		dr_log(LOG_NOTICE, "fanout",
		       "[server %s] purged whole; delivering from the head of the log", s->name);
		s->st = FS_IDLE;
		fs_kick(s);
		return;
	}
	if (rc) {
		fs_set_error(s, NULL, "bad control or API address");
		fs_fail(s);
	}
}

/* ---- zone jobs */

static void job_fail(struct job *j, const char *fmt, ...) DR_PRINTF(2, 3);
static void job_fail(struct job *j, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fs_set_error(j->s, j->z->zone, "%s", msg);
	fs_job_done(j);
}

static void job_http_cb(void *ud, const struct dr_http_result *r)
{
	struct job *j = ud;
	char why[200];

	if (!http_ok(r, why, sizeof(why))) {
		job_fail(j, "%s %s", j->step == J_NOTIFY ? "notify:" : "cache flush:", why);
		return;
	}
	j->step = j->step == J_SETTLE ? J_DONE : j->step == J_NOTIFY ? J_VERIFY : J_NOTIFY;
	job_run(j);
}

static void job_ctl_cb(void *ud, int err, const char *reply, const char *errmsg)
{
	struct job *j = ud;
	char *end;

	if (err) {
		job_fail(j, "cache purge: control channel: %s", errmsg);
		return;
	}
	strtol(reply, &end, 10);
	if (end == reply) {
		job_fail(j, "cache purge: control channel answered '%.60s'", reply);
		return;
	}
	j->step = j->step == J_SETTLE ? J_DONE : j->step == J_PURGE ? J_PURGE2 : J_NOTIFY;
	job_run(j);
}

/* Served: purge once more after SETTLE_S, then done. The wait gives the
 * job's place to the next zone. */
static void job_settle(struct job *j)
{
	struct fs *s = j->s;

	if (j->bulk) { /* the batch's B_SETTLE purge covers it */
		j->step = J_DONE;
		fs_job_done(j);
		return;
	}
	j->step = J_SETTLE;
	ev_timer_set(&j->delay, SETTLE_S, 0);
	ev_timer_start(s->fo->io.loop, &j->delay);
	j->settling = true;
	s->settling++;
	s->running--;
	fs_pump(s);
}

static void delay_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct job *j = w->data;

	(void)loop;
	(void)revents;
	if (j->step != J_SETTLE)
		j->step = J_PURGE;
	job_run(j);
}

static void job_dns_cb(void *ud, const struct dr_soa_answer *a)
{
	struct job *j = ud;
	struct dr_zone_change *z = j->z;
	bool served;
	char got[64];

	if (a->err) {
		job_fail(j, "SOA query to %s: %s", j->s->dns, a->errmsg);
		return;
	}
	if (z->deleted)
		served = !a->has_soa;
	else
		served = a->has_soa && serial_ge(a->serial, z->serial);
	if (served) {
		job_settle(j);
		return;
	}
	if (a->has_soa)
		snprintf(got, sizeof(got), "serial %u", a->serial);
	else
		snprintf(got, sizeof(got), "no SOA (rcode %d)", a->rcode);
	if (++j->attempts >= VERIFY_ATTEMPTS) {
		if (z->deleted)
			job_fail(j, "still answered after %d purges", j->attempts);
		else
			job_fail(j, "serves %s after %d purges, want serial %u", got, j->attempts,
				 z->serial);
		return;
	}
	/* purged, yet old: the purge race, or a lagging replica; purge again */
	ev_timer_set(&j->delay, 0.01 * (1 << j->attempts), 0);
	ev_timer_start(j->s->fo->io.loop, &j->delay);
}

static void job_run(struct job *j)
{
	struct fs *s = j->s;
	struct dr_zone_change *z = j->z;
	struct dr_fanout_io *io = &s->fo->io;
	char *url, *cmd;
	int rc = 0;

	switch (j->step) {
	case J_PURGE:
		if (z->deleted || z->created || !s->control) {
			/* the API flush also puts a new zone into the zone cache and
			 * drops a deleted one */
			url = dr_xasprintf("%s/api/v1/servers/localhost/cache/flush?domain=%s.",
					   s->api_url, z->zone);
			rc = dr_http_request(io->http, "PUT", url, s->api_key, NULL, HTTP_TIMEOUT_MS,
					     job_http_cb, j);
			free(url);
			break;
		}
		/* fall through */
	case J_PURGE2:
		if (j->step == J_PURGE2 && !s->control) {
			j->step = J_NOTIFY;
			job_run(j);
			return;
		}
		cmd = dr_xasprintf("purge %s$", z->zone);
		rc = dr_pdnsctl_send(io->ctl, s->control, s->control_secret, cmd, CTL_TIMEOUT_MS,
				     job_ctl_cb, j);
		free(cmd);
		break;
	case J_NOTIFY:
		if (!(z->primary && s->notify && !z->deleted) || j->attempts > 0) {
			j->step = J_VERIFY;
			job_run(j);
			return;
		}
		url = dr_xasprintf("%s/api/v1/servers/localhost/zones/%s./notify", s->api_url,
				   z->zone);
		rc = dr_http_request(io->http, "PUT", url, s->api_key, NULL, HTTP_TIMEOUT_MS,
				     job_http_cb, j);
		free(url);
		break;
	case J_VERIFY:
		if (!z->deleted && !z->has_serial) { /* no SOA served: nothing to prove */
			job_settle(j);
			return;
		}
		rc = dr_dnsq_soa(io->dns, s->dns, z->zone, DNS_TIMEOUT_MS, job_dns_cb, j);
		break;
	case J_SETTLE:
		if (s->control && !z->deleted && !z->created) {
			cmd = dr_xasprintf("purge %s$", z->zone);
			rc = dr_pdnsctl_send(io->ctl, s->control, s->control_secret, cmd,
					     CTL_TIMEOUT_MS, job_ctl_cb, j);
			free(cmd);
		} else {
			url = dr_xasprintf("%s/api/v1/servers/localhost/cache/flush?domain=%s.",
					   s->api_url, z->zone);
			rc = dr_http_request(io->http, "PUT", url, s->api_key, NULL, HTTP_TIMEOUT_MS,
					     job_http_cb, j);
			free(url);
		}
		break;
	case J_DONE:
		fs_job_done(j);
		return;
	}
	if (rc)
		job_fail(j, "cannot start a request (bad address?)");
}

/* ---- the server's driver */

static void fs_kick(struct fs *s)
{
	if (s->removed)
		return;
	if (s->st != FS_IDLE) {
		s->again = true;
		return;
	}
	if (s->fo->draining)
		return;
	if (!s->has_cursor) {
		s->st = FS_INIT;
		s->init_step = 0;
		init_next(s);
		return;
	}
	fs_read(s);
}

/* ---- the set of servers */

static char *signature(const struct dr_fanout_server *x)
{
	return dr_xasprintf("%s|%s|%s|%s|%d|%zu|%zu", x->name, x->api_url, x->dns_address,
			    x->control_address ? x->control_address : "", x->notify,
			    x->api_key ? strlen(x->api_key) : 0,
			    x->control_secret ? strlen(x->control_secret) : 0);
}

static bool same_secrets(const struct fs *s, const struct dr_fanout_server *x)
{
	return !strcmp(s->api_key ? s->api_key : "", x->api_key ? x->api_key : "") &&
	       !strcmp(s->control_secret ? s->control_secret : "",
		       x->control_secret ? x->control_secret : "");
}

static void fs_remove(struct fs *s)
{
	fs_cancel_io(s);
	s->removed = true;
	if (s->pg_pending == 0)
		fs_free(s);
}

static struct fs *fs_new(struct dr_fanout *fo, const struct dr_fanout_server *x)
{
	struct fs *s = dr_xcalloc(1, sizeof(*s));

	s->fo = fo;
	s->id = x->id;
	snprintf(s->idtext, sizeof(s->idtext), "%lld", x->id);
	s->name = dr_xstrdup(x->name);
	s->api_url = dr_xstrdup(x->api_url);
	s->dns = dr_xstrdup(x->dns_address);
	s->control = x->control_address ? dr_xstrdup(x->control_address) : NULL;
	s->api_key = x->api_key ? dr_xstrdup(x->api_key) : NULL;
	s->control_secret = x->control_secret ? dr_xstrdup(x->control_secret) : NULL;
	s->notify = x->notify;
	s->sig = signature(x);
	s->has_cursor = x->has_cursor;
	if (x->has_cursor) {
		snprintf(s->cur_txid, sizeof(s->cur_txid), "%s", x->cursor_txid);
		s->cur_id = x->cursor_id;
	}
	dr_backoff_init(&s->bo, 0.5, 30.0);
	ev_timer_init(&s->wait, wait_cb, 0, 0);
	s->wait.data = s;
	ev_timer_init(&s->bulk_settle, bulk_settle_cb, 0, 0);
	s->bulk_settle.data = s;
	return s;
}

void dr_fanout_set_servers(struct dr_fanout *fo, const struct dr_fanout_server *list, size_t n)
{
	struct fs **pp = &fo->servers, *s;

	/* drop the servers that are gone or changed */
	while ((s = *pp)) {
		bool keep = false;

		for (size_t i = 0; i < n; i++) {
			if (list[i].id != s->id)
				continue;
			char *sig = signature(&list[i]);

			keep = !strcmp(sig, s->sig) && same_secrets(s, &list[i]);
			free(sig);
		}
		if (keep) {
			pp = &s->next;
			continue;
		}
		dr_log(LOG_INFO, "fanout", "[server %s] removed or changed", s->name);
		*pp = s->next;
		fs_remove(s);
	}
	/* add the new ones */
	for (size_t i = 0; i < n; i++) {
		bool have = false;

		for (s = fo->servers; s; s = s->next)
			if (s->id == list[i].id)
				have = true;
		if (have)
			continue;
		s = fs_new(fo, &list[i]);
		s->next = fo->servers;
		fo->servers = s;
		dr_log(LOG_INFO, "fanout", "[server %s] delivering to %s", s->name, s->api_url);
		fs_kick(s);
	}
}

struct dr_fanout *dr_fanout_new(const struct dr_fanout_io *io)
{
	struct dr_fanout *fo = dr_xcalloc(1, sizeof(*fo));

	fo->io = *io;
	return fo;
}

void dr_fanout_wake(struct dr_fanout *fo)
{
	for (struct fs *s = fo->servers; s; s = s->next)
		if (s->st == FS_IDLE || s->st == FS_READ || s->st == FS_DELIVER || s->st == FS_SAVE)
			fs_kick(s);
}

void dr_fanout_stop(struct dr_fanout *fo)
{
	struct fs *s;

	while ((s = fo->servers)) {
		fo->servers = s->next;
		fs_remove(s);
	}
}

void dr_fanout_drain(struct dr_fanout *fo)
{
	fo->draining = true;
	for (struct fs *s = fo->servers; s; s = s->next)
		if (s->st == FS_WAIT) {
			ev_timer_stop(fo->io.loop, &s->wait);
			s->st = FS_IDLE;
		}
}

bool dr_fanout_busy(const struct dr_fanout *fo)
{
	for (const struct fs *s = fo->servers; s; s = s->next)
		if (s->st != FS_IDLE && s->st != FS_WAIT)
			return true;
	return false;
}

void dr_fanout_free(struct dr_fanout *fo)
{
	if (!fo)
		return;
	dr_fanout_stop(fo);
	free(fo);
}
