/* src/zone.c - zones in the PowerDNS tables: create (domains row, SOA, NS
 * rrset and SOA-EDIT-API metadata, rectified, in one transaction), delete,
 * list, and read rrsets back in presentation form. See
 * include/drover/zone.h. Every statement is parameterised. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drover/db.h"
#include "drover/name.h"
#include "drover/rectifydb.h"
#include "drover/rr.h"
#include "drover/rrset.h"
#include "drover/util.h"
#include "drover/zone.h"
#include "banned.h"

#define DEFAULT_TTL 3600

int dr_zone_kind_parse(const char *s, enum dr_zone_kind *kind, struct dr_error *err)
{
	if (!strcmp(s, "native"))
		*kind = DR_ZONE_NATIVE;
	else if (!strcmp(s, "primary") || !strcmp(s, "master"))
		*kind = DR_ZONE_PRIMARY;
	else if (!strcmp(s, "secondary") || !strcmp(s, "slave"))
		*kind = DR_ZONE_SECONDARY;
	else
		return dr_error_set(err, DR_EINVAL, "kind",
				    "--kind: expected native, primary or secondary, got '%s'", s);
	return 0;
}

const char *dr_zone_kind_db(enum dr_zone_kind kind)
{
	switch (kind) {
	case DR_ZONE_PRIMARY: return "MASTER";
	case DR_ZONE_SECONDARY: return "SLAVE";
	default: return "NATIVE";
	}
}

const char *dr_zone_kind_show(const char *db_type)
{
	if (!strcmp(db_type, "MASTER"))
		return "primary";
	if (!strcmp(db_type, "SLAVE"))
		return "secondary";
	if (!strcmp(db_type, "NATIVE"))
		return "native";
	return db_type;
}

/* "hostmaster@example.com" -> "hostmaster.example.com."; a name stays. */
static char *rname_from_mailbox(const char *s)
{
	const char *at = strchr(s, '@');
	struct dr_sbuf sb;

	if (!at)
		return dr_xasprintf("%s%s", s, s[strlen(s) - 1] == '.' ? "" : ".");
	dr_sbuf_init(&sb);
	for (const char *c = s; c < at; c++) {
		if (*c == '.')
			dr_sbuf_add(&sb, "\\", 1);
		dr_sbuf_add(&sb, c, 1);
	}
	dr_sbuf_addf(&sb, ".%s%s", at + 1, at[strlen(at) - 1] == '.' ? "" : ".");
	return dr_sbuf_detach(&sb);
}

static char *absolute(const char *host)
{
	return dr_xasprintf("%s%s", host, host[strlen(host) - 1] == '.' ? "" : ".");
}

static int check_primary(const char *p, struct dr_error *err)
{
	unsigned char buf[16];
	char host[64];
	const char *colon = strrchr(p, ':');

	if (inet_pton(AF_INET, p, buf) == 1 || inet_pton(AF_INET6, p, buf) == 1)
		return 0;
	/* IPv4:PORT or [IPv6]:PORT */
	if (colon && strlen(p) < sizeof(host)) {
		long long port;

		snprintf(host, sizeof(host), "%.*s", (int)(colon - p), p);
		if (host[0] == '[' && host[strlen(host) - 1] == ']') {
			memmove(host, host + 1, strlen(host));
			host[strlen(host) - 1] = '\0';
		}
		if ((inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1) &&
		    dr_parse_ll(colon + 1, 1, 65535, &port))
			return 0;
	}
	return dr_error_set(err, DR_EINVAL, "primary-ip",
			    "--primary-ip: expected an IP address or IP:PORT, got '%s'", p);
}

/* Parse the SOA and NS records of a new zone (storage name z). */
static int build_records(const struct dr_zone_spec *spec, const char *z, struct dr_rr *soa,
			 struct dr_rr *ns, struct dr_error *err)
{
	char *mname = NULL, *rname = NULL, *data = NULL;
	char today[16];
	time_t now = time(NULL);
	struct tm tm;
	int rc = 0;

	for (size_t i = 0; i < spec->nns; i++) {
		char *host = absolute(spec->ns[i]);

		rc = dr_rr_parse(z, z, "NS", host, &ns[i], err);
		free(host);
		if (rc) {
			dr_error_prefix(err, "--ns");
			return rc;
		}
	}
	gmtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y%m%d", &tm);
	mname = absolute(spec->soa_mname ? spec->soa_mname : spec->ns[0]);
	if (spec->soa_rname)
		rname = rname_from_mailbox(spec->soa_rname);
	else
		rname = dr_xasprintf("hostmaster.%s.", z);
	data = dr_xasprintf("%s %s %s01 10800 3600 604800 3600", mname, rname, today);
	rc = dr_rr_parse(z, z, "SOA", data, soa, err);
	if (rc)
		dr_error_prefix(err, "SOA (--soa-mname, --soa-rname)");
	free(mname);
	free(rname);
	free(data);
	return rc;
}

static int insert_zone(PGconn *conn, const struct dr_zone_spec *spec, const char *z,
		       long long ttl, const struct dr_rr *soa, const struct dr_rr *ns,
		       const struct dr_template_rrset *sets, size_t nsets, struct dr_error *err)
{
	struct dr_sbuf masters;
	const char *p[4];
	PGresult *res;
	long long id;
	char idtext[32];
	int rc;

	dr_sbuf_init(&masters);
	for (size_t i = 0; i < spec->nprimaries; i++)
		dr_sbuf_addf(&masters, "%s%s", i ? "," : "", spec->primaries[i]);
	p[0] = z;
	p[1] = dr_zone_kind_db(spec->kind);
	p[2] = spec->nprimaries ? dr_sbuf_str(&masters) : NULL;
	p[3] = spec->account;
	rc = dr_db_exec(conn,
			"INSERT INTO domains (name, type, master, account) VALUES ($1, $2, $3, $4)"
			" ON CONFLICT (name) DO NOTHING RETURNING id",
			4, p, &res, err);
	dr_sbuf_release(&masters);
	if (rc)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return dr_error_set(err, DR_EEXIST, "zone", "zone '%s.' already exists", z);
	}
	id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	snprintf(idtext, sizeof(idtext), "%lld", id);
	p[0] = idtext;
	rc = dr_db_exec(conn,
			"INSERT INTO domainmetadata (domain_id, kind, content)"
			" VALUES ($1, 'SOA-EDIT-API', 'DEFAULT')",
			1, p, NULL, err);
	if (!rc && spec->kind != DR_ZONE_SECONDARY) {
		rc = dr_rrset_insert(conn, id, z, ttl, soa, 1, err);
		if (!rc)
			rc = dr_rrset_insert(conn, id, z, ttl, ns, spec->nns, err);
		if (!rc && nsets)
			rc = dr_template_write(conn, z, spec->tmpl->name, sets, nsets, err);
		if (!rc)
			rc = dr_rectifydb_zone(conn, id, NULL, err);
	}
	return rc;
}

/* The template's apex NS rrset, or NULL. */
static const struct dr_template_rrset *template_ns(const struct dr_template_rrset *sets,
						   size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(sets[i].type, "NS") && !strcmp(sets[i].owner, "@"))
			return &sets[i];
	return NULL;
}

int dr_zone_create(PGconn *conn, const struct dr_zone_spec *spec_in, char **stored,
		   struct dr_error *err)
{
	struct dr_zone_spec with_ns = *spec_in;
	const struct dr_zone_spec *spec = &with_ns;
	struct dr_rr soa = { 0 }, *ns = NULL;
	struct dr_template_rrset *sets = NULL;
	size_t nsets = 0;
	long long ttl = spec->ttl < 0 ? DEFAULT_TTL : spec->ttl;
	char *z = NULL;
	int rc;

	*stored = NULL;
	rc = dr_name_zone(spec->name, &z, err);
	if (rc)
		return rc;
	if (spec->tmpl) {
		const struct dr_template_rrset *tns;

		if (spec->kind == DR_ZONE_SECONDARY) {
			rc = dr_error_set(err, DR_EUSAGE, "template",
					  "--template is for native and primary zones: a "
					  "secondary takes its records from its primary");
			goto out;
		}
		rc = dr_template_expand(spec->tmpl, z, spec->vars, spec->nvars, ttl, &sets,
					&nsets, err);
		if (rc)
			goto out;
		tns = template_ns(sets, nsets);
		if (tns && !spec->nns) {
			with_ns.ns = (const char *const *)tns->contents;
			with_ns.nns = tns->n;
		}
	}
	if (ttl > DR_TTL_MAX) {
		rc = dr_error_set(err, DR_EINVAL, "ttl", "--ttl: must be 0..2147483647, got %lld",
				  ttl);
		goto out;
	}
	if (spec->account && strlen(spec->account) > 40) {
		rc = dr_error_set(err, DR_EINVAL, "account",
				  "--account: at most 40 characters, got %zu", strlen(spec->account));
		goto out;
	}
	if (spec->kind == DR_ZONE_SECONDARY) {
		if (!spec->nprimaries) {
			rc = dr_error_set(err, DR_EUSAGE, "primary-ip",
					  "a secondary zone needs --primary-ip IP");
			goto out;
		}
		if (spec->nns || spec->soa_mname || spec->soa_rname) {
			rc = dr_error_set(err, DR_EUSAGE, "ns",
					  "--ns and --soa-* are for native and primary zones: a "
					  "secondary takes its records from its primary");
			goto out;
		}
	} else {
		if (spec->nprimaries) {
			rc = dr_error_set(err, DR_EUSAGE, "primary-ip",
					  "--primary-ip is for secondary zones");
			goto out;
		}
		if (!spec->nns) {
			rc = dr_error_set(err, DR_EUSAGE, "ns",
					  "at least one --ns HOST is required (or a template "
					  "with an apex NS rrset)");
			goto out;
		}
	}
	for (size_t i = 0; i < spec->nprimaries; i++) {
		rc = check_primary(spec->primaries[i], err);
		if (rc)
			goto out;
	}
	ns = dr_xcalloc(spec->nns + 1, sizeof(*ns));
	if (spec->kind != DR_ZONE_SECONDARY) {
		rc = build_records(spec, z, &soa, ns, err);
		if (rc)
			goto out;
	}
	rc = dr_db_begin(conn, err);
	if (rc)
		goto out;
	rc = insert_zone(conn, spec, z, ttl, &soa, ns, sets, nsets, err);
	if (!rc)
		rc = dr_db_commit(conn, err);
	else
		dr_db_rollback(conn);
out:
	dr_rr_release(&soa);
	for (size_t i = 0; ns && i < spec->nns; i++)
		dr_rr_release(&ns[i]);
	free(ns);
	dr_template_rrsets_free(sets, nsets);
	if (rc)
		free(z);
	else
		*stored = z;
	return rc;
}

int dr_zone_delete(PGconn *conn, const char *name, struct dr_error *err)
{
	const char *p[1];
	PGresult *res;
	char *z;
	int rc;

	rc = dr_name_zone(name, &z, err);
	if (rc)
		return rc;
	p[0] = z;
	rc = dr_db_exec(conn, "DELETE FROM domains WHERE name = $1", 1, p, &res, err);
	if (!rc) {
		if (dr_db_affected(res) == 0)
			rc = dr_error_set(err, DR_ENOTFOUND, "zone", "zone '%s.' not found", z);
		PQclear(res);
	}
	free(z);
	return rc;
}

int dr_zone_rectify(PGconn *conn, const char *name, long long *changed, struct dr_error *err)
{
	char type[16], *z;
	long long id;
	int rc;

	rc = dr_name_zone(name, &z, err);
	if (rc)
		return rc;
	rc = dr_db_begin(conn, err);
	if (!rc) {
		rc = dr_zone_lock(conn, z, &id, type, sizeof(type), err);
		if (!rc)
			rc = dr_rectifydb_zone(conn, id, changed, err);
		if (!rc)
			rc = dr_db_commit(conn, err);
		if (rc)
			dr_db_rollback(conn);
	}
	free(z);
	return rc;
}

int dr_zone_lock(PGconn *conn, const char *zone, long long *id, char *type, size_t typelen,
		 struct dr_error *err)
{
	const char *p[1] = { zone };
	PGresult *res;
	int rc;

	rc = dr_db_exec(conn,
			"SELECT id, type, pg_advisory_xact_lock(" DR_ZONE_LOCK_CLASS ", id)"
			" FROM domains WHERE name = $1",
			1, p, &res, err);
	if (rc)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return dr_error_set(err, DR_ENOTFOUND, "zone", "zone '%s.' not found", zone);
	}
	*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	snprintf(type, typelen, "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	return 0;
}

char *dr_zone_glob_like(const char *glob)
{
	struct dr_sbuf sb;
	char *like;
	size_t len;

	if (!glob)
		return NULL;
	dr_sbuf_init(&sb);
	for (const char *c = glob; *c; c++) {
		if (*c == '*')
			dr_sbuf_add(&sb, "%", 1);
		else if (*c == '?')
			dr_sbuf_add(&sb, "_", 1);
		else if (*c == '%' || *c == '_' || *c == '\\')
			dr_sbuf_addf(&sb, "\\%c", *c);
		else
			dr_sbuf_add(&sb, c, 1);
	}
	like = dr_sbuf_detach(&sb);
	len = strlen(like);
	if (len > 1 && like[len - 1] == '.' && like[len - 2] != '\\')
		like[len - 1] = '\0';
	for (char *c = like; *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
	return like;
}

static char *opt_dup(const PGresult *res, int r, int c)
{
	return PQgetisnull(res, r, c) ? NULL : dr_xstrdup(PQgetvalue(res, r, c));
}

static void fill_info(struct dr_zone_info *zi, const PGresult *res, int r)
{
	zi->name = dr_name_fqdn(PQgetvalue(res, r, 0));
	zi->kind = dr_xstrdup(dr_zone_kind_show(PQgetvalue(res, r, 1)));
	zi->account = opt_dup(res, r, 2);
	if (zi->account && !*zi->account) {
		free(zi->account);
		zi->account = NULL;
	}
	zi->serial = PQgetisnull(res, r, 3) ? -1 : strtoll(PQgetvalue(res, r, 3), NULL, 10);
	zi->nrecords = strtoll(PQgetvalue(res, r, 4), NULL, 10);
}

#define ZONE_COLUMNS                                                                      \
	"d.name, d.type, d.account,"                                                      \
	" (SELECT CASE WHEN split_part(s.content, ' ', 3) ~ '^[0-9]{1,10}$'"              \
	"   THEN split_part(s.content, ' ', 3)::bigint END"                               \
	"   FROM records s WHERE s.domain_id = d.id AND s.type = 'SOA' LIMIT 1),"          \
	" (SELECT count(*) FROM records c WHERE c.domain_id = d.id AND c.type IS NOT NULL)"

int dr_zone_list(PGconn *conn, const char *account, const char *glob, struct dr_zone_info **out,
		 size_t *n, struct dr_error *err)
{
	char *like = dr_zone_glob_like(glob);
	const char *p[2] = { account, like };
	PGresult *res;
	int rc, rows;

	*out = NULL;
	*n = 0;
	rc = dr_db_exec(conn,
			"SELECT " ZONE_COLUMNS " FROM domains d"
			" WHERE ($1::text IS NULL OR d.account = $1)"
			" AND ($2::text IS NULL OR d.name LIKE $2)"
			" ORDER BY d.name",
			2, p, &res, err);
	free(like);
	if (rc)
		return rc;
	rows = PQntuples(res);
	*out = dr_xcalloc((size_t)rows + 1, sizeof(**out));
	for (int r = 0; r < rows; r++)
		fill_info(&(*out)[r], res, r);
	*n = (size_t)rows;
	PQclear(res);
	return 0;
}

static void info_release(struct dr_zone_info *zi)
{
	free(zi->name);
	free(zi->kind);
	free(zi->account);
}

void dr_zone_list_free(struct dr_zone_info *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		info_release(&list[i]);
	free(list);
}

void dr_rrsets_free(struct dr_rrset *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++) {
		free(list[i].name);
		free(list[i].type);
		for (size_t j = 0; j < list[i].nrecords; j++)
			free(list[i].records[j]);
		free(list[i].records);
	}
	free(list);
}

int dr_zone_rrsets(PGconn *conn, const char *zone, struct dr_zone_info *info,
		   struct dr_rrset **out, size_t *n, struct dr_error *err)
{
	const char *p[1];
	PGresult *res;
	struct dr_rrset *list = NULL;
	size_t count = 0;
	char *z;
	int rc, rows;

	*out = NULL;
	*n = 0;
	rc = dr_name_zone(zone, &z, err);
	if (rc)
		return rc;
	p[0] = z;
	rc = dr_db_exec(conn, "SELECT " ZONE_COLUMNS " FROM domains d WHERE d.name = $1", 1, p,
			&res, err);
	if (rc)
		goto out;
	if (PQntuples(res) == 0) {
		PQclear(res);
		rc = dr_error_set(err, DR_ENOTFOUND, "zone", "zone '%s.' not found", z);
		goto out;
	}
	if (info)
		fill_info(info, res, 0);
	PQclear(res);
	rc = dr_db_exec(conn,
			"SELECT r.name, r.type, coalesce(r.ttl, 3600), coalesce(r.prio, 0), r.content"
			" FROM records r JOIN domains d ON d.id = r.domain_id"
			" WHERE d.name = $1 AND r.type IS NOT NULL AND NOT coalesce(r.disabled, false)"
			" ORDER BY r.type <> 'SOA', r.name <> d.name, r.name, r.type, r.prio,"
			" r.content",
			1, p, &res, err);
	if (rc)
		goto out;
	rows = PQntuples(res);
	list = dr_xcalloc((size_t)rows + 1, sizeof(*list));
	for (int r = 0; r < rows; r++) {
		const char *name = PQgetvalue(res, r, 0), *type = PQgetvalue(res, r, 1);
		struct dr_rrset *cur = count ? &list[count - 1] : NULL;
		char *fqdn = dr_name_fqdn(name), *text;

		if (!cur || strcmp(cur->name, fqdn) || strcmp(cur->type, type)) {
			cur = &list[count++];
			cur->name = fqdn;
			cur->type = dr_xstrdup(type);
			cur->ttl = strtoll(PQgetvalue(res, r, 2), NULL, 10);
		} else {
			free(fqdn);
		}
		text = dr_rr_present(type, atoi(PQgetvalue(res, r, 3)), PQgetvalue(res, r, 4));
		if (!text) /* written by someone else and not parsable: show as stored */
			text = dr_xstrdup(PQgetvalue(res, r, 4));
		cur->records = dr_xrealloc(cur->records, (cur->nrecords + 1) * sizeof(char *));
		cur->records[cur->nrecords++] = text;
	}
	PQclear(res);
	*out = list;
	*n = count;
out:
	if (rc && info)
		info_release(info);
	free(z);
	return rc;
}
