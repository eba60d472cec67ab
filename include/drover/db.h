/* include/drover/db.h - blocking PostgreSQL access for the CLI commands.
 * Connects by libpq's conventions (conninfo or URI, else the PG* environment),
 * runs parameterised statements only, and turns libpq failures into
 * struct dr_error reports. Not for the daemon's event loop (see pgconn). */
#ifndef DROVER_DB_H
#define DROVER_DB_H

#include <libpq-fe.h>

#include "drover/err.h"

/* Connect; conninfo NULL or "" uses the PG* environment. Returns NULL and
 * fills err (DR_ECONNECT) on failure; the message never holds a password.
 * Sets client_min_messages=warning and application_name=drover. */
PGconn *dr_db_connect(const char *conninfo, struct dr_error *err);
void dr_db_close(PGconn *conn);

/* Run one parameterised statement (text parameters, text results). On
 * success *res (if res is not NULL) is the caller's to PQclear; on failure
 * err is filled with DR_EDB and PostgreSQL's message, and nothing is left
 * to free. */
int dr_db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params,
	       PGresult **res, struct dr_error *err) DR_MUSTCHECK;

/* Run a script of several statements without parameters (migrations only:
 * text that ships inside the binary, never user input). */
/* Rows a successful INSERT, UPDATE or DELETE touched (PQcmdTuples). */
long long dr_db_affected(PGresult *res);

int dr_db_exec_script(PGconn *conn, const char *sql, const char *what, struct dr_error *err)
	DR_MUSTCHECK;

int dr_db_begin(PGconn *conn, struct dr_error *err) DR_MUSTCHECK;
int dr_db_commit(PGconn *conn, struct dr_error *err) DR_MUSTCHECK;

/* The transaction id (xid8 as text) of the last transaction dr_db_commit
 * committed, "" if it wrote nothing; `--wait` follows it through the
 * change log. */
const char *dr_db_last_txid(void);
void dr_db_rollback(PGconn *conn); /* best effort, for error paths */

/* SQLSTATE of the last failed statement, for callers that map
 * unique_violation and the like ("" when none). */
const char *dr_db_last_sqlstate(void);

#endif
