/* src/pgext/db_spi.c - include/drover/db.h inside a PostgreSQL backend, for
 * the drover_api extension: the same writer modules (zone.c, rrset.c,
 * template.c, repoint.c) run their statements through SPI in the caller's
 * transaction instead of over a libpq connection. Parameters are typed by
 * the parser as libpq's unspecified types are; results become real
 * PGresults (libpq's PQmakeEmptyPGresult and PQsetvalue), so callers read
 * them with PQgetvalue as usual. BEGIN and COMMIT are no-ops: the SQL
 * function's transaction is the caller's, and an error (ereport) undoes
 * everything. The connection argument is ignored. */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/params.h"
#include "parser/parse_param.h"
#include "utils/lsyscache.h"

#include <stdio.h>
#include <string.h>
#include <libpq-fe.h>

#include "drover/db.h"

/* PQcmdTuples reads a status string a PGresult made here cannot carry:
 * the rows each recent result touched are kept beside it. */
#define AFFECTED_SLOTS 16
static struct {
	const PGresult *res;
	long long n;
} affected[AFFECTED_SLOTS];
static unsigned affected_next;

static void remember_affected(const PGresult *res, long long n)
{
	affected[affected_next % AFFECTED_SLOTS].res = res;
	affected[affected_next % AFFECTED_SLOTS].n = n;
	affected_next++;
}

long long dr_db_affected(PGresult *res)
{
	for (unsigned i = 1; i <= AFFECTED_SLOTS && i <= affected_next; i++) {
		unsigned slot = (affected_next - i) % AFFECTED_SLOTS;

		if (affected[slot].res == res)
			return affected[slot].n;
	}
	return 0;
}

struct varparams {
	Oid *types;
	int n;
};

static void parser_setup(struct ParseState *pstate, void *arg)
{
	struct varparams *v = arg;

	setup_parse_variable_parameters(pstate, &v->types, &v->n);
}

static ParamListInfo bind_params(const struct varparams *vp, int nparams,
				 const char *const *params)
{
	ParamListInfo pli = makeParamList(nparams);

	for (int i = 0; i < nparams; i++) {
		ParamExternData *p = &pli->params[i];
		Oid type = i < vp->n ? vp->types[i] : InvalidOid;
		Oid input, ioparam;

		if (type == InvalidOid || type == UNKNOWNOID)
			type = TEXTOID;
		p->ptype = type;
		p->pflags = PARAM_FLAG_CONST;
		p->isnull = params[i] == NULL;
		p->value = (Datum)0;
		if (!p->isnull) {
			getTypeInputInfo(type, &input, &ioparam);
			p->value = OidInputFunctionCall(input, (char *)params[i], ioparam, -1);
		}
	}
	return pli;
}

static PGresult *to_pgresult(void)
{
	PGresult *r = PQmakeEmptyPGresult(NULL, SPI_tuptable ? PGRES_TUPLES_OK : PGRES_COMMAND_OK);
	TupleDesc td;
	PGresAttDesc *att;

	if (!r)
		elog(ERROR, "out of memory");
	if (!SPI_tuptable)
		return r;
	td = SPI_tuptable->tupdesc;
	att = palloc0(sizeof(*att) * (td->natts ? td->natts : 1));
	for (int c = 0; c < td->natts; c++) {
		att[c].name = NameStr(TupleDescAttr(td, c)->attname);
		att[c].typid = TupleDescAttr(td, c)->atttypid;
		att[c].typlen = TupleDescAttr(td, c)->attlen;
		att[c].atttypmod = -1;
	}
	if (!PQsetResultAttrs(r, td->natts, att))
		elog(ERROR, "out of memory");
	for (uint64 row = 0; row < SPI_processed; row++)
		for (int c = 0; c < td->natts; c++) {
			char *v = SPI_getvalue(SPI_tuptable->vals[row], td, c + 1);

			if (!PQsetvalue(r, (int)row, c, v, v ? (int)strlen(v) : -1))
				elog(ERROR, "out of memory");
		}
	return r;
}

int dr_db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params,
	       PGresult **res, struct dr_error *err)
{
	struct varparams vp;
	SPIPlanPtr plan;
	int ret;

	(void)conn;
	if (res)
		*res = NULL;
	vp.n = nparams;
	vp.types = palloc0(sizeof(Oid) * (nparams ? nparams : 1));
	plan = SPI_prepare_params(sql, parser_setup, &vp, 0);
	if (!plan)
		return dr_error_set(err, DR_EDB, "db", "database error: %s",
				    SPI_result_code_string(SPI_result));
	ret = SPI_execute_plan_with_paramlist(plan, bind_params(&vp, nparams, params), false, 0);
	SPI_freeplan(plan);
	if (ret < 0)
		return dr_error_set(err, DR_EDB, "db", "database error: %s",
				    SPI_result_code_string(ret));
	if (res) {
		*res = to_pgresult();
		remember_affected(*res, (long long)SPI_processed);
	}
	return 0;
}

int dr_db_begin(PGconn *conn, struct dr_error *err)
{
	(void)conn;
	(void)err;
	return 0;
}

int dr_db_commit(PGconn *conn, struct dr_error *err)
{
	(void)conn;
	(void)err;
	return 0;
}

void dr_db_rollback(PGconn *conn)
{
	(void)conn;
}

const char *dr_db_last_txid(void)
{
	return "";
}

const char *dr_db_last_sqlstate(void)
{
	return "";
}
