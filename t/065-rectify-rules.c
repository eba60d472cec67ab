/* t/065-rectify-rules.c - drover/rectify.h without a database: NSEC3
 * hashes against RFC 5155's worked example, NSEC ordernames, the zone's
 * mode from its metadata, and auth, ordername and empty non-terminals for
 * a delegation with DS and glue in unsigned, NSEC, NSEC3, opt-out and narrow
 * zones. The rows pdns itself leaves are compared in t/230. No servers. */
#include <stdio.h>
#include <string.h>

#include "drover/rectify.h"
#include "lib/tap.h"

static struct dr_rectify_mode mode(const char *param, const char *narrow)
{
	struct dr_rectify_mode m;
	struct dr_error err = { 0 };

	if (dr_rectify_mode_init(&m, true, NULL, param, narrow, &err))
		bail("mode '%s': %s", param ? param : "NSEC", err.msg);
	return m;
}

static const char *ord(const char *o)
{
	return o ? o : "<null>";
}

/* The ordername of a one-record zone region. */
static void hash_is(const char *apex, const char *name, const struct dr_rectify_mode *m,
		    const char *want)
{
	struct dr_rectify_rr rr[2] = { { .name = apex, .type = "SOA" }, { .name = name, .type = "A" } };
	struct dr_rectify *r = NULL;
	struct dr_error err = { 0 };

	if (dr_rectify_run(apex, m, rr, 2, &r, &err))
		bail("rectify: %s", err.msg);
	is_str(ord(rr[1].ordername), want, "ordername of '%s'", name);
	dr_rectify_free(r);
}

/* A zone with a delegation (DS, glue), a deep name and an insecure cut. */
static const char *Z = "example.com";
static struct dr_rectify_rr zone_rrs[] = {
	{ .name = "example.com", .type = "SOA" },  { .name = "example.com", .type = "NS" },
	{ .name = "www.example.com", .type = "A" }, { .name = "a.b.deep.example.com", .type = "TXT" },
	{ .name = "sub.example.com", .type = "NS" }, { .name = "sub.example.com", .type = "DS" },
	{ .name = "ns.sub.example.com", .type = "A" }, { .name = "ins.example.com", .type = "NS" },
	{ .name = "txt.below.sub.example.com", .type = "TXT" },
};
#define NRRS (sizeof(zone_rrs) / sizeof(*zone_rrs))

static struct dr_rectify *run(const struct dr_rectify_mode *m)
{
	struct dr_rectify *r = NULL;
	struct dr_error err = { 0 };

	if (dr_rectify_run(Z, m, zone_rrs, NRRS, &r, &err))
		bail("rectify: %s", err.msg);
	return r;
}

static const struct dr_rectify_rr *rr_of(const char *name, const char *type)
{
	for (size_t i = 0; i < NRRS; i++)
		if (!strcmp(zone_rrs[i].name, name) && !strcmp(zone_rrs[i].type, type))
			return &zone_rrs[i];
	bail("no %s %s", name, type);
}

static void row_is(const char *name, const char *type, const char *want_ord, bool want_auth,
		   const char *what)
{
	const struct dr_rectify_rr *rr = rr_of(name, type);

	is_str(ord(rr->ordername), want_ord, "%s: %s %s ordername", what, name, type);
	is_int(rr->auth, want_auth, "%s: %s %s auth", what, name, type);
}

static void ents_are(const struct dr_rectify *r, const char *want, const char *what)
{
	char got[1024] = "";

	for (size_t i = 0; i < r->nents; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s:%s:%d", i ? "," : "",
			 r->ents[i].name, ord(r->ents[i].ordername), r->ents[i].auth);
	is_str(got, want, "%s: empty non-terminals", what);
}

int main(void)
{
	struct dr_rectify_mode m, rfc, nsec;
	struct dr_rectify *r;
	struct dr_error err = { 0 };

	/* RFC 5155 appendix A: salt aabbccdd, 12 iterations */
	rfc = mode("1 1 12 aabbccdd", NULL);
	ok(rfc.kind == DR_RECTIFY_NSEC3 && rfc.optout && rfc.iterations == 12 && rfc.salt_len == 4,
	   "NSEC3PARAM '1 1 12 aabbccdd' read: opt-out, 12 iterations, 4 salt bytes");
	hash_is("example", "example", &rfc, "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom");
	hash_is("example", "a.example", &rfc, "35mthgpgcu1qg68fab165klnsnk3dpvl");
	hash_is("example", "ai.example", &rfc, "gjeqe526plbf1g8mklp59enfd789njgi");

	nsec = mode(NULL, NULL);
	ok(nsec.kind == DR_RECTIFY_NSEC, "an active key without NSEC3PARAM is NSEC");
	hash_is("example.com", "a.b.example.com", &nsec, "b a");
	hash_is("example.com", "x\\.y.example.com", &nsec, "x\\.y");

	ok(!dr_rectify_mode_init(&m, false, NULL, "1 0 1 ab", NULL, &err) &&
		   m.kind == DR_RECTIFY_UNSIGNED,
	   "NSEC3PARAM without an active key is unsigned");
	ok(!dr_rectify_mode_init(&m, true, "1", NULL, NULL, &err) && m.kind == DR_RECTIFY_PRESIGNED,
	   "PRESIGNED 1 is presigned");
	m = mode("1 0 500 -", "1");
	ok(m.iterations == DR_RECTIFY_MAX_NSEC3_ITERATIONS && m.salt_len == 0 && m.narrow,
	   "500 iterations are served as %d, salt '-' is empty, NSEC3NARROW 1 is narrow",
	   DR_RECTIFY_MAX_NSEC3_ITERATIONS);
	ok(dr_rectify_mode_init(&m, true, NULL, "1 0 1 abc", NULL, &err) == DR_EINVAL &&
		   strstr(err.msg, "NSEC3PARAM") != NULL,
	   "an odd salt is refused: %s", err.msg);
	ok(dr_rectify_mode_init(&m, true, NULL, "nonsense", NULL, &err) == DR_EINVAL,
	   "a NSEC3PARAM that is not four fields is refused: %s", err.msg);

	is_str(dr_rectify_region_root("a.b.example.com", "example.com"), "b.example.com",
	       "the region of a.b.example.com is b.example.com");
	is_str(dr_rectify_region_root("example.com", "example.com"), "example.com",
	       "the region of the apex is the apex");

	m = (struct dr_rectify_mode){ .kind = DR_RECTIFY_UNSIGNED };
	r = run(&m);
	row_is("www.example.com", "A", "<null>", true, "unsigned");
	row_is("sub.example.com", "NS", "<null>", false, "unsigned");
	row_is("sub.example.com", "DS", "<null>", true, "unsigned");
	row_is("ns.sub.example.com", "A", "<null>", false, "unsigned");
	row_is("txt.below.sub.example.com", "TXT", "<null>", false, "unsigned");
	ents_are(r, "b.deep.example.com:<null>:1,below.sub.example.com:<null>:0,deep.example.com:<null>:1",
		 "unsigned");
	dr_rectify_free(r);

	r = run(&nsec);
	row_is("example.com", "SOA", "", true, "NSEC");
	row_is("a.b.deep.example.com", "TXT", "deep b a", true, "NSEC");
	row_is("sub.example.com", "NS", "sub", false, "NSEC");
	row_is("sub.example.com", "DS", "sub", true, "NSEC");
	row_is("ns.sub.example.com", "A", "<null>", false, "NSEC glue");
	row_is("txt.below.sub.example.com", "TXT", "sub below txt", false, "NSEC below a cut");
	ents_are(r, "b.deep.example.com:<null>:1,below.sub.example.com:<null>:0,deep.example.com:<null>:1",
		 "NSEC");
	dr_rectify_free(r);

	m = mode("1 0 1 ab", NULL);
	r = run(&m);
	ok(rr_of("www.example.com", "A")->ordername &&
		   strlen(rr_of("www.example.com", "A")->ordername) == 32,
	   "NSEC3: www hashed to 32 base32hex characters");
	row_is("ns.sub.example.com", "A", "<null>", false, "NSEC3 glue");
	row_is("txt.below.sub.example.com", "TXT", "<null>", false, "NSEC3 below a cut (not hashed)");
	ok(rr_of("ins.example.com", "NS")->ordername != NULL && !rr_of("ins.example.com", "NS")->auth,
	   "NSEC3: an insecure delegation is hashed, auth false");
	ok(r->nents == 3 && r->ents[0].ordername && r->ents[0].auth && !r->ents[1].ordername &&
		   !r->ents[1].auth,
	   "NSEC3: an ENT above data is hashed and auth, one below a cut neither");
	dr_rectify_free(r);

	m = mode("1 1 1 ab", NULL);
	r = run(&m);
	row_is("ins.example.com", "NS", "<null>", false, "NSEC3 opt-out, delegation without DS");
	ok(rr_of("sub.example.com", "NS")->ordername != NULL,
	   "NSEC3 opt-out: a delegation with DS stays hashed");
	dr_rectify_free(r);

	m = mode("1 0 1 ab", "1");
	r = run(&m);
	row_is("www.example.com", "A", "<null>", true, "NSEC3 narrow");
	ents_are(r, "b.deep.example.com:<null>:1,below.sub.example.com:<null>:0,deep.example.com:<null>:1",
		 "NSEC3 narrow");
	dr_rectify_free(r);
	return done_testing();
}
