/* src/rectifydb.c - rectify in the database, region by region. See
 * include/drover/rectifydb.h.
 *
 * Why a region is enough: every rule of drover/rectify.h that decides a
 * name's fields looks only at the name's ancestors (is one a delegation?)
 * and at its descendants (is it an empty non-terminal, is anything below it
 * authoritative or hashed?). The apex is never a delegation nor an ENT, and
 * its own fields do not depend on other names. So for a written owner it is
 * enough to reload its top label below the apex with everything under it
 * (say "b.example.com" for "a.b.example.com"), plus the apex: a change of
 * one record in a 100,000-record zone reads the rows of one subtree, and
 * writes only the rows whose fields change. */
#include <stdlib.h>
#include <string.h>

#include "drover/db.h"
#include "drover/rectify.h"
#include "drover/rectifydb.h"
#include "drover/util.h"
#include "banned.h"

struct zone_info {
	char *apex;
	struct dr_rectify_mode mode;
};

static const char *value_or_null(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static int load_zone(PGconn *conn, const char *idtext, struct zone_info *z, struct dr_error *err)
{
	const char *p[1] = { idtext };
	PGresult *res;
	int rc;

	rc = dr_db_exec(conn,
			"SELECT d.name,"
			" EXISTS (SELECT 1 FROM cryptokeys k WHERE k.domain_id = d.id AND k.active),"
			" (SELECT m.content FROM domainmetadata m WHERE m.domain_id = d.id"
			"  AND m.kind = 'PRESIGNED' ORDER BY m.id LIMIT 1),"
			" (SELECT m.content FROM domainmetadata m WHERE m.domain_id = d.id"
			"  AND m.kind = 'NSEC3PARAM' ORDER BY m.id LIMIT 1),"
			" (SELECT m.content FROM domainmetadata m WHERE m.domain_id = d.id"
			"  AND m.kind = 'NSEC3NARROW' ORDER BY m.id LIMIT 1)"
			" FROM domains d WHERE d.id = $1::int",
			1, p, &res, err);
	if (rc)
		return rc;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return dr_error_set(err, DR_ENOTFOUND, "zone", "zone id %s not found", idtext);
	}
	rc = dr_rectify_mode_init(&z->mode, !strcmp(PQgetvalue(res, 0, 1), "t"),
				  value_or_null(res, 0, 2), value_or_null(res, 0, 3),
				  value_or_null(res, 0, 4), err);
	if (!rc)
		z->apex = dr_xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

static void like_escaped(struct dr_sbuf *sb, const char *s)
{
	dr_sbuf_adds(sb, "%.");
	for (; *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			dr_sbuf_add(sb, "\\", 1);
		dr_sbuf_add(sb, s, 1);
	}
}

/* The enabled rows of the regions of names (all of them when n is 0). */
static int load_rows(PGconn *conn, const char *idtext, const char *apex,
		     const char *const *names, size_t n, PGresult **res, struct dr_error *err)
{
	struct dr_sbuf exact, like;
	const char *p[3] = { idtext };
	int rc;

	if (!n)
		return dr_db_exec(conn,
				  "SELECT id, name, type, ordername, auth FROM records"
				  " WHERE domain_id = $1::int AND NOT disabled",
				  1, p, res, err);
	dr_sbuf_init(&exact);
	dr_sbuf_init(&like);
	dr_pgarray_add(&exact, apex);
	for (size_t i = 0; i < n; i++) {
		const char *root = dr_rectify_region_root(names[i], apex);
		struct dr_sbuf pat;

		if (!strcmp(root, apex))
			continue;
		dr_pgarray_add(&exact, root);
		dr_sbuf_init(&pat);
		like_escaped(&pat, root);
		dr_pgarray_add(&like, dr_sbuf_str(&pat));
		dr_sbuf_release(&pat);
	}
	p[1] = dr_pgarray_end(&exact);
	p[2] = dr_pgarray_end(&like);
	rc = dr_db_exec(conn,
			"SELECT id, name, type, ordername, auth FROM records"
			" WHERE domain_id = $1::int AND NOT disabled"
			" AND (name = ANY($2::text[]) OR name LIKE ANY($3::text[]))",
			3, p, res, err);
	dr_sbuf_release(&exact);
	dr_sbuf_release(&like);
	return rc;
}

static bool same(const char *have, const char *want)
{
	return have ? want && !strcmp(have, want) : !want;
}

/* Changes, each kind as parallel array literals. */
struct changes {
	struct dr_sbuf up_id, up_ord, up_auth, del_id, ins_name, ins_ord, ins_auth;
	size_t nup, ndel, nins;
};

static void change_update(struct changes *c, const char *id, const char *ord, bool auth)
{
	dr_pgarray_add(&c->up_id, id);
	dr_pgarray_add(&c->up_ord, ord);
	dr_pgarray_add(&c->up_auth, auth ? "t" : "f");
	c->nup++;
}

static void changes_release(struct changes *c)
{
	struct dr_sbuf *all[] = { &c->up_id, &c->up_ord, &c->up_auth, &c->del_id,
				  &c->ins_name, &c->ins_ord, &c->ins_auth };

	for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++)
		dr_sbuf_release(all[i]);
}

static int ent_find_cmp(const void *key, const void *ent)
{
	return strcmp(key, ((const struct dr_rectify_ent *)ent)->name);
}

/* Compare the rows with what rectify wants; collect the differences. */
static int diff(PGresult *res, const struct zone_info *z, struct changes *c,
		struct dr_error *err)
{
	int nrows = PQntuples(res);
	struct dr_rectify_rr *rrs = dr_xcalloc((size_t)nrows + 1, sizeof(*rrs));
	int *row_of = dr_xcalloc((size_t)nrows + 1, sizeof(*row_of));
	struct dr_rectify *r = NULL;
	bool *seen = NULL;
	size_t n = 0;
	int rc;

	for (int i = 0; i < nrows; i++) {
		if (PQgetisnull(res, i, 2))
			continue;
		rrs[n].name = PQgetvalue(res, i, 1);
		rrs[n].type = PQgetvalue(res, i, 2);
		row_of[n++] = i;
	}
	rc = dr_rectify_run(z->apex, &z->mode, rrs, n, &r, err);
	if (rc)
		goto out;
	for (size_t k = 0; k < n; k++) {
		int i = row_of[k];
		bool have_auth = !PQgetisnull(res, i, 4) && !strcmp(PQgetvalue(res, i, 4), "t");

		if (PQgetisnull(res, i, 4) || have_auth != rrs[k].auth ||
		    !same(value_or_null(res, i, 3), rrs[k].ordername))
			change_update(c, PQgetvalue(res, i, 0), rrs[k].ordername, rrs[k].auth);
	}
	seen = dr_xcalloc(r->nents + 1, sizeof(*seen));
	for (int i = 0; i < nrows; i++) {
		const struct dr_rectify_ent *e;

		if (!PQgetisnull(res, i, 2))
			continue;
		e = r->nents ? bsearch(PQgetvalue(res, i, 1), r->ents, r->nents, sizeof(*r->ents),
				       ent_find_cmp)
			     : NULL;
		if (!e || seen[e - r->ents]) { /* stale, or a second row for one ENT */
			dr_pgarray_add(&c->del_id, PQgetvalue(res, i, 0));
			c->ndel++;
			continue;
		}
		seen[e - r->ents] = true;
		if (PQgetisnull(res, i, 4) || !same(value_or_null(res, i, 3), e->ordername) ||
		    (!strcmp(PQgetvalue(res, i, 4), "t")) != e->auth)
			change_update(c, PQgetvalue(res, i, 0), e->ordername, e->auth);
	}
	for (size_t j = 0; j < r->nents; j++) {
		if (seen[j])
			continue;
		dr_pgarray_add(&c->ins_name, r->ents[j].name);
		dr_pgarray_add(&c->ins_ord, r->ents[j].ordername);
		dr_pgarray_add(&c->ins_auth, r->ents[j].auth ? "t" : "f");
		c->nins++;
	}
out:
	free(seen);
	dr_rectify_free(r);
	free(rrs);
	free(row_of);
	return rc;
}

static int apply(PGconn *conn, const char *idtext, struct changes *c, struct dr_error *err)
{
	int rc = 0;

	if (c->nup) {
		const char *p[3] = { dr_pgarray_end(&c->up_id), dr_pgarray_end(&c->up_ord),
				     dr_pgarray_end(&c->up_auth) };

		rc = dr_db_exec(conn,
				"UPDATE records r SET ordername = u.o, auth = u.a"
				" FROM unnest($1::bigint[], $2::text[], $3::bool[]) AS u(id, o, a)"
				" WHERE r.id = u.id",
				3, p, NULL, err);
	}
	if (!rc && c->ndel) {
		const char *p[2] = { idtext, dr_pgarray_end(&c->del_id) };

		rc = dr_db_exec(conn,
				"DELETE FROM records WHERE domain_id = $1::int AND type IS NULL"
				" AND id = ANY($2::bigint[])",
				2, p, NULL, err);
	}
	if (!rc && c->nins) {
		const char *p[4] = { idtext, dr_pgarray_end(&c->ins_name),
				     dr_pgarray_end(&c->ins_ord), dr_pgarray_end(&c->ins_auth) };

		rc = dr_db_exec(conn,
				"INSERT INTO records (domain_id, name, type, content, ttl, prio,"
				" disabled, ordername, auth)"
				" SELECT $1::int, u.n, NULL, NULL, NULL, NULL, false, u.o, u.a"
				" FROM unnest($2::text[], $3::text[], $4::bool[]) AS u(n, o, a)",
				4, p, NULL, err);
	}
	return rc;
}

/* The rows of the regions that differ from rectify's result; written when
 * write is set. */
static int rectify_regions(PGconn *conn, long long zone_id, const char *const *names, size_t n,
			   bool write, long long *changed, struct dr_error *err)
{
	struct zone_info z = { 0 };
	struct changes c = { 0 };
	PGresult *res = NULL;
	char idtext[32];
	int rc;

	if (changed)
		*changed = 0;
	snprintf(idtext, sizeof(idtext), "%lld", zone_id);
	rc = load_zone(conn, idtext, &z, err);
	if (rc || z.mode.kind == DR_RECTIFY_PRESIGNED)
		goto out;
	rc = load_rows(conn, idtext, z.apex, names, names ? n : 0, &res, err);
	if (!rc)
		rc = diff(res, &z, &c, err);
	PQclear(res);
	if (!rc && write)
		rc = apply(conn, idtext, &c, err);
	if (!rc && changed)
		*changed = (long long)(c.nup + c.ndel + c.nins);
out:
	changes_release(&c);
	free(z.apex);
	return rc;
}

int dr_rectifydb_names(PGconn *conn, long long zone_id, const char *const *names, size_t n,
		       long long *changed, struct dr_error *err)
{
	return rectify_regions(conn, zone_id, names, n, true, changed, err);
}

int dr_rectifydb_zone(PGconn *conn, long long zone_id, long long *changed, struct dr_error *err)
{
	return rectify_regions(conn, zone_id, NULL, 0, true, changed, err);
}

int dr_rectifydb_zone_differs(PGconn *conn, long long zone_id, long long *differ,
			      struct dr_error *err)
{
	return rectify_regions(conn, zone_id, NULL, 0, false, differ, err);
}
