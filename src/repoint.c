/* src/repoint.c - failover repoint: find every record that holds the old
 * address, lock the zones they belong to (in id order, the writer's
 * per-zone advisory locks), check each new record with the same validator
 * as every write, then change them all with two statements, in one
 * transaction. See include/drover/repoint.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drover/db.h"
#include "drover/name.h"
#include "drover/repoint.h"
#include "drover/rr.h"
#include "drover/util.h"
#include "drover/zone.h"
#include "banned.h"

/* $1 old address, $2 'A' or 'AAAA', $3 zone LIKE pattern or NULL,
 * $4 include SPF, $5 the SPF mechanism's regular expression */
#define MATCH                                                                            \
	" FROM records r JOIN domains d ON d.id = r.domain_id"                            \
	" WHERE d.type <> 'SLAVE' AND ($3::text IS NULL OR d.name LIKE $3)"               \
	" AND ((r.type = $2 AND r.content = $1)"                                          \
	"  OR ($4::boolean AND r.type IN ('TXT', 'SPF') AND r.content ~* $5))"

struct addr {
	const char *type;   /* "A" or "AAAA" */
	const char *mech;   /* "ip4" or "ip6" */
	char *content;      /* storage form */
};

/* An address in the storage form PowerDNS keeps (the record validator's). */
static int parse_addr(const char *what, const char *field, const char *text, struct addr *a,
		      struct dr_error *err)
{
	struct dr_rr rr = { 0 };
	int rc;

	a->type = strchr(text, ':') ? "AAAA" : "A";
	a->mech = strchr(text, ':') ? "ip6" : "ip4";
	rc = dr_rr_parse("repoint.invalid", "repoint.invalid", a->type, text, &rr, err);
	if (rc)
		return dr_error_set(err, DR_EINVAL, field,
				    "%s address '%s': not an IPv4 or IPv6 address", what, text);
	a->content = rr.content;
	rr.content = NULL;
	dr_rr_release(&rr);
	return 0;
}

/* The SPF mechanism holding the old address, alone or as /32 (/128), up
 * to a space, a quote or the end; and its replacement. */
static void spf_pattern(const struct addr *old, const struct addr *new, char **pattern,
			char **replacement)
{
	struct dr_sbuf sb;

	dr_sbuf_init(&sb);
	dr_sbuf_addf(&sb, "%s:", old->mech);
	for (const char *c = old->content; *c; c++)
		dr_sbuf_adds(&sb, *c == '.' ? "\\." : (char[2]){ *c, '\0' });
	dr_sbuf_addf(&sb, "(/%s)?(?=[[:space:]\"]|$)", !strcmp(old->mech, "ip4") ? "32" : "128");
	*pattern = dr_sbuf_detach(&sb);
	*replacement = dr_xasprintf("%s:%s\\1", new->mech, new->content);
}

static void add_change(struct dr_repoint_result *res, const PGresult *r, int row)
{
	struct dr_repoint_change *c;

	res->changes = dr_xrealloc(res->changes, (res->nchanges + 1) * sizeof(*res->changes));
	c = &res->changes[res->nchanges++];
	c->zone = dr_name_fqdn(PQgetvalue(r, row, 1));
	c->name = dr_name_fqdn(PQgetvalue(r, row, 2));
	c->type = dr_xstrdup(PQgetvalue(r, row, 3));
	c->old_content = dr_xstrdup(PQgetvalue(r, row, 4));
	c->new_content = dr_xstrdup(PQgetvalue(r, row, 5));
	c->removed = !strcmp(PQgetvalue(r, row, 6), "t");
	if (res->nchanges == 1 || strcmp(res->changes[res->nchanges - 2].zone, c->zone))
		res->zones++;
	res->records++;
}

/* A changed TXT or SPF record must still be one the writer accepts. */
static int check_new(const PGresult *r, int row, struct dr_error *err)
{
	struct dr_rr rr = { 0 };
	int rc;

	if (strcmp(PQgetvalue(r, row, 3), "TXT") && strcmp(PQgetvalue(r, row, 3), "SPF"))
		return 0;
	rc = dr_rr_parse(PQgetvalue(r, row, 1), PQgetvalue(r, row, 2), PQgetvalue(r, row, 3),
			 PQgetvalue(r, row, 5), &rr, err);
	dr_rr_release(&rr);
	if (rc)
		dr_error_prefix(err, "repoint");
	return rc;
}

/* Inside the transaction: lock, plan, check, apply. */
static int repoint_locked(PGconn *conn, const struct dr_repoint_spec *spec,
			  const struct addr *old, const struct addr *new, const char *like,
			  struct dr_repoint_result *res, struct dr_error *err)
{
	char *pattern, *replacement;
	struct dr_sbuf del, upd;
	PGresult *plan = NULL;
	const char *p[7];
	int rc;

	spf_pattern(old, new, &pattern, &replacement);
	p[0] = old->content;
	p[1] = old->type;
	p[2] = like;
	p[3] = spec->include_spf ? "true" : "false";
	p[4] = pattern;
	p[5] = new->content;
	p[6] = replacement;
	dr_sbuf_init(&del);
	dr_sbuf_init(&upd);
	rc = dr_db_exec(conn,
			"SELECT pg_advisory_xact_lock(" DR_ZONE_LOCK_CLASS ", s.id)"
			" FROM (SELECT DISTINCT r.domain_id AS id" MATCH " ORDER BY 1) s",
			5, p, NULL, err);
	if (!rc)
		rc = dr_db_exec(conn,
				"SELECT r.id, d.name, r.name, r.type, r.content,"
				" CASE WHEN r.type = $2 THEN $6"
				"  ELSE regexp_replace(r.content, $5, $7, 'gi') END,"
				" r.type = $2 AND EXISTS (SELECT 1 FROM records x"
				"  WHERE x.domain_id = r.domain_id AND x.name = r.name"
				"  AND x.type = r.type AND x.content = $6)" MATCH
				" ORDER BY d.name, r.name, r.type, r.id",
				7, p, &plan, err);
	for (int row = 0; !rc && row < PQntuples(plan); row++) {
		struct dr_sbuf *ids = !strcmp(PQgetvalue(plan, row, 6), "t") ? &del : &upd;

		rc = check_new(plan, row, err);
		dr_sbuf_addf(ids, "%s%s", ids->len ? "," : "{", PQgetvalue(plan, row, 0));
		add_change(res, plan, row);
	}
	if (!rc && !spec->dry_run && del.len) {
		dr_sbuf_adds(&del, "}");
		p[0] = dr_sbuf_str(&del);
		rc = dr_db_exec(conn, "DELETE FROM records WHERE id = ANY($1::bigint[])", 1, p,
				NULL, err);
	}
	if (!rc && !spec->dry_run && upd.len) {
		dr_sbuf_adds(&upd, "}");
		p[0] = dr_sbuf_str(&upd);
		p[1] = old->type;
		p[2] = new->content;
		p[3] = pattern;
		p[4] = replacement;
		rc = dr_db_exec(conn,
				"UPDATE records SET content = CASE WHEN type = $2 THEN $3"
				" ELSE regexp_replace(content, $4, $5, 'gi') END"
				" WHERE id = ANY($1::bigint[])",
				5, p, NULL, err);
	}
	if (plan)
		PQclear(plan);
	dr_sbuf_release(&del);
	dr_sbuf_release(&upd);
	free(pattern);
	free(replacement);
	return rc;
}

int dr_repoint(PGconn *conn, const struct dr_repoint_spec *spec, struct dr_repoint_result *res,
	       struct dr_error *err)
{
	struct addr old = { 0 }, new = { 0 };
	char *like = NULL;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = parse_addr("old", "old_ip", spec->old_ip, &old, err);
	if (!rc)
		rc = parse_addr("new", "new_ip", spec->new_ip, &new, err);
	if (!rc && strcmp(old.type, new.type))
		rc = dr_error_set(err, DR_EINVAL, "new_ip",
				  "old address '%s' and new address '%s' must both be IPv4 or both "
				  "IPv6",
				  spec->old_ip, spec->new_ip);
	if (!rc && !strcmp(old.content, new.content))
		rc = dr_error_set(err, DR_EINVAL, "new_ip", "old and new address are the same (%s)",
				  old.content);
	if (rc)
		goto out;
	like = dr_zone_glob_like(spec->zone_glob);
	rc = dr_db_begin(conn, err);
	if (rc)
		goto out;
	rc = repoint_locked(conn, spec, &old, &new, like, res, err);
	if (!rc && !spec->dry_run)
		rc = dr_db_commit(conn, err);
	else
		dr_db_rollback(conn);
out:
	if (rc)
		dr_repoint_result_release(res);
	free(like);
	free(old.content);
	free(new.content);
	return rc;
}

void dr_repoint_result_release(struct dr_repoint_result *res)
{
	for (size_t i = 0; i < res->nchanges; i++) {
		free(res->changes[i].zone);
		free(res->changes[i].name);
		free(res->changes[i].type);
		free(res->changes[i].old_content);
		free(res->changes[i].new_content);
	}
	free(res->changes);
	memset(res, 0, sizeof(*res));
}
