/* src/pgconn.c - one asynchronous PostgreSQL connection on the libev loop.
 * See include/drover/pgconn.h. States: idle (waiting to reconnect),
 * connecting (PQconnectPoll), up (statements flow). One ev_io follows the
 * libpq socket; one ev_timer serves the reconnect backoff. */
#include <stdlib.h>
#include <string.h>

#include "drover/conninfo.h"
#include "drover/log.h"
#include "drover/pgconn.h"
#include "drover/util.h"
#include "banned.h"

#define BACKOFF_MIN 0.25
#define BACKOFF_MAX 10.0

enum pc_state { PC_IDLE, PC_CONNECTING, PC_UP };

struct query {
	struct query *next;
	char *sql;
	int nparams;
	char **params;
	dr_pgconn_result_cb cb;
	void *ud;
};

struct dr_pgconn {
	struct ev_loop *loop;
	char *conninfo;
	enum pc_state state;
	PGconn *conn;
	ev_io io;
	ev_timer retry;
	double backoff;
	struct query *head, *tail; /* head is in flight once sent */
	bool sent;                 /* head has been sent */
	PGresult *result;          /* result of the head so far */
	dr_pgconn_state_cb on_state;
	dr_pgconn_notify_cb on_notify;
	void *ud;
	bool freed;                /* being freed: no more callbacks */
};

static void pc_io_cb(struct ev_loop *loop, ev_io *w, int revents);
static void pc_drop(struct dr_pgconn *pc, const char *why);

static void query_free(struct query *q)
{
	for (int i = 0; i < q->nparams; i++)
		free(q->params[i]);
	free(q->params);
	free(q->sql);
	free(q);
}

static void watch(struct dr_pgconn *pc, int events)
{
	int fd = PQsocket(pc->conn);

	if (ev_is_active(&pc->io) && (pc->io.fd != fd || (pc->io.events & (EV_READ | EV_WRITE)) != events))
		ev_io_stop(pc->loop, &pc->io);
	if (!ev_is_active(&pc->io) && fd >= 0) {
		ev_io_set(&pc->io, fd, events);
		ev_io_start(pc->loop, &pc->io);
	}
}

static void first_line(char *dst, size_t n, const char *msg)
{
	snprintf(dst, n, "%.*s", (int)strcspn(msg, "\n"), msg);
}

static void retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct dr_pgconn *pc = w->data;

	(void)loop;
	(void)revents;
	dr_pgconn_start(pc);
}

void dr_pgconn_start(struct dr_pgconn *pc)
{
	const char *keys[] = { "fallback_application_name", "keepalives", "keepalives_idle",
			       "keepalives_interval", "keepalives_count", "connect_timeout",
			       "dbname", NULL };
	const char *vals[] = { "drover run", "1", "10", "5", "3", "10", pc->conninfo, NULL };

	if (pc->state != PC_IDLE)
		return;
	ev_timer_stop(pc->loop, &pc->retry);
	if (!pc->conninfo || !*pc->conninfo)
		keys[6] = NULL;
	pc->conn = PQconnectStartParams(keys, vals, 1);
	if (!pc->conn)
		dr_oom();
	if (PQstatus(pc->conn) == CONNECTION_BAD) {
		char msg[256];

		first_line(msg, sizeof(msg), PQerrorMessage(pc->conn));
		pc_drop(pc, msg);
		return;
	}
	pc->state = PC_CONNECTING;
	watch(pc, EV_WRITE); /* PQconnectPoll starts as if WRITING */
}

static void notify_state(struct dr_pgconn *pc, bool up, const char *why)
{
	if (!pc->on_state)
		return;
	pc->on_state(pc->ud, up, why);
}

/* Fail every queued statement, close, schedule a reconnect, tell the owner. */
static void pc_drop(struct dr_pgconn *pc, const char *why)
{
	struct query *q;
	bool was_up = pc->state == PC_UP;

	if (ev_is_active(&pc->io))
		ev_io_stop(pc->loop, &pc->io);
	if (pc->result) {
		PQclear(pc->result);
		pc->result = NULL;
	}
	if (pc->conn) {
		PQfinish(pc->conn);
		pc->conn = NULL;
	}
	pc->state = PC_IDLE;
	pc->sent = false;
	while ((q = pc->head)) {
		pc->head = q->next;
		if (q->cb && !pc->freed)
			q->cb(q->ud, DR_ECONNECT, NULL, why);
		query_free(q);
	}
	pc->tail = NULL;
	if (pc->freed)
		return;
	pc->backoff = pc->backoff <= 0 ? BACKOFF_MIN : pc->backoff * 2;
	if (pc->backoff > BACKOFF_MAX)
		pc->backoff = BACKOFF_MAX;
	ev_timer_set(&pc->retry, pc->backoff, 0);
	ev_timer_start(pc->loop, &pc->retry);
	if (was_up || pc->backoff == BACKOFF_MIN)
		dr_log(LOG_WARNING, "pgconn", "database connection %s: %s; retrying in %.2fs",
		       was_up ? "lost" : "failed", why, pc->backoff);
	notify_state(pc, false, why);
}

static void send_next(struct dr_pgconn *pc)
{
	struct query *q = pc->head;
	int rc;

	if (pc->state != PC_UP || !q || pc->sent)
		return;
	if (!PQsendQueryParams(pc->conn, q->sql, q->nparams, NULL,
			       (const char *const *)q->params, NULL, NULL, 0)) {
		char msg[256];

		first_line(msg, sizeof(msg), PQerrorMessage(pc->conn));
		pc_drop(pc, msg);
		return;
	}
	pc->sent = true;
	rc = PQflush(pc->conn);
	if (rc < 0) {
		pc_drop(pc, "cannot send to the database");
		return;
	}
	watch(pc, rc == 1 ? EV_READ | EV_WRITE : EV_READ);
}

/* The head statement is complete: hand its result over, free it, go on. */
static void finish_head(struct dr_pgconn *pc)
{
	struct query *q = pc->head;
	PGresult *r = pc->result;
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;

	pc->head = q->next;
	if (!pc->head)
		pc->tail = NULL;
	pc->sent = false;
	pc->result = NULL;
	if (q->cb) {
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
			q->cb(q->ud, 0, r, "");
		} else {
			const char *m = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
			char msg[512];

			first_line(msg, sizeof(msg), m ? m : PQerrorMessage(pc->conn));
			q->cb(q->ud, DR_EDB, NULL, msg);
		}
	}
	PQclear(r);
	query_free(q);
}

static void drain_notifies(struct dr_pgconn *pc)
{
	PGnotify *n;

	while (pc->conn && (n = PQnotifies(pc->conn))) {
		if (pc->on_notify)
			pc->on_notify(pc->ud, n->relname);
		PQfreemem(n);
	}
}

static void on_readable(struct dr_pgconn *pc)
{
	if (!PQconsumeInput(pc->conn)) {
		char msg[256];

		first_line(msg, sizeof(msg), PQerrorMessage(pc->conn));
		pc_drop(pc, msg);
		return;
	}
	drain_notifies(pc);
	while (pc->sent && pc->conn && !PQisBusy(pc->conn)) {
		PGresult *r = PQgetResult(pc->conn);

		if (!r) {
			finish_head(pc);
			if (pc->state != PC_UP)
				return;
			break;
		}
		if (pc->result) /* keep the last result of a statement */
			PQclear(pc->result);
		pc->result = r;
	}
	drain_notifies(pc);
	if (pc->state == PC_UP)
		send_next(pc);
}

static void connect_step(struct dr_pgconn *pc)
{
	switch (PQconnectPoll(pc->conn)) {
	case PGRES_POLLING_READING:
		watch(pc, EV_READ);
		return;
	case PGRES_POLLING_WRITING:
		watch(pc, EV_WRITE);
		return;
	case PGRES_POLLING_OK:
		if (PQsetnonblocking(pc->conn, 1) != 0) {
			pc_drop(pc, "cannot make the connection non-blocking");
			return;
		}
		pc->state = PC_UP;
		pc->backoff = 0;
		watch(pc, EV_READ);
		notify_state(pc, true, "");
		send_next(pc);
		return;
	default: {
		char msg[256];

		first_line(msg, sizeof(msg), PQerrorMessage(pc->conn));
		pc_drop(pc, msg);
	}
	}
}

static void pc_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct dr_pgconn *pc = w->data;

	(void)loop;
	if (pc->state == PC_CONNECTING) {
		connect_step(pc);
	} else if (pc->state == PC_UP) {
		if (revents & EV_WRITE) {
			int rc = PQflush(pc->conn);

			if (rc < 0) {
				pc_drop(pc, "cannot send to the database");
				return;
			}
			watch(pc, rc == 1 ? EV_READ | EV_WRITE : EV_READ);
		}
		if (revents & EV_READ)
			on_readable(pc);
	}
}

struct dr_pgconn *dr_pgconn_new(struct ev_loop *loop, const char *conninfo,
				dr_pgconn_state_cb on_state, dr_pgconn_notify_cb on_notify, void *ud)
{
	struct dr_pgconn *pc = dr_xcalloc(1, sizeof(*pc));

	pc->loop = loop;
	pc->conninfo = conninfo ? dr_xstrdup(conninfo) : NULL;
	pc->on_state = on_state;
	pc->on_notify = on_notify;
	pc->ud = ud;
	ev_io_init(&pc->io, pc_io_cb, -1, EV_READ);
	pc->io.data = pc;
	ev_timer_init(&pc->retry, retry_cb, 0, 0);
	pc->retry.data = pc;
	return pc;
}

int dr_pgconn_query(struct dr_pgconn *pc, const char *sql, int nparams,
		    const char *const *params, dr_pgconn_result_cb cb, void *ud)
{
	struct query *q;

	if (pc->state != PC_UP)
		return DR_ECONNECT;
	q = dr_xcalloc(1, sizeof(*q));
	q->sql = dr_xstrdup(sql);
	q->nparams = nparams;
	q->params = dr_xcalloc((size_t)nparams + 1, sizeof(char *));
	for (int i = 0; i < nparams; i++)
		q->params[i] = params[i] ? dr_xstrdup(params[i]) : NULL;
	q->cb = cb;
	q->ud = ud;
	if (pc->tail)
		pc->tail->next = q;
	else
		pc->head = q;
	pc->tail = q;
	send_next(pc);
	return 0;
}

bool dr_pgconn_up(const struct dr_pgconn *pc)
{
	return pc->state == PC_UP;
}

size_t dr_pgconn_queued(const struct dr_pgconn *pc)
{
	size_t n = 0;

	for (const struct query *q = pc->head; q; q = q->next)
		n++;
	return n;
}

void dr_pgconn_reset(struct dr_pgconn *pc, const char *why)
{
	if (pc->state != PC_IDLE)
		pc_drop(pc, why);
}

void dr_pgconn_free(struct dr_pgconn *pc)
{
	if (!pc)
		return;
	pc->freed = true;
	ev_timer_stop(pc->loop, &pc->retry);
	pc_drop(pc, "closing");
	free(pc->conninfo);
	free(pc);
}
