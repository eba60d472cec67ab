/* src/zonefile.c - read one zone file into memory and check it: Knot DNS's
 * scanner (libzscanner) in its one-record-at-a-time mode, so that $INCLUDE
 * comes back to us and is allowed only inside the include directory; each
 * record's owner through drover/name.h and its data through dr_rr_from_wire
 * (the printing dr_rr_parse uses), so a file meets the rules of `drover
 * rrset`; then the zone rules over the sorted records. Strings live in one
 * arena per zone, freed with it. No database. See include/drover/zonefile.h. */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libknot/libknot.h>
#include <libzscanner/scanner.h>

#include "drover/name.h"
#include "drover/rectify.h"
#include "drover/rr.h"
#include "drover/util.h"
#include "drover/zonefile.h"
#include "banned.h"

#define ARENA_CHUNK 65536
#define MAX_INCLUDE_DEPTH 8

/* ---- string arena: many small strings, freed at once */

struct dr_zf_arena {
	struct dr_zf_arena *next;
	size_t used, cap;
	char data[];
};

static const char *arena_dup(struct dr_zf_arena **head, const char *s, size_t n)
{
	struct dr_zf_arena *a = *head;
	char *p;

	if (!a || a->cap - a->used < n + 1) {
		size_t cap = n + 1 > ARENA_CHUNK ? n + 1 : ARENA_CHUNK;

		a = dr_xmalloc(sizeof(*a) + cap);
		a->next = *head;
		a->used = 0;
		a->cap = cap;
		*head = a;
	}
	p = a->data + a->used;
	memcpy(p, s, n);
	p[n] = '\0';
	a->used += n + 1;
	return p;
}

static void arena_free(struct dr_zf_arena *a)
{
	while (a) {
		struct dr_zf_arena *next = a->next;

		free(a);
		a = next;
	}
}

/* ---- errors */

void dr_zonefile_error(struct dr_zonefile *zf, const char *file, unsigned long line,
		       const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	zf->nerrors_all++;
	if (zf->nerrors >= DR_ZONEFILE_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	zf->errors = dr_xrealloc(zf->errors, (zf->nerrors + 1) * sizeof(char *));
	if (line)
		zf->errors[zf->nerrors++] = dr_xasprintf("%s:%lu: %s", file, line, msg);
	else
		zf->errors[zf->nerrors++] = dr_xasprintf("%s: %s", file, msg);
}

/* ---- scanning */

struct scan {
	struct dr_zonefile *zf;
	const struct dr_zonefile_opts *opts;
	char *include_root; /* realpath of opts->include_dir, or NULL */
	uint8_t prev_owner[KNOT_DNAME_MAXLEN]; /* the last owner converted ... */
	size_t prev_owner_len;
	const char *prev_stored; /* ... and its storage form (NULL: it was bad) */
	size_t seq;
};

/* Wire name to text without escapes (UTF-8 labels stay as they are, for
 * dr_name_owner to turn into A-labels), with the trailing dot. -1 when a
 * label holds a byte no name may carry ('.', '\\', space, controls). */
static int wire_to_text(const uint8_t *w, char *out, size_t cap)
{
	size_t o = 0;

	if (*w == 0)
		return cap > 1 ? (out[0] = '.', out[1] = '\0', 0) : -1;
	while (*w) {
		uint8_t len = *w++;

		if (o + len + 2 > cap)
			return -1;
		for (uint8_t i = 0; i < len; i++) {
			if (w[i] <= ' ' || w[i] == '.' || w[i] == '\\' || w[i] == 0x7f)
				return -1;
			out[o++] = (char)w[i];
		}
		out[o++] = '.';
		w += len;
	}
	out[o] = '\0';
	return 0;
}

static size_t wire_len(const uint8_t *w)
{
	size_t n = 1;

	while (*w) {
		n += (size_t)*w + 1;
		w += *w + 1;
	}
	return n;
}

/* The storage form of the scanner's current owner; NULL after an error. */
static const char *owner_of(struct scan *sc, const zs_scanner_t *s, const char *file)
{
	size_t len = wire_len(s->r_owner);
	char text[KNOT_DNAME_TXT_MAXLEN + 1], *stored = NULL;
	struct dr_error err = { 0 };

	if (len == sc->prev_owner_len && !memcmp(sc->prev_owner, s->r_owner, len))
		return sc->prev_stored;
	memcpy(sc->prev_owner, s->r_owner, len);
	sc->prev_owner_len = len;
	sc->prev_stored = NULL;
	if (wire_to_text(s->r_owner, text, sizeof(text))) {
		char shown[KNOT_DNAME_TXT_MAXLEN + 1];

		if (!knot_dname_to_str(shown, s->r_owner, sizeof(shown)))
			snprintf(shown, sizeof(shown), "?");
		dr_zonefile_error(sc->zf, file, s->line_counter,
				  "bad name '%s': a label holds a character names may not carry",
				  shown);
		return NULL;
	}
	if (dr_name_owner(sc->zf->zone, text, &stored, &err)) {
		dr_zonefile_error(sc->zf, file, s->line_counter, "%s", err.msg);
		return NULL;
	}
	sc->prev_stored = arena_dup(&sc->zf->arena, stored, strlen(stored));
	free(stored);
	return sc->prev_stored;
}

static void add_record(struct scan *sc, const zs_scanner_t *s, const char *file)
{
	struct dr_zonefile *zf = sc->zf;
	const char *owner = owner_of(sc, s, file);
	const char *type = dr_rr_type_supported(s->r_type);
	struct dr_zf_record *r;
	struct dr_rr rr;

	if (!owner)
		return;
	if (!type) {
		char name[32];

		if (knot_rrtype_to_string(s->r_type, name, sizeof(name)) < 0)
			snprintf(name, sizeof(name), "TYPE%u", (unsigned)s->r_type);
		dr_zonefile_error(zf, file, s->line_counter,
				  "record '%s.' %s: unsupported record type '%s' (drover writes A "
				  "AAAA CAA CNAME DNAME DS HTTPS LOC MX NAPTR NS PTR SOA SPF SRV "
				  "SSHFP SVCB TLSA TXT)",
				  owner, name, name);
		return;
	}
	if (s->r_class != KNOT_CLASS_IN) {
		dr_zonefile_error(zf, file, s->line_counter, "record '%s.' %s: class must be IN",
				  owner, type);
		return;
	}
	if ((long long)s->r_ttl > DR_TTL_MAX) {
		dr_zonefile_error(zf, file, s->line_counter,
				  "record '%s.' %s: TTL must be 0..2147483647, got %u", owner, type,
				  (unsigned)s->r_ttl);
		return;
	}
	if (dr_rr_from_wire(s->r_type, s->r_data, s->r_data_length, &rr)) {
		dr_zonefile_error(zf, file, s->line_counter,
				  "record '%s.' %s: data cannot be stored", owner, type);
		return;
	}
	if (zf->nrecs == zf->cap) {
		zf->cap = zf->cap ? zf->cap * 2 : 64;
		zf->recs = dr_xrealloc(zf->recs, zf->cap * sizeof(*zf->recs));
	}
	r = &zf->recs[zf->nrecs++];
	r->owner = owner;
	r->type = type;
	r->content = arena_dup(&zf->arena, rr.content, strlen(rr.content));
	r->prio = rr.prio;
	r->ttl = (long long)s->r_ttl;
	r->file = file;
	r->line = s->line_counter;
	r->seq = sc->seq++;
	r->dup = false;
	dr_rr_release(&rr);
}

static int scan_file(struct scan *sc, const char *path, const char *shown, const char *origin,
		     uint32_t default_ttl, int depth);

/* $INCLUDE: allowed only when the file resolves inside the include directory. */
static void include(struct scan *sc, const zs_scanner_t *s, const char *file, int depth)
{
	char real[PATH_MAX];
	size_t rootlen;

	if (!sc->include_root) {
		dr_zonefile_error(sc->zf, file, s->line_counter,
				  "$INCLUDE '%s' refused: includes need --include-dir DIR",
				  s->include_filename);
		return;
	}
	rootlen = strlen(sc->include_root);
	if (!realpath(s->include_filename, real) || strncmp(real, sc->include_root, rootlen) ||
	    (real[rootlen] != '/' && strcmp(sc->include_root, "/"))) {
		dr_zonefile_error(sc->zf, file, s->line_counter,
				  "$INCLUDE '%s' refused: not a file inside the include directory "
				  "'%s'",
				  s->include_filename, sc->include_root);
		return;
	}
	if (depth >= MAX_INCLUDE_DEPTH) {
		dr_zonefile_error(sc->zf, file, s->line_counter,
				  "$INCLUDE '%s' refused: nested more than %d deep",
				  s->include_filename, MAX_INCLUDE_DEPTH);
		return;
	}
	scan_file(sc, real, arena_dup(&sc->zf->arena, real, strlen(real)),
		  (const char *)s->buffer, s->default_ttl, depth + 1);
}

/* Read standard input whole (the scanner wants a file or a string). */
static char *read_stdin(size_t *len)
{
	struct dr_sbuf sb;
	char buf[65536];
	size_t n;

	dr_sbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		dr_sbuf_add(&sb, buf, n);
	*len = sb.len;
	return sb.buf ? dr_sbuf_detach(&sb) : dr_xstrdup("");
}

static int scan_file(struct scan *sc, const char *path, const char *shown, const char *origin,
		     uint32_t default_ttl, int depth)
{
	zs_scanner_t *s = dr_xcalloc(1, sizeof(*s));
	char *input = NULL;
	size_t len = 0;
	int rc = 0;

	if (zs_init(s, origin, KNOT_CLASS_IN, default_ttl) != 0) {
		dr_zonefile_error(sc->zf, shown, 0, "cannot start the scanner");
		rc = -1;
		goto out;
	}
	if (!strcmp(path, "-")) {
		input = read_stdin(&len);
		rc = zs_set_input_string(s, input, len);
	} else {
		rc = zs_set_input_file(s, path);
	}
	if (rc) {
		dr_zonefile_error(sc->zf, shown, 0, "cannot read the file: %s",
				  zs_strerror(s->error.code));
		goto out;
	}
	while (sc->zf->nerrors_all < DR_ZONEFILE_MAX_ERRORS) {
		if (zs_parse_record(s) != 0 && s->state != ZS_STATE_ERROR)
			break;
		if (s->state == ZS_STATE_DATA) {
			add_record(sc, s, shown);
		} else if (s->state == ZS_STATE_INCLUDE) {
			include(sc, s, shown, depth);
		} else if (s->state == ZS_STATE_ERROR) {
			dr_zonefile_error(sc->zf, shown, s->line_counter, "%s",
					  zs_strerror(s->error.code));
			if (s->error.fatal)
				break;
		} else {
			break; /* EOF or STOP */
		}
	}
out:
	zs_deinit(s);
	free(s);
	free(input);
	return rc;
}

/* ---- the zone rules over the whole file */

static int rec_cmp(const void *a, const void *b)
{
	const struct dr_zf_record *x = a, *y = b;
	int c = strcmp(x->owner, y->owner);

	if (!c)
		c = strcmp(x->type, y->type);
	if (!c)
		c = x->seq < y->seq ? -1 : x->seq > y->seq;
	return c;
}

/* The serial field of SOA storage form "mname rname serial ..." (-1 if none). */
static long long soa_serial(const char *content)
{
	const char *p = content;

	for (int field = 0; field < 2 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return p ? strtoll(p, NULL, 10) : -1;
}

/* One rrset: recs[from..to). */
static void check_rrset(struct dr_zonefile *zf, size_t from, size_t to)
{
	struct dr_zf_record *first = &zf->recs[from];
	bool apex = !strcmp(first->owner, zf->zone);
	size_t count = 0;

	for (size_t i = from; i < to; i++) {
		struct dr_zf_record *r = &zf->recs[i];

		for (size_t j = from; j < i && !r->dup; j++)
			if (!zf->recs[j].dup && zf->recs[j].prio == r->prio &&
			    !strcmp(zf->recs[j].content, r->content))
				r->dup = true;
		if (r->dup)
			continue;
		count++;
		if (r->ttl != first->ttl)
			dr_zonefile_error(zf, r->file, r->line,
					  "record '%s.' %s: TTL %lld differs from TTL %lld at %s:%lu; "
					  "one rrset has one TTL",
					  r->owner, r->type, r->ttl, first->ttl, first->file,
					  first->line);
		if (count == 2 && !strcmp(r->type, "CNAME"))
			dr_zonefile_error(zf, r->file, r->line,
					  "record '%s.' CNAME: a CNAME rrset holds one record",
					  r->owner);
		if (count == 2 && !strcmp(r->type, "SOA"))
			dr_zonefile_error(zf, r->file, r->line,
					  "record '%s.' SOA: a zone has exactly one SOA", r->owner);
	}
	if (!strcmp(first->type, "CNAME") && apex)
		dr_zonefile_error(zf, first->file, first->line,
				  "record '%s.' CNAME: a CNAME cannot be at the zone apex",
				  first->owner);
	if (!strcmp(first->type, "SOA")) {
		if (!apex)
			dr_zonefile_error(zf, first->file, first->line,
					  "record '%s.' SOA: the SOA belongs at the zone apex '%s.'",
					  first->owner, zf->zone);
		else {
			zf->has_soa = true;
			zf->soa_serial = soa_serial(first->content);
		}
	}
	if (!strcmp(first->type, "NS") && apex)
		zf->has_apex_ns = true;
}

/* One owner: recs[from..to), sorted by type. */
static void check_owner(struct dr_zonefile *zf, const struct dr_zonefile_opts *opts, size_t from,
			size_t to)
{
	const struct dr_zf_record *first = &zf->recs[from], *cname = NULL;
	bool other = false;

	for (size_t i = from; i < to; i++) {
		if (!strcmp(zf->recs[i].type, "CNAME"))
			cname = cname ? cname : &zf->recs[i];
		else
			other = true;
	}
	if (cname && other)
		dr_zonefile_error(zf, cname->file, cname->line,
				  "record '%s.' CNAME: the name holds other data too; a CNAME must "
				  "be alone",
				  cname->owner);
	if (!opts->is_zone)
		return;
	/* the owner, and each name between it and the apex, must not be a zone */
	for (const char *p = first->owner; strlen(p) > strlen(zf->zone);) {
		if (opts->is_zone(opts->ctx, p)) {
			dr_zonefile_error(zf, first->file, first->line,
					  "name '%s.' belongs to zone '%s.', not '%s.'", first->owner,
					  p, zf->zone);
			break;
		}
		p = strchr(p, '.');
		if (!p)
			break;
		p++;
	}
}

static void check_rules(struct dr_zonefile *zf, const struct dr_zonefile_opts *opts)
{
	size_t i = 0;

	if (zf->nrecs)
		qsort(zf->recs, zf->nrecs, sizeof(*zf->recs), rec_cmp);
	while (i < zf->nrecs) {
		size_t owner_end = i;

		while (owner_end < zf->nrecs && !strcmp(zf->recs[owner_end].owner, zf->recs[i].owner))
			owner_end++;
		for (size_t j = i; j < owner_end;) {
			size_t k = j;

			while (k < owner_end && !strcmp(zf->recs[k].type, zf->recs[j].type))
				k++;
			check_rrset(zf, j, k);
			j = k;
		}
		check_owner(zf, opts, i, owner_end);
		i = owner_end;
	}
}

struct dr_zonefile *dr_zonefile_load(const char *zone, const char *path,
				     const struct dr_zonefile_opts *opts, struct dr_error *err)
{
	struct dr_zonefile *zf;
	struct scan sc = { 0 };
	char *origin, real[PATH_MAX];
	const char *shown;

	zf = dr_xcalloc(1, sizeof(*zf));
	if (dr_name_zone(zone, &zf->zone, err)) {
		free(zf);
		return NULL;
	}
	zf->path = dr_xstrdup(path);
	zf->soa_serial = -1;
	sc.zf = zf;
	sc.opts = opts;
	if (opts->include_dir) {
		if (realpath(opts->include_dir, real))
			sc.include_root = dr_xstrdup(real);
		else
			dr_zonefile_error(zf, opts->include_dir, 0,
					  "--include-dir: no such directory");
	}
	origin = dr_name_fqdn(zf->zone);
	shown = !strcmp(path, "-") ? "stdin" : path;
	if (!zf->nerrors_all)
		scan_file(&sc, path, arena_dup(&zf->arena, shown, strlen(shown)), origin,
			  (uint32_t)(opts->default_ttl > 0 ? opts->default_ttl : 3600), 0);
	free(origin);
	free(sc.include_root);
	check_rules(zf, opts);
	if (!zf->nerrors_all && !zf->nrecs)
		dr_zonefile_error(zf, shown, 0, "no records");
	if (!zf->nerrors_all)
		dr_zonefile_rectify(zf);
	return zf;
}

/* Each record's auth and the empty non-terminals, by drover/rectify.h's
 * rules for an unsigned zone: a zone made from a file has no keys yet. A
 * replaced zone that is signed is rectified again in the database. */
void dr_zonefile_rectify(struct dr_zonefile *zf)
{
	const struct dr_rectify_mode unsigned_zone = { .kind = DR_RECTIFY_UNSIGNED };
	struct dr_rectify_rr *rrs = dr_xcalloc(zf->nrecs + 1, sizeof(*rrs));
	struct dr_rectify *r = NULL;
	struct dr_error err = { 0 };

	for (size_t i = 0; i < zf->nrecs; i++) {
		rrs[i].name = zf->recs[i].owner;
		rrs[i].type = zf->recs[i].type;
	}
	free(zf->ents);
	free(zf->ent_auth);
	zf->ents = NULL;
	zf->ent_auth = NULL;
	zf->nents = 0;
	if (dr_rectify_run(zf->zone, &unsigned_zone, rrs, zf->nrecs, &r, &err)) {
		dr_zonefile_error(zf, zf->path, 0, "%s", err.msg);
		free(rrs);
		return;
	}
	for (size_t i = 0; i < zf->nrecs; i++)
		zf->recs[i].auth = rrs[i].auth;
	zf->ents = dr_xcalloc(r->nents + 1, sizeof(*zf->ents));
	zf->ent_auth = dr_xcalloc(r->nents + 1, sizeof(*zf->ent_auth));
	for (size_t i = 0; i < r->nents; i++) {
		zf->ents[i] = r->ents[i].name;
		zf->ent_auth[i] = r->ents[i].auth;
	}
	zf->nents = r->nents;
	dr_rectify_free(r);
	free(rrs);
}

const struct dr_zf_record *dr_zonefile_find(const struct dr_zonefile *zf, const char *owner,
					    const char *type)
{
	for (size_t i = 0; i < zf->nrecs; i++)
		if (!strcmp(zf->recs[i].owner, owner) && (!type || !strcmp(zf->recs[i].type, type)))
			return &zf->recs[i];
	return NULL;
}

size_t dr_zonefile_count(const struct dr_zonefile *zf)
{
	size_t n = 0;

	for (size_t i = 0; i < zf->nrecs; i++)
		n += !zf->recs[i].dup;
	return n;
}

void dr_zonefile_free(struct dr_zonefile *zf)
{
	if (!zf)
		return;
	for (size_t i = 0; i < zf->nerrors; i++)
		free(zf->errors[i]);
	free(zf->errors);
	free(zf->recs);
	free(zf->ents);
	free(zf->ent_auth);
	arena_free(zf->arena);
	free(zf->zone);
	free(zf->path);
	free(zf);
}
