/* src/db.c - blocking libpq for the CLI: connect by libpq's conventions,
 * parameterised statements, transactions, and error reports that carry
 * PostgreSQL's message but never a password. See include/drover/db.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drover/conninfo.h"
#include "drover/db.h"
#include "drover/util.h"
#include "banned.h"

static char last_sqlstate[6];
static char last_txid[24]; /* of the last transaction dr_db_commit committed */

static void notice_quiet(void *arg, const PGresult *res)
{
	(void)arg;
	(void)res;
}

/* libpq messages end with a newline and may span lines; keep the first. */
static void first_line(char *dst, size_t n, const char *msg)
{
	size_t len = strcspn(msg, "\n");

	snprintf(dst, n, "%.*s", (int)len, msg);
}

PGconn *dr_db_connect(const char *conninfo, struct dr_error *err)
{
	/* dbname comes last: with expand_dbname its conninfo or URI overrides
	 * the defaults before it, and an empty one leaves the PG* environment */
	const char *keys[] = { "fallback_application_name", "connect_timeout", "dbname", NULL };
	const char *vals[] = { "drover", "10", conninfo, NULL };
	char msg[512];
	PGconn *conn;

	if (!conninfo || !*conninfo)
		keys[2] = NULL;
	conn = PQconnectdbParams(keys, vals, 1);
	if (!conn)
		dr_oom();
	if (PQstatus(conn) != CONNECTION_OK) {
		char *where = dr_conninfo_redact(conninfo);

		first_line(msg, sizeof(msg), PQerrorMessage(conn));
		dr_error_set(err, DR_ECONNECT, "db", "cannot connect to database [%s]: %s", where,
			     msg);
		free(where);
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeReceiver(conn, notice_quiet, NULL);
	return conn;
}

void dr_db_close(PGconn *conn)
{
	if (conn)
		PQfinish(conn);
}

static int result_error(PGconn *conn, PGresult *r, struct dr_error *err)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : NULL;
	char msg[512];

	snprintf(last_sqlstate, sizeof(last_sqlstate), "%s", state ? state : "");
	if (primary)
		snprintf(msg, sizeof(msg), "%s%s%s%s", primary, detail ? " (" : "",
			 detail ? detail : "", detail ? ")" : "");
	else
		first_line(msg, sizeof(msg), PQerrorMessage(conn));
	if (PQstatus(conn) != CONNECTION_OK)
		return dr_error_set(err, DR_ECONNECT, "db", "database connection lost: %s", msg);
	return dr_error_set(err, DR_EDB, "db", "database error: %s", msg);
}

long long dr_db_affected(PGresult *res)
{
	return strtoll(PQcmdTuples(res), NULL, 10);
}

const char *dr_db_last_sqlstate(void)
{
	return last_sqlstate;
}

int dr_db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params,
	       PGresult **res, struct dr_error *err)
{
	PGresult *r;
	ExecStatusType st;

	if (res)
		*res = NULL;
	last_sqlstate[0] = '\0';
	r = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		int rc = result_error(conn, r, err);

		PQclear(r);
		return rc;
	}
	if (res)
		*res = r;
	else
		PQclear(r);
	return 0;
}

int dr_db_exec_script(PGconn *conn, const char *sql, const char *what, struct dr_error *err)
{
	PGresult *r;
	int rc = 0;

	last_sqlstate[0] = '\0';
	r = PQexec(conn, sql);
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
		rc = result_error(conn, r, err);
		dr_error_prefix(err, "%s", what);
	}
	PQclear(r);
	return rc;
}

int dr_db_begin(PGconn *conn, struct dr_error *err)
{
	return dr_db_exec(conn, "BEGIN", 0, NULL, NULL, err);
}

int dr_db_commit(PGconn *conn, struct dr_error *err)
{
	PGresult *res;
	int rc;

	last_txid[0] = '\0';
	rc = dr_db_exec(conn, "SELECT coalesce(pg_current_xact_id_if_assigned()::text, '')", 0,
			NULL, &res, err);
	if (rc)
		return rc;
	snprintf(last_txid, sizeof(last_txid), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	rc = dr_db_exec(conn, "COMMIT", 0, NULL, NULL, err);
	if (rc)
		last_txid[0] = '\0';
	return rc;
}

const char *dr_db_last_txid(void)
{
	return last_txid;
}

void dr_db_rollback(PGconn *conn)
{
	PGresult *r = PQexec(conn, "ROLLBACK");

	PQclear(r);
}
