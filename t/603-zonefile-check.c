/* t/603-zonefile-check.c - zone files read and checked in memory by
 * src/zonefile.c, without a database: records in storage form, duplicates
 * written once, auth and empty non-terminals as drover/rectify.h sets
 * them, the zone rules with file:line, $INCLUDE only inside the include
 * directory, the child-zone callback. No servers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drover/rr.h"
#include "drover/zonefile.h"
#include "lib/tap.h"

static char *data(const char *rel)
{
	const char *src = getenv("DROVER_SRCDIR");
	size_t n = strlen(src ? src : ".") + strlen(rel) + 32;
	char *p = malloc(n);

	snprintf(p, n, "%s/t/data/zones/%s", src ? src : ".", rel);
	return p;
}

static const struct dr_zf_record *find(const struct dr_zonefile *zf, const char *owner,
				       const char *type)
{
	return dr_zonefile_find(zf, owner, type);
}

static bool child_zone(void *ctx, const char *name)
{
	return !strcmp(name, ctx);
}

static struct dr_zonefile *load(const char *zone, const char *rel, const char *incdir,
				dr_zonefile_is_zone_cb cb, void *ctx)
{
	struct dr_zonefile_opts opts = { incdir, 3600, cb, ctx };
	struct dr_error err = { 0 };
	char *path = data(rel);
	struct dr_zonefile *zf = dr_zonefile_load(zone, path, &opts, &err);

	free(path);
	return zf;
}

static bool has_error(const struct dr_zonefile *zf, const char *want)
{
	for (size_t i = 0; i < zf->nerrors; i++)
		if (strstr(zf->errors[i], want))
			return true;
	for (size_t i = 0; i < zf->nerrors; i++)
		diag("error: %s", zf->errors[i]);
	return false;
}

static void types_file(void)
{
	struct dr_zonefile *zf = load("Types.Test.", "types.test.zone", NULL, NULL, NULL);
	const struct dr_zf_record *r;
	struct dr_rr rr = { 0 };
	struct dr_error err = { 0 };

	is_int((long long)zf->nerrors_all, 0, "types.test.zone: no errors");
	is_str(zf->zone, "types.test", "the zone name in storage form");
	is_int((long long)dr_zonefile_count(zf), 31, "31 records");
	ok(zf->has_soa && zf->has_apex_ns, "SOA and apex NS found");
	is_int(zf->soa_serial, 2024010101, "the SOA serial read from the file");
	r = find(zf, "_sip._tcp.types.test", "SRV");
	ok(r && !strcmp(r->content, "20 5060 sip.types.test") && r->prio == 10,
	   "SRV in storage form, prio split off");
	ok(dr_rr_parse("types.test", "_sip._tcp.types.test", "SRV", "10 20 5060 sip", &rr, &err) == 0 &&
		   r && !strcmp(rr.content, r->content),
	   "the same data through dr_rr_parse gives the same content");
	dr_rr_release(&rr);
	r = find(zf, "www.types.test", "A");
	is_int(r ? r->ttl : -1, 300, "an explicit TTL");
	r = find(zf, "a.b.deep.types.test", "A");
	ok(r != NULL, "$ORIGIN deep.types.test. makes a.b relative to it");
	ok(r && strstr(r->file, "types.test.zone") && r->line == 44, "the record knows file:line (%lu)",
	   r ? r->line : 0);
	r = find(zf, "ns.sub.types.test", "A");
	ok(r && !r->auth, "glue below the delegation: auth false");
	r = find(zf, "sub.types.test", "NS");
	ok(r && !r->auth, "the delegation NS: auth false");
	r = find(zf, "sub.types.test", "DS");
	ok(r && r->auth, "the DS at the delegation: auth true");
	is_int((long long)zf->nents, 3, "three empty non-terminals");
	ok(zf->nents == 3 && !strcmp(zf->ents[0], "_tcp.types.test") &&
		   !strcmp(zf->ents[1], "b.deep.types.test") && !strcmp(zf->ents[2], "wild.types.test"),
	   "the empty non-terminals are _tcp, b.deep and wild");
	dr_zonefile_free(zf);
}

static void include_rules(void)
{
	struct dr_zonefile *zf = load("incl.test", "incl.test.zone", NULL, NULL, NULL);
	char *inc = data("inc");

	ok(has_error(zf, "incl.test.zone:8: $INCLUDE") && has_error(zf, "includes need --include-dir"),
	   "$INCLUDE without an include directory is refused at file:line");
	dr_zonefile_free(zf);
	zf = load("incl.test", "incl.test.zone", inc, NULL, NULL);
	is_int((long long)zf->nerrors_all, 0, "$INCLUDE inside the include directory is read");
	ok(find(zf, "printer.office.incl.test", "A") != NULL, "an $INCLUDE with its own origin");
	ok(find(zf, "web.incl.test", "AAAA") && strstr(find(zf, "web.incl.test", "AAAA")->file, "hosts.inc"),
	   "a record from an included file names that file");
	dr_zonefile_free(zf);
	zf = load("bad.test", "bad/include.zone", inc, NULL, NULL);
	ok(has_error(zf, "not a file inside the include directory"), "$INCLUDE of ../ is refused");
	dr_zonefile_free(zf);
	free(inc);
}

static void rules(void)
{
	static const struct { const char *file, *want; } cases[] = {
		{ "bad/ttl.zone", "ttl.zone:7: record 'www.bad.test.' A: TTL 120 differs from TTL 60" },
		{ "bad/two-soa.zone", "two-soa.zone:6: record 'bad.test.' SOA: a zone has exactly one SOA" },
		{ "bad/cname-beside.zone", "cname-beside.zone:7: record 'www.bad.test.' CNAME: the name holds other data" },
		{ "bad/cname-apex.zone", "cname-apex.zone:6: record 'bad.test.' CNAME: a CNAME cannot be at the zone apex" },
		{ "bad/soa-below.zone", "soa-below.zone:6: record 'sub.bad.test.' SOA: the SOA belongs at the zone apex" },
		{ "bad/outside.zone", "outside.zone:6: name 'www.example.org.' is outside zone 'bad.test.'" },
		{ "bad/type.zone", "type.zone:6: record 'x.bad.test.' TYPE999: unsupported record type" },
		{ "bad/address.zone", "address.zone:6: invalid IPv4 address" },
		{ "bad/paren.zone", "paren.zone:7: unclosed last multiline block" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dr_zonefile *zf = load("bad.test", cases[i].file, NULL, NULL, NULL);

		ok(has_error(zf, cases[i].want), "%s: %s", cases[i].file, cases[i].want);
		dr_zonefile_free(zf);
	}
	{
		struct dr_zonefile *zf = load("bad.test", "bad/child.zone", NULL, child_zone,
					      "child.bad.test");

		ok(has_error(zf, "child.zone:6: name 'www.child.bad.test.' belongs to zone 'child.bad.test.'"),
		   "a name inside a child zone (from the callback) is refused");
		dr_zonefile_free(zf);
	}
}

static void duplicates(void)
{
	char path[] = "/tmp/drover-603-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct dr_zonefile_opts opts = { NULL, 0, NULL, NULL };
	struct dr_zonefile *zf;

	fputs("$ORIGIN d.test.\n@ 60 SOA ns hm 1 2 3 4 5\n@ 60 NS ns\nns A 192.0.2.1\n"
	      "ns A 192.0.2.1\nx A 192.0.2.2\n", f);
	fclose(f);
	zf = dr_zonefile_load("d.test", path, &opts, NULL);
	is_int((long long)zf->nerrors_all, 0, "a record given twice is not an error");
	is_int((long long)dr_zonefile_count(zf), 4, "it is written once");
	is_int(find(zf, "x.d.test", "A") ? find(zf, "x.d.test", "A")->ttl : -1, 3600,
	       "no $TTL and no TTL: 3600");
	dr_zonefile_free(zf);
	unlink(path);
	ok(dr_zonefile_load("bad..zone", path, &opts, NULL) == NULL, "a bad zone name gives NULL");
}

int main(void)
{
	types_file();
	include_rules();
	rules();
	duplicates();
	return done_testing();
}
