/* src/rrset.c - write one rrset: replace, add to, or delete it, in one
 * transaction under the zone's advisory lock, after every record parsed and
 * every zone rule checked; then rectify the zone and commit, or roll back
 * and write nothing. See include/drover/rrset.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drover/db.h"
#include "drover/name.h"
#include "drover/rectifydb.h"
#include "drover/rr.h"
#include "drover/rrset.h"
#include "drover/util.h"
#include "drover/zone.h"
#include "banned.h"

int dr_rrset_insert(PGconn *conn, long long zone_id, const char *owner, long long ttl,
		    const struct dr_rr *rrs, size_t n, struct dr_error *err)
{
	char idtext[32], ttltext[32], priotext[16];
	const char *p[6] = { idtext, owner, NULL, NULL, ttltext, priotext };
	int rc;

	snprintf(idtext, sizeof(idtext), "%lld", zone_id);
	snprintf(ttltext, sizeof(ttltext), "%lld", ttl);
	for (size_t i = 0; i < n; i++) {
		p[2] = rrs[i].type;
		p[3] = rrs[i].content;
		snprintf(priotext, sizeof(priotext), "%d", rrs[i].prio);
		/* skip a record the rrset already holds (an rrset is a set) */
		rc = dr_db_exec(conn,
				"INSERT INTO records (domain_id, name, type, content, ttl, prio,"
				" disabled, ordername, auth)"
				" SELECT $1::int, $2::text, $3::text, $4::text, $5::int, $6::int,"
				"  false, NULL, true"
				" WHERE NOT EXISTS (SELECT 1 FROM records WHERE domain_id = $1::int"
				"   AND name = $2::text AND type = $3::text AND content = $4::text"
				"   AND prio = $6::int)",
				6, p, NULL, err);
		if (rc)
			return rc;
	}
	return 0;
}

struct target {
	char *zone;  /* storage form */
	char *owner; /* storage form */
	char *type;
	long long zone_id;
	char zone_type[16];
};

static void target_release(struct target *t)
{
	free(t->zone);
	free(t->owner);
	free(t->type);
}

static int resolve(const char *zone, const char *name, const char *type, struct target *t,
		   struct dr_error *err)
{
	int rc;

	memset(t, 0, sizeof(*t));
	rc = dr_name_zone(zone, &t->zone, err);
	if (!rc)
		rc = dr_name_owner(t->zone, name, &t->owner, err);
	if (!rc)
		rc = dr_rr_type(type, &t->type, err);
	return rc;
}

/* Inside the transaction: the zone exists, is not a secondary, and the
 * owner is not inside a child zone stored separately. */
static int check_zone(PGconn *conn, struct target *t, struct dr_error *err)
{
	const char *p[2] = { t->zone, t->owner };
	PGresult *res;
	int rc;

	rc = dr_zone_lock(conn, t->zone, &t->zone_id, t->zone_type, sizeof(t->zone_type), err);
	if (rc)
		return rc;
	if (!strcmp(t->zone_type, "SLAVE"))
		return dr_error_set(err, DR_EINVAL, "zone",
				    "zone '%s.' is a secondary: its records come from its primary",
				    t->zone);
	rc = dr_db_exec(conn,
			"SELECT name FROM domains WHERE length(name) > length($1)"
			" AND ($2 = name OR right($2, length(name) + 1) = '.' || name)"
			" ORDER BY length(name) DESC LIMIT 1",
			2, p, &res, err);
	if (rc)
		return rc;
	if (PQntuples(res))
		rc = dr_error_set(err, DR_EINVAL, "name", "name '%s.' belongs to zone '%s.', not '%s.'",
				  t->owner, PQgetvalue(res, 0, 0), t->zone);
	PQclear(res);
	return rc;
}

/* Types other than `type` at the owner (enabled or not), comma-joined. */
static int other_types(PGconn *conn, const struct target *t, char *out, size_t outlen,
		       struct dr_error *err)
{
	char idtext[32];
	const char *p[3] = { idtext, t->owner, t->type };
	PGresult *res;
	int rc;

	snprintf(idtext, sizeof(idtext), "%lld", t->zone_id);
	rc = dr_db_exec(conn,
			"SELECT coalesce(string_agg(DISTINCT type, ',' ORDER BY type), '')"
			" FROM records WHERE domain_id = $1 AND name = $2"
			" AND type IS NOT NULL AND type <> $3",
			3, p, &res, err);
	if (rc)
		return rc;
	snprintf(out, outlen, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

/* True if the comma-joined list holds item. */
static bool list_has(const char *list, const char *item)
{
	size_t n = strlen(item);

	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");

		if (len == n && !strncmp(p, item, n))
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

static int check_rules(PGconn *conn, const struct target *t, size_t n, struct dr_error *err)
{
	bool apex = !strcmp(t->owner, t->zone);
	char others[256];
	int rc;

	if (!strcmp(t->type, "CNAME")) {
		if (apex)
			return dr_error_set(err, DR_EINVAL, "type",
					    "record '%s.' CNAME: a CNAME cannot be at the zone apex",
					    t->owner);
		if (n > 1)
			return dr_error_set(err, DR_EINVAL, "content",
					    "record '%s.' CNAME: a CNAME rrset holds one record, "
					    "got %zu",
					    t->owner, n);
	}
	if (!strcmp(t->type, "SOA")) {
		if (!apex)
			return dr_error_set(err, DR_EINVAL, "type",
					    "record '%s.' SOA: the SOA belongs at the zone apex '%s.'",
					    t->owner, t->zone);
		if (n != 1)
			return dr_error_set(err, DR_EINVAL, "content",
					    "record '%s.' SOA: a zone has exactly one SOA, got %zu",
					    t->owner, n);
	}
	rc = other_types(conn, t, others, sizeof(others), err);
	if (rc)
		return rc;
	if (!strcmp(t->type, "CNAME") && *others)
		return dr_error_set(err, DR_EINVAL, "type",
				    "record '%s.' CNAME: the name already holds other data (%s); a "
				    "CNAME must be alone",
				    t->owner, others);
	if (strcmp(t->type, "CNAME") && list_has(others, "CNAME"))
		return dr_error_set(err, DR_EINVAL, "type",
				    "record '%s.' %s: the name holds a CNAME, which must be alone",
				    t->owner, t->type);
	return 0;
}

/* TTL and record count of the existing rrset (ttl -1 when there is none). */
static int existing(PGconn *conn, const struct target *t, long long *ttl, size_t *count,
		    struct dr_error *err)
{
	char idtext[32];
	const char *p[3] = { idtext, t->owner, t->type };
	PGresult *res;
	int rc;

	snprintf(idtext, sizeof(idtext), "%lld", t->zone_id);
	rc = dr_db_exec(conn,
			"SELECT min(coalesce(ttl, 3600)), count(*) FROM records"
			" WHERE domain_id = $1 AND name = $2 AND type = $3",
			3, p, &res, err);
	if (rc)
		return rc;
	*ttl = PQgetisnull(res, 0, 0) ? -1 : strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	*count = (size_t)strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	return 0;
}

static int delete_rows(PGconn *conn, const struct target *t, size_t *deleted,
		       struct dr_error *err)
{
	char idtext[32];
	const char *p[3] = { idtext, t->owner, t->type };
	PGresult *res;
	int rc;

	snprintf(idtext, sizeof(idtext), "%lld", t->zone_id);
	rc = dr_db_exec(conn, "DELETE FROM records WHERE domain_id = $1 AND name = $2 AND type = $3",
			3, p, &res, err);
	if (rc)
		return rc;
	*deleted = (size_t)dr_db_affected(res);
	PQclear(res);
	return 0;
}

static void fill_result(struct dr_rrset_result *res, const struct target *t, long long ttl,
			size_t nrecords, size_t nadded)
{
	if (!res)
		return;
	snprintf(res->owner, sizeof(res->owner), "%s.", t->owner);
	snprintf(res->type, sizeof(res->type), "%s", t->type);
	res->ttl = ttl;
	res->nrecords = nrecords;
	res->nadded = nadded;
}

/* Parse every record before the database is touched; duplicates dropped. */
static int parse_all(const struct target *t, const char *const *contents, size_t n,
		     struct dr_rr *rrs, size_t *nrrs, struct dr_error *err)
{
	*nrrs = 0;
	for (size_t i = 0; i < n; i++) {
		struct dr_rr *rr = &rrs[*nrrs];
		bool dup = false;
		int rc = dr_rr_parse(t->zone, t->owner, t->type, contents[i], rr, err);

		if (rc)
			return rc;
		for (size_t j = 0; j < *nrrs; j++)
			if (rrs[j].prio == rr->prio && !strcmp(rrs[j].content, rr->content))
				dup = true;
		if (dup)
			dr_rr_release(rr);
		else
			(*nrrs)++;
	}
	return 0;
}

/* Validate the arguments and parse every record, before the database is
 * touched. On success t, *ttl and rrs[0..*nrrs) are the caller's to release. */
static int prepare(const char *zone, const char *name, const char *type, const char *ttltext,
		   const char *const *contents, size_t n, struct target *t, long long *ttl,
		   struct dr_rr *rrs, size_t *nrrs, struct dr_error *err)
{
	int rc;

	*nrrs = 0;
	rc = resolve(zone, name, type, t, err);
	if (rc)
		return rc;
	if (!dr_parse_ll(ttltext, 0, DR_TTL_MAX, ttl))
		return dr_error_set(err, DR_EINVAL, "ttl",
				    "record '%s.' %s: TTL must be 0..2147483647, got '%s'", t->owner,
				    t->type, ttltext);
	if (n == 0)
		return dr_error_set(err, DR_EUSAGE, "content",
				    "record '%s.' %s: no record data given", t->owner, t->type);
	return parse_all(t, contents, n, rrs, nrrs, err);
}

/* Inside the transaction: lock the zone, check the rules, write. */
static int write_locked(PGconn *conn, enum dr_rrset_op op, struct target *t, long long ttl,
			const struct dr_rr *rrs, size_t nrrs, struct dr_rrset_result *res,
			struct dr_error *err)
{
	size_t old_count = 0, count = 0, deleted = 0;
	long long old_ttl, new_ttl;
	int rc;

	rc = check_zone(conn, t, err);
	if (!rc)
		rc = existing(conn, t, &old_ttl, &old_count, err);
	if (!rc)
		rc = check_rules(conn, t, op == DR_RRSET_ADD ? nrrs + old_count : nrrs, err);
	if (!rc && op == DR_RRSET_ADD && old_ttl >= 0 && old_ttl != ttl)
		rc = dr_error_set(err, DR_EINVAL, "ttl",
				  "record '%s.' %s: the rrset has TTL %lld; one rrset has one TTL "
				  "(use 'rrset replace' to change it)",
				  t->owner, t->type, old_ttl);
	if (!rc && op == DR_RRSET_REPLACE)
		rc = delete_rows(conn, t, &deleted, err);
	if (!rc)
		rc = dr_rrset_insert(conn, t->zone_id, t->owner, ttl, rrs, nrrs, err);
	if (!rc)
		rc = existing(conn, t, &new_ttl, &count, err); /* count afterwards */
	if (!rc)
		fill_result(res, t, ttl, count, op == DR_RRSET_ADD ? count - old_count : nrrs);
	return rc;
}

static void release_parsed(struct dr_rr *rrs, size_t nrrs)
{
	for (size_t i = 0; i < nrrs; i++)
		dr_rr_release(&rrs[i]);
	free(rrs);
}

/* Parse, then (own_tx: in a transaction of its own, rectified and
 * committed) write. */
static int write_rrset(PGconn *conn, bool own_tx, enum dr_rrset_op op, const char *zone,
		       const char *name, const char *type, const char *ttltext,
		       const char *const *contents, size_t n, struct dr_rrset_result *res,
		       struct dr_error *err)
{
	struct target t;
	struct dr_rr *rrs = dr_xcalloc(n + 1, sizeof(*rrs));
	size_t nrrs = 0;
	long long ttl;
	int rc;

	rc = prepare(zone, name, type, ttltext, contents, n, &t, &ttl, rrs, &nrrs, err);
	if (rc || (own_tx && (rc = dr_db_begin(conn, err))))
		goto out;
	rc = write_locked(conn, op, &t, ttl, rrs, nrrs, res, err);
	if (own_tx) {
		if (!rc)
			rc = dr_rectifydb_names(conn, t.zone_id, (const char *const *)&t.owner, 1, NULL, err);
		if (!rc)
			rc = dr_db_commit(conn, err);
		if (rc)
			dr_db_rollback(conn);
	}
out:
	release_parsed(rrs, nrrs);
	target_release(&t);
	return rc;
}

int dr_rrset_write_tx(PGconn *conn, enum dr_rrset_op op, const char *zone, const char *name,
		      const char *type, const char *ttltext, const char *const *contents,
		      size_t n, struct dr_rrset_result *res, struct dr_error *err)
{
	return write_rrset(conn, false, op, zone, name, type, ttltext, contents, n, res, err);
}

int dr_rrset_write(PGconn *conn, enum dr_rrset_op op, const char *zone, const char *name,
		   const char *type, const char *ttltext, const char *const *contents, size_t n,
		   struct dr_rrset_result *res, struct dr_error *err)
{
	return write_rrset(conn, true, op, zone, name, type, ttltext, contents, n, res, err);
}

int dr_rrset_delete(PGconn *conn, const char *zone, const char *name, const char *type,
		    struct dr_rrset_result *res, struct dr_error *err)
{
	struct target t;
	size_t deleted = 0;
	int rc;

	rc = resolve(zone, name, type, &t, err);
	if (rc)
		goto out;
	if (!strcmp(t.type, "SOA")) {
		rc = dr_error_set(err, DR_EINVAL, "type",
				  "record '%s.' SOA: a zone needs its SOA; delete the zone instead",
				  t.owner);
		goto out;
	}
	if (!strcmp(t.type, "NS") && !strcmp(t.owner, t.zone)) {
		rc = dr_error_set(err, DR_EINVAL, "type",
				  "record '%s.' NS: a zone needs its apex NS rrset; replace it instead",
				  t.owner);
		goto out;
	}
	rc = dr_db_begin(conn, err);
	if (rc)
		goto out;
	rc = check_zone(conn, &t, err);
	if (!rc)
		rc = delete_rows(conn, &t, &deleted, err);
	if (!rc && deleted == 0)
		rc = dr_error_set(err, DR_ENOTFOUND, "name", "no rrset '%s.' %s in zone '%s.'",
				  t.owner, t.type, t.zone);
	if (!rc)
		rc = dr_rectifydb_names(conn, t.zone_id, (const char *const *)&t.owner, 1, NULL, err);
	if (!rc)
		rc = dr_db_commit(conn, err);
	if (rc) {
		dr_db_rollback(conn);
		goto out;
	}
	fill_result(res, &t, -1, deleted, 0);
out:
	target_release(&t);
	return rc;
}
