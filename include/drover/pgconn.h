/* include/drover/pgconn.h - one asynchronous PostgreSQL connection on the
 * daemon's libev loop (libpq non-blocking): connect with
 * PQconnectStartParams and PQconnectPoll (the socket re-read after every
 * poll), parameterised statements queued and sent one at a time, LISTEN
 * notifications handed to a callback, and reconnection with capped
 * exponential backoff when the connection fails or is lost. TCP keepalives
 * are on. Owns its PGconn; results are borrowed by callbacks and cleared
 * here. Single-threaded. */
#ifndef DROVER_PGCONN_H
#define DROVER_PGCONN_H

#include <stdbool.h>
#include <ev.h>
#include <libpq-fe.h>

#include "drover/err.h"

struct dr_pgconn;

/* err 0: res is the statement's result (borrowed, cleared after the
 * callback). err DR_EDB: the statement failed (errmsg has PostgreSQL's
 * message, res NULL). err DR_ECONNECT: the connection went away first. */
typedef void (*dr_pgconn_result_cb)(void *ud, int err, const PGresult *res, const char *errmsg);

/* up true: connected (again); up false: lost or failed (errmsg why; a
 * reconnect is already scheduled). */
typedef void (*dr_pgconn_state_cb)(void *ud, bool up, const char *errmsg);

/* A NOTIFY arrived on a channel this connection LISTENs to. */
typedef void (*dr_pgconn_notify_cb)(void *ud, const char *channel);

/* conninfo: a conninfo string or URI, NULL or "" for the PG* environment.
 * Nothing happens until dr_pgconn_start. */
struct dr_pgconn *dr_pgconn_new(struct ev_loop *loop, const char *conninfo,
				dr_pgconn_state_cb on_state, dr_pgconn_notify_cb on_notify, void *ud);
void dr_pgconn_start(struct dr_pgconn *pc);

/* Queue a parameterised statement (params copied). DR_ECONNECT when the
 * connection is not up (cb is then never called); a caller whose work is
 * redone on reconnection (the state callback) may ignore that. */
int dr_pgconn_query(struct dr_pgconn *pc, const char *sql, int nparams,
		    const char *const *params, dr_pgconn_result_cb cb, void *ud);

bool dr_pgconn_up(const struct dr_pgconn *pc);
size_t dr_pgconn_queued(const struct dr_pgconn *pc);

/* Drop the connection now (queued statements fail with DR_ECONNECT) and
 * reconnect after the backoff. */
void dr_pgconn_reset(struct dr_pgconn *pc, const char *why);

/* Close and free; queued statements are dropped without callbacks.
 * Never from inside one of this connection's callbacks. NULL-safe. */
void dr_pgconn_free(struct dr_pgconn *pc);

#endif
