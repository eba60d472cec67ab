/* include/drover/zonefile.h - one zone file (BIND master-file format) read
 * into memory and checked, ready for the bulk writer (drover/zoneload.h).
 * Knot DNS's scanner (libzscanner) reads the file once ($ORIGIN, $TTL,
 * relative names, '@', parentheses, comments; $INCLUDE only inside the
 * include directory); each record's data goes to PowerDNS's storage form
 * through drover/rr.h, each owner through drover/name.h, so the file meets
 * the same rules as `drover rrset`. Then the zone rules are checked over
 * the whole file: names inside the zone, CNAME alone and not at the apex,
 * SOA only at the apex and only one, one TTL per rrset. Every error names
 * file:line and the reason. No database here: the caller supplies the set
 * of zones that exist (for "inside a child zone"). Everything a struct
 * dr_zonefile holds is freed by dr_zonefile_free. */
#ifndef DROVER_ZONEFILE_H
#define DROVER_ZONEFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "drover/err.h"

#define DR_ZONEFILE_MAX_ERRORS 20 /* per zone; the rest are counted */

struct dr_zf_record {
	const char *owner;   /* storage form (borrowed from the zone's arena) */
	const char *type;    /* "MX" (a constant) */
	const char *content; /* storage form (arena) */
	int prio;            /* MX and SRV priority, else 0 */
	long long ttl;
	const char *file;    /* the file it came from (arena) */
	unsigned long line;
	size_t seq;          /* order in the file */
	bool auth;           /* as rectify sets it: false at and below a delegation */
	bool dup;            /* the same record again: written once */
};

struct dr_zf_arena;

struct dr_zonefile {
	char *zone;          /* storage form, "example.com" */
	char *path;          /* as given ("-" for standard input) */
	struct dr_zf_record *recs;
	size_t nrecs, cap;
	bool has_soa, has_apex_ns;
	long long soa_serial; /* -1 without an SOA */
	const char **ents;   /* empty non-terminals, as rectify adds them (arena) */
	bool *ent_auth;
	size_t nents;
	char **errors;       /* "file:line: reason" */
	size_t nerrors;      /* kept (at most DR_ZONEFILE_MAX_ERRORS) */
	size_t nerrors_all;  /* found */
	struct dr_zf_arena *arena;
};

/* Is name (storage form) a zone of its own? The caller's zone set. */
typedef bool (*dr_zonefile_is_zone_cb)(void *ctx, const char *name);

struct dr_zonefile_opts {
	const char *include_dir; /* NULL: every $INCLUDE is refused */
	long long default_ttl;   /* records without a TTL before any $TTL; 3600 */
	dr_zonefile_is_zone_cb is_zone; /* NULL: no child-zone check */
	void *ctx;
};

/* Read path ("-": standard input) as the zone `zone` (any form
 * dr_name_zone takes) and check it. Returns a new dr_zonefile, also when
 * the file has errors (then nerrors > 0 and nothing should be written);
 * NULL only with err filled when the zone name itself is bad. */
struct dr_zonefile *dr_zonefile_load(const char *zone, const char *path,
				     const struct dr_zonefile_opts *opts, struct dr_error *err);

/* Compute what drover.rectify_zone would set for a zone holding exactly
 * the file's records: each record's auth, and the empty non-terminals.
 * The writer then needs no rectify for a zone it creates or replaces. */
void dr_zonefile_rectify(struct dr_zonefile *zf);

/* Add an error "file:line: reason" (line 0: "file: reason"). */
void dr_zonefile_error(struct dr_zonefile *zf, const char *file, unsigned long line,
		       const char *fmt, ...) DR_PRINTF(4, 5);

/* The first record of rrset owner/type, or of owner when type is NULL;
 * NULL when none (for reporting errors found in the database). */
const struct dr_zf_record *dr_zonefile_find(const struct dr_zonefile *zf, const char *owner,
					    const char *type);

/* Records that will be written (duplicates excluded). */
size_t dr_zonefile_count(const struct dr_zonefile *zf);

void dr_zonefile_free(struct dr_zonefile *zf);

#endif
