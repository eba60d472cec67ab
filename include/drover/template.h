/* include/drover/template.h - zone templates: named sets of records stored
 * in drover.templates, written into a zone when it is created, with
 * {variables} ({ip}, {ip6}, {mx}, any [a-z0-9_] name, and the built-in
 * {zone}) filled in at that moment. A template's lines are checked for form
 * when it is saved; the records themselves are checked by the rrset writer
 * (drover/rrset.h), with the zone rules, when the template is used, so a
 * template can never write what `drover rrset replace` would refuse.
 * Blocking libpq; also linked into the SQL API extension. */
#ifndef DROVER_TEMPLATE_H
#define DROVER_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>

#include "drover/err.h"

struct dr_template_record {
	char *owner;   /* relative to the zone, "@" for the apex; may hold {variables} */
	char *type;    /* upper case, one drover writes, never SOA */
	long long ttl; /* -1: the zone's default */
	char *content; /* presentation form, may hold {variables} */
};

struct dr_template {
	char *name;
	char *description;
	struct dr_template_record *records;
	size_t nrecords;
};

struct dr_template_var {
	char name[33];
	const char *value; /* borrowed */
};

/* A template name: 1-63 of [a-z0-9_.-], starting with a letter or digit. */
int dr_template_check_name(const char *name, struct dr_error *err) DR_MUSTCHECK;

/* One record line, "OWNER [TTL] TYPE DATA" ("www 300 A {ip}"). */
int dr_template_parse_record(const char *line, struct dr_template_record *out,
			     struct dr_error *err) DR_MUSTCHECK;

/* Append the record lines of text (blank lines and ';' comments skipped)
 * to t; errors name "SOURCE:LINE". Then dr_template_check(t). */
int dr_template_parse_text(const char *text, const char *source, struct dr_template *t,
			   struct dr_error *err) DR_MUSTCHECK;

/* The whole template: at least one record, one TTL per OWNER TYPE. */
int dr_template_check(const struct dr_template *t, struct dr_error *err) DR_MUSTCHECK;

void dr_template_release(struct dr_template *t);

/* "ip=192.0.2.10" (value points into arg). A value is 1-253 characters with no
 * white space, quotes, braces, backslash or ';'; {zone} is built in. */
int dr_template_var_parse(const char *arg, struct dr_template_var *out, struct dr_error *err)
	DR_MUSTCHECK;

/* Store t (DR_EEXIST if the name is taken and replace is false). */
int dr_template_save(PGconn *conn, const struct dr_template *t, bool replace,
		     struct dr_error *err) DR_MUSTCHECK;
/* Read one (DR_ENOTFOUND naming it when absent). */
int dr_template_load(PGconn *conn, const char *name, struct dr_template *t,
		     struct dr_error *err) DR_MUSTCHECK;
/* Every template, by name, records included. */
int dr_template_list(PGconn *conn, struct dr_template **out, size_t *n, struct dr_error *err)
	DR_MUSTCHECK;
void dr_template_list_free(struct dr_template *list, size_t n);
int dr_template_remove(PGconn *conn, const char *name, struct dr_error *err) DR_MUSTCHECK;

/* One rrset of a template with the variables filled in. */
struct dr_template_rrset {
	char *owner;
	char *type;
	char ttl[24];
	char **contents;
	size_t n;
};

/* Fill in the variables for zone (storage form) and group the records into
 * rrsets, in the template's order; default_ttl for records without one. */
int dr_template_expand(const struct dr_template *t, const char *zone,
		       const struct dr_template_var *vars, size_t nvars, long long default_ttl,
		       struct dr_template_rrset **out, size_t *n, struct dr_error *err) DR_MUSTCHECK;
void dr_template_rrsets_free(struct dr_template_rrset *list, size_t n);

/* Inside an open transaction, the zone existing: write each expanded rrset
 * with `rrset replace` semantics and rules. The caller rectifies. */
int dr_template_write(PGconn *conn, const char *zone, const char *template_name,
		      const struct dr_template_rrset *sets, size_t n, struct dr_error *err)
	DR_MUSTCHECK;

#endif
