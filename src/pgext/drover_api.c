/* src/pgext/drover_api.c - the drover_api PostgreSQL extension: the SQL
 * face of the very C code the drover CLI runs (name.c, rr.c, zone.c,
 * rrset.c, template.c, repoint.c, with db_spi.c in place of libpq), so a
 * billing system calling SQL gets the same validation, the same zone rules
 * and the same storage form as `drover rrset replace`. Functions live in
 * schema drover_api; `drover init` wraps them in SECURITY DEFINER
 * functions in schema drover for the drover_provisioner role. A drover
 * error becomes an SQL error: SQLSTATE by kind (22023 bad input, P0002 not
 * found, 42710 already exists), the message drover prints, and the field
 * it names as the column name and in the detail. */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include <stdlib.h>
#include <string.h>

#include "drover/err.h"
#include "drover/name.h"
#include "drover/repoint.h"
#include "drover/rr.h"
#include "drover/rrset.h"
#include "drover/template.h"
#include "drover/zone.h"

PG_MODULE_MAGIC;

#ifndef DR_PGEXT_BUILD_ID
#define DR_PGEXT_BUILD_ID "unknown"
#endif

static int sqlstate_of(int code)
{
	switch (code) {
	case DR_EINVAL:
	case DR_EUSAGE: return ERRCODE_INVALID_PARAMETER_VALUE;
	case DR_ENOTFOUND: return ERRCODE_NO_DATA_FOUND;
	case DR_EEXIST: return ERRCODE_DUPLICATE_OBJECT;
	default: return ERRCODE_EXTERNAL_ROUTINE_EXCEPTION;
	}
}

static void raise_error(const struct dr_error *err) pg_attribute_noreturn();
static void raise_error(const struct dr_error *err)
{
	if (err->field[0])
		ereport(ERROR, (errcode(sqlstate_of(err->code)), errmsg("%s", err->msg),
				errdetail("field: %s", err->field),
				err_generic_string(PG_DIAG_COLUMN_NAME, err->field)));
	ereport(ERROR, (errcode(sqlstate_of(err->code)), errmsg("%s", err->msg)));
	pg_unreachable();
}

/* Argument i as a C string; NULL when the SQL value is NULL. */
static char *arg_text(FunctionCallInfo fcinfo, int i)
{
	return PG_ARGISNULL(i) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(i));
}

static char *required_text(FunctionCallInfo fcinfo, int i, const char *name)
{
	char *s = arg_text(fcinfo, i);

	if (!s)
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				errmsg("%s must not be NULL", name),
				err_generic_string(PG_DIAG_COLUMN_NAME, name)));
	return s;
}

/* A text[] argument as C strings (palloc'd); NULL array: n = 0. */
static char **arg_text_array(FunctionCallInfo fcinfo, int i, const char *name, int *n)
{
	Datum *elems;
	bool *nulls;
	char **out;

	*n = 0;
	if (PG_ARGISNULL(i))
		return NULL;
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(i), TEXTOID, -1, false, TYPALIGN_INT, &elems,
			  &nulls, n);
	out = palloc0(sizeof(*out) * (*n + 1));
	for (int k = 0; k < *n; k++) {
		if (nulls[k])
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					errmsg("%s[%d] must not be NULL", name, k + 1),
					err_generic_string(PG_DIAG_COLUMN_NAME, name)));
		out[k] = TextDatumGetCString(elems[k]);
	}
	return out;
}

PG_FUNCTION_INFO_V1(drover_api_build_id);
Datum drover_api_build_id(PG_FUNCTION_ARGS)
{
	(void)fcinfo;
	PG_RETURN_TEXT_P(cstring_to_text(DR_PGEXT_BUILD_ID));
}

/* check_record(zone, name, type, content) -> (type, content, prio): the
 * storage form drover would write, or the error it would give. */
PG_FUNCTION_INFO_V1(drover_api_check_record);
Datum drover_api_check_record(PG_FUNCTION_ARGS)
{
	char *zone_in = required_text(fcinfo, 0, "zone"), *name = required_text(fcinfo, 1, "name");
	char *type_in = required_text(fcinfo, 2, "type");
	char *content = required_text(fcinfo, 3, "content");
	char *zone = NULL, *owner = NULL, *type = NULL;
	struct dr_rr rr = { 0 };
	struct dr_error err = { 0 };
	TupleDesc td;
	Datum values[3];
	bool nulls[3] = { false, false, false };
	int rc;

	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "check_record must return a composite type");
	rc = dr_name_zone(zone_in, &zone, &err);
	if (!rc)
		rc = dr_name_owner(zone, name, &owner, &err);
	if (!rc)
		rc = dr_rr_type(type_in, &type, &err);
	if (!rc)
		rc = dr_rr_parse(zone, owner, type, content, &rr, &err);
	free(zone);
	free(owner);
	free(type);
	if (rc) {
		dr_rr_release(&rr);
		raise_error(&err);
	}
	values[0] = CStringGetTextDatum(rr.type);
	values[1] = CStringGetTextDatum(rr.content);
	values[2] = Int32GetDatum(rr.prio);
	dr_rr_release(&rr);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(td), values, nulls)));
}

/* zone_create(zone, template, vars text[] of 'name=value', account, ns
 * text[], kind) -> the zone's name. */
PG_FUNCTION_INFO_V1(drover_api_zone_create);
Datum drover_api_zone_create(PG_FUNCTION_ARGS)
{
	struct dr_zone_spec spec = { 0 };
	struct dr_template tmpl = { 0 };
	struct dr_template_var *vars;
	struct dr_error err = { 0 };
	char *tname = arg_text(fcinfo, 1), *kind = arg_text(fcinfo, 5), *stored = NULL;
	char **var_args, **ns;
	int nvars, nns, rc = 0;
	text *result;

	spec.name = required_text(fcinfo, 0, "zone");
	spec.account = arg_text(fcinfo, 3);
	spec.ttl = -1;
	var_args = arg_text_array(fcinfo, 2, "vars", &nvars);
	ns = arg_text_array(fcinfo, 4, "ns", &nns);
	spec.ns = (const char *const *)ns;
	spec.nns = (size_t)nns;
	vars = palloc0(sizeof(*vars) * (nvars + 1));
	if (kind)
		rc = dr_zone_kind_parse(kind, &spec.kind, &err);
	for (int i = 0; !rc && i < nvars; i++)
		rc = dr_template_var_parse(var_args[i], &vars[i], &err);
	if (!rc && nvars && !tname)
		rc = dr_error_set(&err, DR_EINVAL, "vars", "vars are for a template");
	if (rc)
		raise_error(&err);
	SPI_connect();
	if (tname) {
		rc = dr_template_load(NULL, tname, &tmpl, &err);
		spec.tmpl = &tmpl;
		spec.vars = vars;
		spec.nvars = (size_t)nvars;
	}
	if (!rc)
		rc = dr_zone_create(NULL, &spec, &stored, &err);
	SPI_finish();
	dr_template_release(&tmpl);
	if (rc)
		raise_error(&err);
	result = cstring_to_text(stored);
	free(stored);
	PG_RETURN_TEXT_P(result);
}

/* rrset_replace(zone, name, type, ttl, contents text[]) -> records in it. */
PG_FUNCTION_INFO_V1(drover_api_rrset_replace);
Datum drover_api_rrset_replace(PG_FUNCTION_ARGS)
{
	char *zone = required_text(fcinfo, 0, "zone"), *name = required_text(fcinfo, 1, "name");
	char *type = required_text(fcinfo, 2, "type");
	char ttl[24];
	char **contents;
	struct dr_rrset_result res;
	struct dr_error err = { 0 };
	int n, rc;

	if (PG_ARGISNULL(3))
		required_text(fcinfo, 3, "ttl");
	snprintf(ttl, sizeof(ttl), "%d", PG_GETARG_INT32(3));
	contents = arg_text_array(fcinfo, 4, "contents", &n);
	SPI_connect();
	rc = dr_rrset_write(NULL, DR_RRSET_REPLACE, zone, name, type, ttl,
			    (const char *const *)contents, (size_t)n, &res, &err);
	SPI_finish();
	if (rc)
		raise_error(&err);
	PG_RETURN_INT32((int32)res.nrecords);
}

/* rrset_delete(zone, name, type) -> records deleted. */
PG_FUNCTION_INFO_V1(drover_api_rrset_delete);
Datum drover_api_rrset_delete(PG_FUNCTION_ARGS)
{
	char *zone = required_text(fcinfo, 0, "zone"), *name = required_text(fcinfo, 1, "name");
	char *type = required_text(fcinfo, 2, "type");
	struct dr_rrset_result res;
	struct dr_error err = { 0 };
	int rc;

	SPI_connect();
	rc = dr_rrset_delete(NULL, zone, name, type, &res, &err);
	SPI_finish();
	if (rc)
		raise_error(&err);
	PG_RETURN_INT32((int32)res.nrecords);
}

/* zone_delete(zone). */
PG_FUNCTION_INFO_V1(drover_api_zone_delete);
Datum drover_api_zone_delete(PG_FUNCTION_ARGS)
{
	char *zone = required_text(fcinfo, 0, "zone");
	struct dr_error err = { 0 };
	int rc;

	SPI_connect();
	rc = dr_zone_delete(NULL, zone, &err);
	SPI_finish();
	if (rc)
		raise_error(&err);
	PG_RETURN_VOID();
}

/* zone_rectify(zone) -> rows changed. */
PG_FUNCTION_INFO_V1(drover_api_zone_rectify);
Datum drover_api_zone_rectify(PG_FUNCTION_ARGS)
{
	char *zone = required_text(fcinfo, 0, "zone");
	struct dr_error err = { 0 };
	long long changed = 0;
	int rc;

	SPI_connect();
	rc = dr_zone_rectify(NULL, zone, &changed, &err);
	SPI_finish();
	if (rc)
		raise_error(&err);
	PG_RETURN_INT64((int64)changed);
}

/* repoint(old_ip, new_ip, zone_glob, include_spf, dry_run) -> one row per
 * changed record (zone, name, type, old_content, new_content, removed). */
PG_FUNCTION_INFO_V1(drover_api_repoint);
Datum drover_api_repoint(PG_FUNCTION_ARGS)
{
	struct dr_repoint_spec spec = { 0 };
	struct dr_repoint_result res;
	struct dr_error err = { 0 };
	ReturnSetInfo *rsinfo = (ReturnSetInfo *)fcinfo->resultinfo;
	int rc;

	spec.old_ip = required_text(fcinfo, 0, "old_ip");
	spec.new_ip = required_text(fcinfo, 1, "new_ip");
	spec.zone_glob = arg_text(fcinfo, 2);
	spec.include_spf = !PG_ARGISNULL(3) && PG_GETARG_BOOL(3);
	spec.dry_run = !PG_ARGISNULL(4) && PG_GETARG_BOOL(4);
	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	rc = dr_repoint(NULL, &spec, &res, &err);
	SPI_finish();
	if (rc)
		raise_error(&err);
	for (size_t i = 0; i < res.nchanges; i++) {
		const struct dr_repoint_change *c = &res.changes[i];
		Datum values[6];
		bool nulls[6] = { false, false, false, false, false, false };

		values[0] = CStringGetTextDatum(c->zone);
		values[1] = CStringGetTextDatum(c->name);
		values[2] = CStringGetTextDatum(c->type);
		values[3] = CStringGetTextDatum(c->old_content);
		values[4] = CStringGetTextDatum(c->new_content);
		values[5] = BoolGetDatum(c->removed);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	dr_repoint_result_release(&res);
	return (Datum)0;
}
