/* src/template.c - zone templates: parse and check their record lines,
 * store and read them (drover.templates, drover.template_records), fill in
 * {variables} and write the result through the rrset writer. See
 * include/drover/template.h. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drover/db.h"
#include "drover/rr.h"
#include "drover/rrset.h"
#include "drover/template.h"
#include "drover/util.h"
#include "banned.h"

#define VAR_NAME_MAX 32
#define VAR_VALUE_MAX 253

int dr_template_check_name(const char *name, struct dr_error *err)
{
	size_t len = strlen(name);

	if (len == 0 || len > 63 ||
	    !(islower((unsigned char)name[0]) || isdigit((unsigned char)name[0])))
		goto bad;
	for (const char *c = name; *c; c++)
		if (!islower((unsigned char)*c) && !isdigit((unsigned char)*c) && !strchr("_.-", *c))
			goto bad;
	return 0;
bad:
	return dr_error_set(err, DR_EINVAL, "template",
			    "template name '%s': expected 1-63 of a-z 0-9 _ . -, starting with a "
			    "letter or digit",
			    name);
}

static bool var_name_char(char c)
{
	return islower((unsigned char)c) || isdigit((unsigned char)c) || c == '_';
}

/* Length of the {name} at s (s[0] == '{'), 0 if it is not one. */
static size_t var_ref_len(const char *s)
{
	size_t n = 1;

	while (var_name_char(s[n]) && n <= VAR_NAME_MAX)
		n++;
	return n > 1 && s[n] == '}' ? n + 1 : 0;
}

/* Braces are {name} references or the escapes {{ and }}. */
static int check_braces(const char *text, const char *what, struct dr_error *err)
{
	for (const char *c = text; *c; c++) {
		if ((c[0] == '{' && c[1] == '{') || (c[0] == '}' && c[1] == '}')) {
			c++;
			continue;
		}
		if (*c == '}')
			return dr_error_set(err, DR_EINVAL, "record",
					    "%s '%s': a '}' without its '{' (write '}}' for a "
					    "literal one)",
					    what, text);
		if (*c == '{') {
			size_t n = var_ref_len(c);

			if (!n)
				return dr_error_set(err, DR_EINVAL, "record",
						    "%s '%s': '{' must start a variable such as "
						    "{ip} (a-z 0-9 _, at most %d) or be written '{{'",
						    what, text, VAR_NAME_MAX);
			c += n - 1;
		}
	}
	return 0;
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static char *next_token(const char **s)
{
	const char *start = skip_space(*s), *end = start;

	while (*end && *end != ' ' && *end != '\t')
		end++;
	*s = end;
	return end > start ? dr_xstrndup(start, (size_t)(end - start)) : NULL;
}

static void record_release(struct dr_template_record *r)
{
	free(r->owner);
	free(r->type);
	free(r->content);
	memset(r, 0, sizeof(*r));
}

int dr_template_parse_record(const char *line, struct dr_template_record *out,
			     struct dr_error *err)
{
	const char *s = line;
	char *tok;
	long long ttl;
	int rc;

	memset(out, 0, sizeof(*out));
	out->ttl = -1;
	out->owner = next_token(&s);
	tok = next_token(&s);
	if (tok && dr_parse_ll(tok, 0, DR_TTL_MAX, &ttl)) {
		out->ttl = ttl;
		free(tok);
		tok = next_token(&s);
	}
	s = skip_space(s);
	if (!out->owner || !tok || !*s) {
		free(tok);
		record_release(out);
		return dr_error_set(err, DR_EINVAL, "record",
				    "template record '%s': expected OWNER [TTL] TYPE DATA", line);
	}
	rc = dr_rr_type(tok, &out->type, err);
	free(tok);
	if (!rc && !strcmp(out->type, "SOA"))
		rc = dr_error_set(err, DR_EINVAL, "type",
				  "template record '%s': a template holds no SOA (zone create "
				  "writes it)",
				  line);
	out->content = dr_xstrdup(s);
	/* trailing white space is not part of the data */
	for (size_t n = strlen(out->content); n && isspace((unsigned char)out->content[n - 1]); n--)
		out->content[n - 1] = '\0';
	if (!rc)
		rc = check_braces(out->owner, "template owner", err);
	if (!rc)
		rc = check_braces(out->content, "template record data", err);
	if (rc)
		record_release(out);
	return rc;
}

/* Cut a ';' comment (outside quotes) and a trailing CR. */
static void strip_comment(char *line)
{
	bool quoted = false;

	for (char *c = line; *c; c++) {
		if (*c == '\\' && c[1]) {
			c++;
		} else if (*c == '"') {
			quoted = !quoted;
		} else if ((*c == ';' && !quoted) || (*c == '\r' && !c[1])) {
			*c = '\0';
			break;
		}
	}
}

static void push_record(struct dr_template *t, struct dr_template_record *r)
{
	t->records = dr_xrealloc(t->records, (t->nrecords + 1) * sizeof(*t->records));
	t->records[t->nrecords++] = *r;
}

int dr_template_parse_text(const char *text, const char *source, struct dr_template *t,
			   struct dr_error *err)
{
	int lineno = 0, rc = 0;

	for (const char *p = text; *p && !rc;) {
		size_t len = strcspn(p, "\n");
		char *line = dr_xstrndup(p, len);
		struct dr_template_record r;

		lineno++;
		p += len + (p[len] == '\n');
		strip_comment(line);
		if (*skip_space(line)) {
			rc = dr_template_parse_record(line, &r, err);
			if (rc)
				dr_error_prefix(err, "%s:%d", source, lineno);
			else
				push_record(t, &r);
		}
		free(line);
	}
	return rc ? rc : dr_template_check(t, err);
}

int dr_template_check(const struct dr_template *t, struct dr_error *err)
{
	if (!t->nrecords)
		return dr_error_set(err, DR_EINVAL, "record", "template '%s' has no records",
				    t->name ? t->name : "");
	for (size_t i = 0; i < t->nrecords; i++)
		for (size_t j = i + 1; j < t->nrecords; j++) {
			const struct dr_template_record *a = &t->records[i], *b = &t->records[j];

			if (strcasecmp(a->owner, b->owner) || strcmp(a->type, b->type) ||
			    a->ttl == b->ttl)
				continue;
			return dr_error_set(err, DR_EINVAL, "ttl",
					    "template records '%s %s' have TTLs %lld and %lld: one "
					    "rrset has one TTL",
					    a->owner, a->type, a->ttl, b->ttl);
		}
	return 0;
}

void dr_template_release(struct dr_template *t)
{
	for (size_t i = 0; i < t->nrecords; i++)
		record_release(&t->records[i]);
	free(t->records);
	free(t->name);
	free(t->description);
	memset(t, 0, sizeof(*t));
}

int dr_template_var_parse(const char *arg, struct dr_template_var *out, struct dr_error *err)
{
	const char *eq = strchr(arg, '=');
	size_t nlen = eq ? (size_t)(eq - arg) : 0, vlen;

	if (!eq || nlen == 0)
		return dr_error_set(err, DR_EINVAL, "var", "--var '%s': expected NAME=VALUE", arg);
	for (const char *c = arg; c < eq; c++)
		if (!var_name_char(*c) || nlen > VAR_NAME_MAX)
			return dr_error_set(err, DR_EINVAL, "var",
					    "variable name '%.*s': expected at most %d of a-z 0-9 _",
					    (int)nlen, arg, VAR_NAME_MAX);
	memcpy(out->name, arg, nlen);
	out->name[nlen] = '\0';
	out->value = eq + 1;
	if (!strcmp(out->name, "zone"))
		return dr_error_set(err, DR_EINVAL, "var",
				    "variable 'zone' is built in: it is the zone's name");
	vlen = strlen(out->value);
	if (vlen == 0 || vlen > VAR_VALUE_MAX)
		return dr_error_set(err, DR_EINVAL, "var",
				    "variable '%s': the value must be 1-%d characters, got %zu",
				    out->name, VAR_VALUE_MAX, vlen);
	for (const char *c = out->value; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f || strchr("\"'{}\\;", *c))
			return dr_error_set(err, DR_EINVAL, "var",
					    "variable '%s': the value '%s' holds a character a "
					    "variable may not (white space, quote, brace, backslash "
					    "or ';')",
					    out->name, out->value);
	return 0;
}

/* ---- storage */

/* Records from..from+RECORDS_PER_INSERT of t, in one INSERT (at most
 * 1 + 5 * RECORDS_PER_INSERT parameters, below PostgreSQL's 65,535). */
#define RECORDS_PER_INSERT 1000
static int insert_records(PGconn *conn, const struct dr_template *t, size_t from,
			  struct dr_error *err)
{
	size_t n = t->nrecords - from < RECORDS_PER_INSERT ? t->nrecords - from
							    : RECORDS_PER_INSERT;
	const char **p = dr_xcalloc(1 + 5 * n, sizeof(*p));
	char(*num)[2][24] = dr_xcalloc(n, sizeof(*num));
	struct dr_sbuf sql;
	int rc;

	dr_sbuf_init(&sql);
	dr_sbuf_adds(&sql, "INSERT INTO drover.template_records"
			   " (template, position, owner, type, ttl, content) VALUES ");
	p[0] = t->name;
	for (size_t i = 0; i < n; i++) {
		const struct dr_template_record *r = &t->records[from + i];
		size_t k = 1 + 5 * i; /* p[k] is parameter $(k + 1) */

		snprintf(num[i][0], sizeof(num[i][0]), "%zu", from + i + 1);
		snprintf(num[i][1], sizeof(num[i][1]), "%lld", r->ttl);
		p[k] = num[i][0];
		p[k + 1] = r->owner;
		p[k + 2] = r->type;
		p[k + 3] = r->ttl < 0 ? NULL : num[i][1];
		p[k + 4] = r->content;
		dr_sbuf_addf(&sql, "%s($1, $%zu::int, $%zu, $%zu, $%zu::int, $%zu)", i ? ", " : "",
			     k + 1, k + 2, k + 3, k + 4, k + 5);
	}
	rc = dr_db_exec(conn, dr_sbuf_str(&sql), (int)(1 + 5 * n), p, NULL, err);
	dr_sbuf_release(&sql);
	free(num);
	free(p);
	return rc;
}

int dr_template_save(PGconn *conn, const struct dr_template *t, bool replace,
		     struct dr_error *err)
{
	const char *p[2];
	int rc;

	rc = dr_template_check_name(t->name, err);
	if (!rc)
		rc = dr_template_check(t, err);
	if (!rc)
		rc = dr_db_begin(conn, err);
	if (rc)
		return rc;
	p[0] = t->name;
	p[1] = t->description ? t->description : "";
	if (replace)
		rc = dr_db_exec(conn, "DELETE FROM drover.templates WHERE name = $1", 1, p, NULL,
				err);
	if (!rc) {
		PGresult *res;

		rc = dr_db_exec(conn,
				"INSERT INTO drover.templates (name, description) VALUES ($1, $2)"
				" ON CONFLICT (name) DO NOTHING",
				2, p, &res, err);
		if (!rc) {
			if (dr_db_affected(res) == 0)
				rc = dr_error_set(err, DR_EEXIST, "template",
						  "template '%s' already exists (--replace "
						  "overwrites it)",
						  t->name);
			PQclear(res);
		}
	}
	for (size_t i = 0; !rc && i < t->nrecords; i += RECORDS_PER_INSERT)
		rc = insert_records(conn, t, i, err);
	if (!rc)
		rc = dr_db_commit(conn, err);
	if (rc)
		dr_db_rollback(conn);
	return rc;
}

/* Rows (template, description, owner, type, ttl, content) in order, into
 * templates grouped by name. */
static void group_rows(PGresult *res, struct dr_template **out, size_t *n)
{
	for (int r = 0; r < PQntuples(res); r++) {
		struct dr_template *t = *n ? &(*out)[*n - 1] : NULL;
		struct dr_template_record rec = { 0 };

		if (!t || strcmp(t->name, PQgetvalue(res, r, 0))) {
			*out = dr_xrealloc(*out, (*n + 1) * sizeof(**out));
			t = &(*out)[(*n)++];
			memset(t, 0, sizeof(*t));
			t->name = dr_xstrdup(PQgetvalue(res, r, 0));
			t->description = dr_xstrdup(PQgetvalue(res, r, 1));
		}
		if (PQgetisnull(res, r, 2))
			continue; /* a template without records (written by hand) */
		rec.owner = dr_xstrdup(PQgetvalue(res, r, 2));
		rec.type = dr_xstrdup(PQgetvalue(res, r, 3));
		rec.ttl = PQgetisnull(res, r, 4) ? -1 : strtoll(PQgetvalue(res, r, 4), NULL, 10);
		rec.content = dr_xstrdup(PQgetvalue(res, r, 5));
		push_record(t, &rec);
	}
}

#define TEMPLATE_ROWS                                                                    \
	"SELECT t.name, t.description, r.owner, r.type, r.ttl, r.content"                \
	" FROM drover.templates t LEFT JOIN drover.template_records r ON r.template = t.name"

int dr_template_load(PGconn *conn, const char *name, struct dr_template *t,
		     struct dr_error *err)
{
	const char *p[1] = { name };
	struct dr_template *list = NULL;
	size_t n = 0;
	PGresult *res;
	int rc;

	memset(t, 0, sizeof(*t));
	rc = dr_template_check_name(name, err);
	if (!rc)
		rc = dr_db_exec(conn, TEMPLATE_ROWS " WHERE t.name = $1 ORDER BY r.position", 1, p,
				&res, err);
	if (rc)
		return rc;
	group_rows(res, &list, &n);
	PQclear(res);
	if (n == 0)
		return dr_error_set(err, DR_ENOTFOUND, "template", "template '%s' not found", name);
	*t = list[0];
	free(list);
	return 0;
}

int dr_template_list(PGconn *conn, struct dr_template **out, size_t *n, struct dr_error *err)
{
	PGresult *res;
	int rc;

	*out = NULL;
	*n = 0;
	rc = dr_db_exec(conn, TEMPLATE_ROWS " ORDER BY t.name, r.position", 0, NULL, &res, err);
	if (rc)
		return rc;
	group_rows(res, out, n);
	PQclear(res);
	return 0;
}

void dr_template_list_free(struct dr_template *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dr_template_release(&list[i]);
	free(list);
}

int dr_template_remove(PGconn *conn, const char *name, struct dr_error *err)
{
	const char *p[1] = { name };
	PGresult *res;
	int rc;

	rc = dr_template_check_name(name, err);
	if (!rc)
		rc = dr_db_exec(conn, "DELETE FROM drover.templates WHERE name = $1", 1, p, &res,
				err);
	if (rc)
		return rc;
	if (dr_db_affected(res) == 0)
		rc = dr_error_set(err, DR_ENOTFOUND, "template", "template '%s' not found", name);
	PQclear(res);
	return rc;
}

/* ---- expansion */

static const char *var_value(const struct dr_template_var *vars, size_t nvars, const char *name,
			     size_t len)
{
	for (size_t i = nvars; i-- > 0;)
		if (strlen(vars[i].name) == len && !strncmp(vars[i].name, name, len))
			return vars[i].value;
	return NULL;
}

static int substitute(const char *text, const char *zone, const struct dr_template_var *vars,
		      size_t nvars, const char *tname, const struct dr_template_record *r,
		      char **out, struct dr_error *err)
{
	struct dr_sbuf sb;

	dr_sbuf_init(&sb);
	for (const char *c = text; *c; c++) {
		size_t n;
		const char *v;

		if ((c[0] == '{' && c[1] == '{') || (c[0] == '}' && c[1] == '}')) {
			dr_sbuf_add(&sb, c++, 1);
			continue;
		}
		n = *c == '{' ? var_ref_len(c) : 0;
		if (!n) {
			dr_sbuf_add(&sb, c, 1);
			continue;
		}
		if (n == 6 && !strncmp(c + 1, "zone", 4)) {
			dr_sbuf_addf(&sb, "%s.", zone);
		} else if ((v = var_value(vars, nvars, c + 1, n - 2))) {
			dr_sbuf_adds(&sb, v);
		} else {
			dr_sbuf_release(&sb);
			return dr_error_set(err, DR_EINVAL, "var",
					    "template '%s' needs variable '%.*s' (record '%s %s "
					    "%s'); give it as %.*s=VALUE",
					    tname, (int)(n - 2), c + 1, r->owner, r->type,
					    r->content, (int)(n - 2), c + 1);
		}
		c += n - 1;
	}
	*out = dr_sbuf_detach(&sb);
	return 0;
}

static struct dr_template_rrset *find_set(struct dr_template_rrset *sets, size_t n,
					  const char *owner, const char *type)
{
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(sets[i].owner, owner) && !strcmp(sets[i].type, type))
			return &sets[i];
	return NULL;
}

int dr_template_expand(const struct dr_template *t, const char *zone,
		       const struct dr_template_var *vars, size_t nvars, long long default_ttl,
		       struct dr_template_rrset **out, size_t *n, struct dr_error *err)
{
	int rc = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; !rc && i < t->nrecords; i++) {
		const struct dr_template_record *r = &t->records[i];
		struct dr_template_rrset *set;
		char *owner = NULL, *content = NULL;

		rc = substitute(r->owner, zone, vars, nvars, t->name, r, &owner, err);
		if (!rc)
			rc = substitute(r->content, zone, vars, nvars, t->name, r, &content, err);
		if (rc) {
			free(owner);
			break;
		}
		set = find_set(*out, *n, owner, r->type);
		if (!set) {
			*out = dr_xrealloc(*out, (*n + 1) * sizeof(**out));
			set = &(*out)[(*n)++];
			memset(set, 0, sizeof(*set));
			set->owner = owner;
			set->type = dr_xstrdup(r->type);
			snprintf(set->ttl, sizeof(set->ttl), "%lld", r->ttl < 0 ? default_ttl : r->ttl);
		} else {
			free(owner);
		}
		set->contents = dr_xrealloc(set->contents, (set->n + 1) * sizeof(*set->contents));
		set->contents[set->n++] = content;
	}
	if (rc) {
		dr_template_rrsets_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

void dr_template_rrsets_free(struct dr_template_rrset *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < list[i].n; j++)
			free(list[i].contents[j]);
		free(list[i].contents);
		free(list[i].owner);
		free(list[i].type);
	}
	free(list);
}

int dr_template_write(PGconn *conn, const char *zone, const char *template_name,
		      const struct dr_template_rrset *sets, size_t n, struct dr_error *err)
{
	for (size_t i = 0; i < n; i++) {
		const struct dr_template_rrset *s = &sets[i];
		int rc = dr_rrset_write_tx(conn, DR_RRSET_REPLACE, zone, s->owner, s->type, s->ttl,
					   (const char *const *)s->contents, s->n, NULL, err);

		if (rc) {
			dr_error_prefix(err, "template '%s'", template_name);
			return rc;
		}
	}
	return 0;
}
