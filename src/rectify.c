/* src/rectify.c - the fields `pdnsutil rectify-zone` sets, computed in
 * memory. See include/drover/rectify.h.
 *
 * The rules, as pdns 4.7 applies them (DNSSECKeeper::rectifyZone, then
 * gsql's update statements; only enabled records take part):
 * - A delegation is a name below the apex holding NS. A name is
 *   authoritative unless it, or an ancestor, is a delegation.
 * - Every ancestor strictly below the apex that holds no record is an
 *   empty non-terminal (ENT); its auth is true when any name below it is.
 * - ordername of a name: unsigned none; NSEC the name relative to the apex,
 *   labels reversed, joined by spaces ("" at the apex; none for an ENT);
 *   NSEC3 (not narrow) the base32hex hash of names in the NSEC3 set: each
 *   name not below a delegation, with all its ancestors, where opt-out
 *   leaves out names that hold only NS. An ENT in the NSEC3 set is
 *   authoritative unless opt-out.
 * - Then per record: a DS is authoritative with its name's ordername; at a
 *   delegation or below one, A and AAAA (glue) get no ordername and auth
 *   false, and so does the NS of an opt-out delegation without DS.
 * Every other record takes its name's ordername and auth. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdnssec/binary.h>
#include <libdnssec/error.h>
#include <libdnssec/nsec.h>
#include <libknot/libknot.h>

#include "drover/rectify.h"
#include "drover/util.h"
#include "banned.h"

static bool is_apex(const char *name, const char *apex)
{
	return !strcmp(name, apex);
}

/* The parent of name inside the zone (a pointer into name, or apex for a
 * child of the root zone), NULL at the apex. Dots escaped as "\." do not
 * separate labels. */
static const char *parent_of(const char *name, const char *apex)
{
	if (is_apex(name, apex))
		return NULL;
	for (const char *p = name; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '.')
			return p + 1;
	}
	return !strcmp(apex, ".") ? apex : NULL;
}

const char *dr_rectify_region_root(const char *name, const char *apex)
{
	const char *p;

	while ((p = parent_of(name, apex)) && !is_apex(p, apex))
		name = p;
	return name;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A sorted set of borrowed names. */
struct nameset {
	const char **v;
	size_t n, cap;
};

static void set_add(struct nameset *s, const char *name)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = dr_xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = name;
}

static void set_seal(struct nameset *s) /* sort, drop duplicates */
{
	size_t m = 0;

	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(*s->v), str_cmp);
	for (size_t i = 0; i < s->n; i++)
		if (!m || strcmp(s->v[m - 1], s->v[i]))
			s->v[m++] = s->v[i];
	s->n = m;
}

static long set_find(const struct nameset *s, const char *name)
{
	const char **hit;

	if (!s->n)
		return -1;
	hit = bsearch(&name, s->v, s->n, sizeof(*s->v), str_cmp);
	return hit ? hit - s->v : -1;
}

static bool set_has(const struct nameset *s, const char *name)
{
	return set_find(s, name) >= 0;
}

static const char *keep(struct dr_rectify *r, char *s)
{
	r->strs = dr_xrealloc(r->strs, (r->nstrs + 1) * sizeof(*r->strs));
	r->strs[r->nstrs++] = s;
	return s;
}

/* NSEC: "a.b.example.com" in "example.com" -> "b a"; the apex -> "". */
static char *nsec_ordername(const char *name, const char *apex)
{
	size_t len, n = 0, nlabels = 0;
	const char **starts;
	char *out;
	const char *p;

	if (is_apex(name, apex))
		return dr_xstrdup("");
	len = !strcmp(apex, ".") ? strlen(name) : strlen(name) - strlen(apex) - 1;
	starts = dr_xcalloc(len + 1, sizeof(*starts));
	starts[nlabels++] = name;
	for (p = name; p < name + len; p++) {
		if (*p == '\\' && p + 1 < name + len) {
			p++;
			continue;
		}
		if (*p == '.')
			starts[nlabels++] = p + 1;
	}
	out = dr_xmalloc(len + 1);
	for (size_t i = nlabels; i-- > 0;) {
		const char *end = i + 1 < nlabels ? starts[i + 1] - 1 : name + len;

		if (n)
			out[n++] = ' ';
		memcpy(out + n, starts[i], (size_t)(end - starts[i]));
		n += (size_t)(end - starts[i]);
	}
	out[n] = '\0';
	free(starts);
	return out;
}

void dr_base32hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuv";
	unsigned buf = 0, bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		buf = (buf << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = digits[(buf >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits)
		out[o++] = digits[(buf << (5 - bits)) & 31];
	out[o] = '\0';
}

int dr_nsec3_hash(const char *name, uint16_t iterations, const uint8_t *salt, size_t salt_len,
		  char **out, struct dr_error *err)
{
	uint8_t wire[KNOT_DNAME_MAXLEN];
	char fqdn[KNOT_DNAME_TXT_MAXLEN + 2];
	dnssec_nsec3_params_t params = {
		.algorithm = DNSSEC_NSEC3_ALGORITHM_SHA1,
		.iterations = iterations,
		.salt = { .data = (uint8_t *)salt, .size = salt_len },
	};
	dnssec_binary_t data, hash = { 0 };
	int rc;

	if (!strcmp(name, "."))
		snprintf(fqdn, sizeof(fqdn), ".");
	else if ((size_t)snprintf(fqdn, sizeof(fqdn), "%s.", name) >= sizeof(fqdn))
		return dr_error_set(err, DR_EINVAL, "name", "name '%s' too long to hash", name);
	if (!knot_dname_from_str(wire, fqdn, sizeof(wire)))
		return dr_error_set(err, DR_EINVAL, "name", "name '%s' cannot be hashed", name);
	knot_dname_to_lower(wire);
	data.data = wire;
	data.size = knot_dname_size(wire);
	rc = dnssec_nsec3_hash(&data, &params, &hash);
	if (rc != DNSSEC_EOK)
		return dr_error_set(err, DR_EINVAL, "name", "NSEC3 hash of '%s' failed: %s", name,
				    dnssec_strerror(rc));
	*out = dr_xmalloc(hash.size * 8 / 5 + 2);
	dr_base32hex(hash.data, hash.size, *out);
	dnssec_binary_free(&hash);
	return 0;
}

/* NSEC3: lower-case base32hex of the iterated SHA-1 of the wire name. */
static int nsec3_ordername(const char *name, const struct dr_rectify_mode *m, char **out,
			   struct dr_error *err)
{
	return dr_nsec3_hash(name, m->iterations, m->salt, m->salt_len, out, err);
}

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int dr_rectify_mode_init(struct dr_rectify_mode *m, bool active_key, const char *presigned,
			 const char *nsec3param, const char *nsec3narrow, struct dr_error *err)
{
	unsigned alg, flags, iter;
	char salt[600];
	size_t slen;

	memset(m, 0, sizeof(*m));
	if (presigned && !strcmp(presigned, "1")) {
		m->kind = DR_RECTIFY_PRESIGNED;
		return 0;
	}
	if (!active_key)
		return 0;
	if (!nsec3param || !*nsec3param) {
		m->kind = DR_RECTIFY_NSEC;
		return 0;
	}
	if (sscanf(nsec3param, "%u %u %u %599s", &alg, &flags, &iter, salt) != 4 || alg > 255 ||
	    flags > 255 || iter > 65535)
		return dr_error_set(err, DR_EINVAL, "NSEC3PARAM",
				    "metadata NSEC3PARAM '%s': want 'ALGORITHM FLAGS ITERATIONS SALT'",
				    nsec3param);
	slen = strcmp(salt, "-") ? strlen(salt) : 0;
	if (slen % 2 || slen / 2 > sizeof(m->salt))
		return dr_error_set(err, DR_EINVAL, "NSEC3PARAM",
				    "metadata NSEC3PARAM '%s': bad salt", nsec3param);
	for (size_t i = 0; i < slen / 2; i++) {
		int hi = hex_value(salt[2 * i]), lo = hex_value(salt[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return dr_error_set(err, DR_EINVAL, "NSEC3PARAM",
					    "metadata NSEC3PARAM '%s': bad salt", nsec3param);
		m->salt[i] = (uint8_t)(hi << 4 | lo);
	}
	/* as pdns serves it: algorithm 1 whatever is stored, iterations capped */
	m->kind = DR_RECTIFY_NSEC3;
	m->salt_len = (uint8_t)(slen / 2);
	m->iterations = (uint16_t)(iter > DR_RECTIFY_MAX_NSEC3_ITERATIONS
					   ? DR_RECTIFY_MAX_NSEC3_ITERATIONS
					   : iter);
	m->optout = flags != 0;
	m->narrow = nsec3narrow && !strcmp(nsec3narrow, "1");
	return 0;
}

/* Is a strict ancestor of name, below the apex, a delegation? */
static bool below_cut(const char *name, const char *apex, const struct nameset *cuts)
{
	for (const char *p = parent_of(name, apex); p && !is_apex(p, apex); p = parent_of(p, apex))
		if (set_has(cuts, p))
			return true;
	return false;
}

struct work {
	struct nameset names, cuts, ds, hashed;
	bool *name_auth;              /* per names.v[i] */
	const char **name_ord;        /* per names.v[i] */
};

static int ent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dr_rectify_ent *)a)->name,
		      ((const struct dr_rectify_ent *)b)->name);
}

/* ENTs with auth as the OR over the names below them. */
static void find_ents(struct dr_rectify *r, const char *apex, struct work *w)
{
	size_t cap = 0, m = 0;

	for (size_t i = 0; i < w->names.n; i++)
		for (const char *p = parent_of(w->names.v[i], apex); p && !is_apex(p, apex);
		     p = parent_of(p, apex)) {
			if (set_has(&w->names, p))
				continue;
			if (r->nents == cap) {
				cap = cap ? cap * 2 : 16;
				r->ents = dr_xrealloc(r->ents, cap * sizeof(*r->ents));
			}
			r->ents[r->nents++] = (struct dr_rectify_ent){ .name = p,
								       .auth = w->name_auth[i] };
		}
	if (!r->nents)
		return;
	qsort(r->ents, r->nents, sizeof(*r->ents), ent_cmp);
	for (size_t i = 0; i < r->nents; i++) {
		if (m && !strcmp(r->ents[m - 1].name, r->ents[i].name)) {
			r->ents[m - 1].auth |= r->ents[i].auth;
			continue;
		}
		r->ents[m++] = r->ents[i];
	}
	r->nents = m;
}

static int ordername_of(struct dr_rectify *r, const char *name, const char *apex,
			const struct dr_rectify_mode *m, const struct work *w, bool ent,
			const char **out, struct dr_error *err)
{
	char *s = NULL;
	int rc;

	*out = NULL;
	if (m->kind == DR_RECTIFY_NSEC && !ent) {
		*out = keep(r, nsec_ordername(name, apex));
	} else if (m->kind == DR_RECTIFY_NSEC3 && !m->narrow && set_has(&w->hashed, name)) {
		rc = nsec3_ordername(name, m, &s, err);
		if (rc)
			return rc;
		*out = keep(r, s);
	}
	return 0;
}

static void work_release(struct work *w)
{
	free(w->names.v);
	free(w->cuts.v);
	free(w->ds.v);
	free(w->hashed.v);
	free(w->name_auth);
	free(w->name_ord);
}

int dr_rectify_run(const char *apex, const struct dr_rectify_mode *m, struct dr_rectify_rr *rrs,
		   size_t n, struct dr_rectify **out, struct dr_error *err)
{
	struct dr_rectify *r = dr_xcalloc(1, sizeof(*r));
	struct work w = { 0 };
	bool nsec3 = m->kind == DR_RECTIFY_NSEC3;
	int rc = 0;

	*out = NULL;
	for (size_t i = 0; i < n; i++) {
		set_add(&w.names, rrs[i].name);
		if (!strcmp(rrs[i].type, "NS") && !is_apex(rrs[i].name, apex))
			set_add(&w.cuts, rrs[i].name);
		if (!strcmp(rrs[i].type, "DS"))
			set_add(&w.ds, rrs[i].name);
	}
	set_seal(&w.names);
	set_seal(&w.cuts);
	set_seal(&w.ds);

	/* the NSEC3 set: names not below a cut, with their ancestors */
	if (nsec3 && (!m->narrow || !m->optout)) {
		for (size_t i = 0; i < n; i++) {
			if (below_cut(rrs[i].name, apex, &w.cuts) ||
			    (m->optout && !strcmp(rrs[i].type, "NS")))
				continue;
			for (const char *p = rrs[i].name; p; p = parent_of(p, apex))
				set_add(&w.hashed, p);
		}
		set_seal(&w.hashed);
	}

	w.name_auth = dr_xcalloc(w.names.n + 1, sizeof(*w.name_auth));
	w.name_ord = dr_xcalloc(w.names.n + 1, sizeof(*w.name_ord));
	for (size_t i = 0; !rc && i < w.names.n; i++) {
		const char *name = w.names.v[i];

		w.name_auth[i] = !set_has(&w.cuts, name) && !below_cut(name, apex, &w.cuts);
		rc = ordername_of(r, name, apex, m, &w, false, &w.name_ord[i], err);
	}
	if (!rc)
		find_ents(r, apex, &w);
	for (size_t i = 0; !rc && i < r->nents; i++) {
		struct dr_rectify_ent *e = &r->ents[i];

		rc = ordername_of(r, e->name, apex, m, &w, true, &e->ordername, err);
		if (nsec3 && !m->optout && set_has(&w.hashed, e->name))
			e->auth = true;
	}

	for (size_t i = 0; !rc && i < n; i++) {
		struct dr_rectify_rr *rr = &rrs[i];
		long k = set_find(&w.names, rr->name);
		bool auth = w.name_auth[k];
		const char *t = rr->type;

		rr->ordername = w.name_ord[k];
		rr->auth = auth;
		if (!strcmp(t, "DS")) {
			rr->auth = true;
		} else if (!auth || set_has(&w.cuts, rr->name)) {
			if (!strcmp(t, "A") || !strcmp(t, "AAAA") ||
			    (m->optout && nsec3 && !strcmp(t, "NS") && !set_has(&w.ds, rr->name))) {
				rr->ordername = NULL;
				rr->auth = false;
			}
		}
	}
	work_release(&w);
	if (rc) {
		dr_rectify_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void dr_rectify_free(struct dr_rectify *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nstrs; i++)
		free(r->strs[i]);
	free(r->strs);
	free(r->ents);
	free(r);
}
