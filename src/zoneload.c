/* src/zoneload.c - the bulk writer of `drover zone import`: a batch of
 * checked zone files goes into the PowerDNS tables in one transaction with
 * a fixed number of statements (zones created, locked, old records deleted,
 * new ones sent with COPY, rectified, checked), whatever the number of
 * zones and records. Also the in-memory set of the database's zones. The
 * capture triggers see the COPY like any other write. See
 * include/drover/zoneload.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drover/db.h"
#include "drover/rectifydb.h"
#include "drover/util.h"
#include "drover/zoneload.h"
#include "banned.h"

/* first key of the writer's two-key advisory locks, as in src/zone.c */
#define ZONE_LOCK_CLASS "1685217281"
#define COPY_CHUNK (1 << 20)

/* ---- the zone set: open addressing over FNV-1a hashes */

struct slot {
	char *name;
	char *type;
};

struct dr_zoneset {
	struct slot *slots;
	size_t cap, n;
};

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct slot *find_slot(const struct dr_zoneset *set, const char *name)
{
	size_t i = hash(name) & (set->cap - 1);

	while (set->slots[i].name && strcmp(set->slots[i].name, name))
		i = (i + 1) & (set->cap - 1);
	return &set->slots[i];
}

static void grow(struct dr_zoneset *set)
{
	struct slot *old = set->slots;
	size_t oldcap = set->cap;

	set->cap = oldcap ? oldcap * 2 : 1024;
	set->slots = dr_xcalloc(set->cap, sizeof(*set->slots));
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].name)
			*find_slot(set, old[i].name) = old[i];
	free(old);
}

void dr_zoneset_add(struct dr_zoneset *set, const char *name, const char *type)
{
	struct slot *s;

	if ((set->n + 1) * 2 > set->cap)
		grow(set);
	s = find_slot(set, name);
	if (s->name)
		return;
	s->name = dr_xstrdup(name);
	s->type = dr_xstrdup(type);
	set->n++;
}

const char *dr_zoneset_type(const struct dr_zoneset *set, const char *name)
{
	return set->cap ? find_slot(set, name)->type : NULL;
}

bool dr_zoneset_has(void *set, const char *name)
{
	return dr_zoneset_type(set, name) != NULL;
}

void dr_zoneset_free(struct dr_zoneset *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->cap; i++) {
		free(set->slots[i].name);
		free(set->slots[i].type);
	}
	free(set->slots);
	free(set);
}

struct dr_zoneset *dr_zoneset_new(void)
{
	return dr_xcalloc(1, sizeof(struct dr_zoneset));
}

struct dr_zoneset *dr_zoneset_load(PGconn *conn, struct dr_error *err)
{
	struct dr_zoneset *set;
	PGresult *res;

	if (dr_db_exec(conn, "SELECT name, upper(type) FROM domains", 0, NULL, &res, err))
		return NULL;
	set = dr_zoneset_new();
	for (int r = 0; r < PQntuples(res); r++)
		dr_zoneset_add(set, PQgetvalue(res, r, 0), PQgetvalue(res, r, 1));
	PQclear(res);
	return set;
}

void dr_zoneload_check(struct dr_zonefile *zf, const struct dr_zoneset *set, bool replace)
{
	const char *type = dr_zoneset_type(set, zf->zone);
	const char *file = !strcmp(zf->path, "-") ? "stdin" : zf->path;

	if (type && !*type) /* a zone this import creates */
		type = NULL;

	if (type && (!strcmp(type, "SLAVE") || !strcmp(type, "CONSUMER"))) {
		dr_zonefile_error(zf, file, 0,
				  "zone '%s.' is a secondary: its records come from its primary",
				  zf->zone);
		return;
	}
	if ((!type || replace) && !zf->has_soa)
		dr_zonefile_error(zf, file, 0, "zone '%s.' needs an SOA record at its apex%s",
				  zf->zone, type ? " (--replace)" : " (the import creates it)");
	if ((!type || replace) && !zf->has_apex_ns)
		dr_zonefile_error(zf, file, 0, "zone '%s.' needs NS records at its apex%s",
				  zf->zone, type ? " (--replace)" : " (the import creates it)");
}

/* ---- the batch */

/* {"a","b"}: a text[] literal of storage-form names (no quote or backslash). */
struct batch {
	PGconn *conn;
	struct dr_zoneload_item *items;
	size_t n;
	char **idtext;  /* per item */
	struct dr_sbuf names, idarr, merged; /* text[] and int[] literals */
	size_t nmerged;
};

static struct dr_zoneload_item *item_named(struct batch *b, const char *name)
{
	for (size_t i = 0; i < b->n; i++)
		if (!strcmp(b->items[i].zf->zone, name))
			return &b->items[i];
	return NULL;
}

/* New zones: domains rows and their SOA-EDIT-API metadata, in one statement. */
static int create_zones(struct batch *b, struct dr_error *err)
{
	const char *p[1] = { dr_pgarray_end(&b->names) };
	PGresult *res;
	int rc;

	rc = dr_db_exec(b->conn,
			"WITH created AS (INSERT INTO domains (name, type)"
			"  SELECT n, 'NATIVE' FROM unnest($1::text[]) n"
			"  ON CONFLICT (name) DO NOTHING RETURNING id, name),"
			" meta AS (INSERT INTO domainmetadata (domain_id, kind, content)"
			"  SELECT id, 'SOA-EDIT-API', 'DEFAULT' FROM created)"
			" SELECT name FROM created",
			1, p, &res, err);
	if (rc)
		return rc;
	for (int r = 0; r < PQntuples(res); r++) {
		struct dr_zoneload_item *it = item_named(b, PQgetvalue(res, r, 0));

		if (it)
			it->created = true;
	}
	PQclear(res);
	return 0;
}

/* Lock every zone of the batch in id order; read its id, type and serial. */
static int lock_zones(struct batch *b, struct dr_error *err)
{
	const char *p[1] = { dr_sbuf_str(&b->names) };
	PGresult *res;
	int rc = 0;

	rc = dr_db_exec(b->conn,
			"SELECT d.id, d.name, upper(d.type),"
			"  (SELECT drover.soa_serial(s.content) FROM records s"
			"   WHERE s.domain_id = d.id AND s.type = 'SOA' AND s.name = d.name"
			"   ORDER BY 1 DESC NULLS LAST LIMIT 1),"
			"  pg_advisory_xact_lock(" ZONE_LOCK_CLASS ", d.id)"
			" FROM (SELECT id, name, type FROM domains WHERE name = ANY($1::text[])"
			"  ORDER BY id) d",
			1, p, &res, err);
	if (rc)
		return rc;
	for (int r = 0; r < PQntuples(res); r++) {
		struct dr_zoneload_item *it = item_named(b, PQgetvalue(res, r, 1));
		const char *type = PQgetvalue(res, r, 2);
		size_t i;

		if (!it)
			continue;
		i = (size_t)(it - b->items);
		b->idtext[i] = dr_xstrdup(PQgetvalue(res, r, 0));
		it->old_serial = PQgetisnull(res, r, 3) ? -1 : strtoll(PQgetvalue(res, r, 3), NULL, 10);
		if (!strcmp(type, "SLAVE") || !strcmp(type, "CONSUMER")) {
			dr_zonefile_error(it->zf, it->zf->path, 0,
					  "zone '%s.' is a secondary: its records come from its primary",
					  it->zf->zone);
			rc = dr_error_set(err, DR_EINVAL, "zone", "zone '%s.' is a secondary",
					  it->zf->zone);
		}
	}
	PQclear(res);
	for (size_t i = 0; !rc && i < b->n; i++)
		if (!b->idtext[i])
			rc = dr_error_set(err, DR_EDB, "zone", "zone '%s.' vanished while importing",
					  b->items[i].zf->zone);
	return rc;
}

/* What the file replaces: the zone's every record, or the file's rrsets. */
static int delete_old(struct batch *b, bool replace, struct dr_error *err)
{
	struct dr_sbuf ids, names, types;
	const char *p[3];
	int rc;

	if (replace) {
		p[0] = dr_sbuf_str(&b->idarr);
		return dr_db_exec(b->conn, "DELETE FROM records WHERE domain_id = ANY($1::int[])", 1,
				  p, NULL, err);
	}
	dr_sbuf_init(&ids);
	dr_sbuf_init(&names);
	dr_sbuf_init(&types);
	for (size_t i = 0; i < b->n; i++) {
		const struct dr_zonefile *zf = b->items[i].zf;

		if (b->items[i].created)
			continue;
		for (size_t j = 0; j < zf->nrecs; j++) {
			const struct dr_zf_record *r = &zf->recs[j];

			if (j && !strcmp(r->owner, zf->recs[j - 1].owner) &&
			    !strcmp(r->type, zf->recs[j - 1].type))
				continue; /* one entry per rrset (records are sorted) */
			dr_pgarray_add(&ids, b->idtext[i]);
			dr_pgarray_add(&names, r->owner);
			dr_pgarray_add(&types, r->type);
		}
	}
	p[0] = dr_pgarray_end(&ids);
	p[1] = dr_pgarray_end(&names);
	p[2] = dr_pgarray_end(&types);
	rc = dr_db_exec(b->conn,
			"DELETE FROM records r USING unnest($1::int[], $2::text[], $3::text[])"
			" AS x(d, n, t) WHERE r.domain_id = x.d AND r.name = x.n AND r.type = x.t",
			3, p, NULL, err);
	dr_sbuf_release(&ids);
	dr_sbuf_release(&names);
	dr_sbuf_release(&types);
	return rc;
}

/* COPY's text format: backslash, tab, newline and carriage return escaped. */
static void copy_text(struct dr_sbuf *sb, const char *s)
{
	const char *start = s;

	for (; *s; s++) {
		const char *esc = *s == '\\' ? "\\\\" : *s == '\t' ? "\\t" : *s == '\n' ? "\\n"
				 : *s == '\r' ? "\\r" : NULL;

		if (!esc)
			continue;
		dr_sbuf_add(sb, start, (size_t)(s - start));
		dr_sbuf_adds(sb, esc);
		start = s + 1;
	}
	dr_sbuf_add(sb, start, (size_t)(s - start));
}

static int copy_error(PGconn *conn, const char *what, struct dr_error *err)
{
	char msg[300];
	const char *m = PQerrorMessage(conn);
	size_t len = strcspn(m, "\n");

	snprintf(msg, sizeof(msg), "%.*s", (int)len, m);
	return dr_error_set(err, PQstatus(conn) == CONNECTION_OK ? DR_EDB : DR_ECONNECT, "db",
			    "database error: %s: %s", what, msg);
}

static int flush(PGconn *conn, struct dr_sbuf *sb, struct dr_error *err)
{
	if (sb->len && PQputCopyData(conn, sb->buf, (int)sb->len) != 1)
		return copy_error(conn, "COPY", err);
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
	return 0;
}

/* One zone's rows in COPY text form; with whole, the empty non-terminals
 * too (a zone holding exactly the file's records needs no rectify). */
static void copy_zone(struct dr_sbuf *sb, const char *id, const struct dr_zonefile *zf,
		      bool whole, size_t *written)
{
	for (size_t j = 0; j < zf->nrecs; j++) {
		const struct dr_zf_record *r = &zf->recs[j];

		if (r->dup)
			continue;
		dr_sbuf_adds(sb, id);
		dr_sbuf_add(sb, "\t", 1);
		copy_text(sb, r->owner);
		dr_sbuf_addf(sb, "\t%s\t", r->type);
		copy_text(sb, r->content);
		dr_sbuf_addf(sb, "\t%lld\t%d\tf\t\\N\t%c\n", r->ttl, r->prio, r->auth ? 't' : 'f');
		(*written)++;
	}
	for (size_t j = 0; whole && j < zf->nents; j++) {
		dr_sbuf_addf(sb, "%s\t", id);
		copy_text(sb, zf->ents[j]);
		dr_sbuf_addf(sb, "\t\\N\t\\N\t\\N\t\\N\tf\t\\N\t%c\n", zf->ent_auth[j] ? 't' : 'f');
	}
}

static int copy_records(struct batch *b, bool replace, struct dr_error *err)
{
	struct dr_sbuf sb;
	PGresult *res = PQexec(b->conn,
			       "COPY records (domain_id, name, type, content, ttl, prio, disabled,"
			       " ordername, auth) FROM STDIN");
	int rc = 0;

	if (PQresultStatus(res) != PGRES_COPY_IN) {
		PQclear(res);
		return copy_error(b->conn, "COPY", err);
	}
	PQclear(res);
	dr_sbuf_init(&sb);
	for (size_t i = 0; !rc && i < b->n; i++) {
		b->items[i].written = 0;
		copy_zone(&sb, b->idtext[i], b->items[i].zf, replace || b->items[i].created,
			  &b->items[i].written);
		if (sb.len >= COPY_CHUNK)
			rc = flush(b->conn, &sb, err);
	}
	if (!rc)
		rc = flush(b->conn, &sb, err);
	dr_sbuf_release(&sb);
	if (PQputCopyEnd(b->conn, rc ? "import failed" : NULL) != 1 && !rc)
		rc = copy_error(b->conn, "COPY", err);
	while ((res = PQgetResult(b->conn))) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && !rc)
			rc = copy_error(b->conn, "COPY", err);
		PQclear(res);
	}
	return rc;
}

/* Zones merged into: rectify in the database, the whole zone. Zones created
 * or replaced hold exactly the file's records, whose fields the file's own
 * rectify computed for an unsigned zone; a replaced zone that is signed
 * (it kept its keys) is rectified again, for its ordernames. */
static int rectify(struct batch *b, bool replace, struct dr_error *err)
{
	const char *p[1] = { dr_sbuf_str(&b->idarr) };
	PGresult *res;
	int rc;

	rc = dr_db_exec(b->conn,
			"SELECT d.id FROM domains d WHERE d.id = ANY($1::int[]) AND ("
			" EXISTS (SELECT 1 FROM cryptokeys k WHERE k.domain_id = d.id AND k.active)"
			" OR EXISTS (SELECT 1 FROM domainmetadata m WHERE m.domain_id = d.id"
			"  AND m.kind = 'PRESIGNED'))",
			1, p, &res, err);
	if (rc)
		return rc;
	for (size_t i = 0; !rc && i < b->n; i++) {
		bool redo = !replace && !b->items[i].created;

		for (int r = 0; !redo && r < PQntuples(res); r++)
			redo = !strcmp(PQgetvalue(res, r, 0), b->idtext[i]);
		if (redo)
			rc = dr_rectifydb_zone(b->conn, strtoll(b->idtext[i], NULL, 10), NULL, err);
	}
	PQclear(res);
	return rc;
}

/* A merge may leave a CNAME beside rrsets the file did not replace. */
static int check_cname(struct batch *b, struct dr_error *err)
{
	const char *p[1] = { dr_sbuf_str(&b->merged) };
	PGresult *res;
	int rc;

	rc = dr_db_exec(b->conn,
			"SELECT d.name, r.name, string_agg(DISTINCT r.type, ',' ORDER BY r.type)"
			" FROM records r JOIN domains d ON d.id = r.domain_id"
			" WHERE r.domain_id = ANY($1::int[]) AND r.type IS NOT NULL"
			" GROUP BY d.name, r.name"
			" HAVING bool_or(r.type = 'CNAME') AND count(DISTINCT r.type) > 1",
			1, p, &res, err);
	if (rc)
		return rc;
	for (int r = 0; r < PQntuples(res); r++) {
		struct dr_zoneload_item *it = item_named(b, PQgetvalue(res, r, 0));
		const struct dr_zf_record *rec;

		if (!it)
			continue;
		rec = dr_zonefile_find(it->zf, PQgetvalue(res, r, 1), NULL);
		dr_zonefile_error(it->zf, rec ? rec->file : it->zf->path, rec ? rec->line : 0,
				  "name '%s.' would hold a CNAME beside other data (%s) once "
				  "merged with the zone; a CNAME must be alone (use --replace?)",
				  PQgetvalue(res, r, 1), PQgetvalue(res, r, 2));
		rc = dr_error_set(err, DR_EINVAL, "name", "a CNAME beside other data");
	}
	PQclear(res);
	return rc;
}

static int write_batch(struct batch *b, bool replace, struct dr_error *err)
{
	int rc;

	for (size_t i = 0; i < b->n; i++)
		dr_pgarray_add(&b->names, b->items[i].zf->zone);
	rc = dr_db_begin(b->conn, err);
	if (rc)
		return rc;
	rc = create_zones(b, err);
	if (!rc)
		rc = lock_zones(b, err);
	for (size_t i = 0; !rc && i < b->n; i++) {
		dr_pgarray_add(&b->idarr, b->idtext[i]);
		if (!replace && !b->items[i].created) {
			dr_pgarray_add(&b->merged, b->idtext[i]);
			b->nmerged++;
		}
	}
	if (!rc) {
		dr_pgarray_end(&b->idarr);
		dr_pgarray_end(&b->merged);
	}
	if (!rc)
		rc = delete_old(b, replace, err);
	if (!rc)
		rc = copy_records(b, replace, err);
	if (!rc)
		rc = rectify(b, replace, err);
	if (!rc && b->nmerged)
		rc = check_cname(b, err);
	if (!rc)
		rc = dr_db_commit(b->conn, err);
	if (rc)
		dr_db_rollback(b->conn);
	return rc;
}

int dr_zoneload_write(PGconn *conn, struct dr_zoneload_item *items, size_t n, bool replace,
		      struct dr_error *err)
{
	struct batch b = { .conn = conn, .items = items, .n = n };
	int rc;

	for (size_t i = 0; i < n; i++) {
		items[i].created = false;
		items[i].old_serial = -1;
		items[i].written = 0;
	}
	b.idtext = dr_xcalloc(n + 1, sizeof(*b.idtext));
	dr_sbuf_init(&b.names);
	dr_sbuf_init(&b.idarr);
	dr_sbuf_init(&b.merged);
	rc = write_batch(&b, replace, err);
	for (size_t i = 0; i < n; i++)
		free(b.idtext[i]);
	free(b.idtext);
	dr_sbuf_release(&b.names);
	dr_sbuf_release(&b.idarr);
	dr_sbuf_release(&b.merged);
	return rc;
}
