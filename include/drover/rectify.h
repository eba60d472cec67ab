/* include/drover/rectify.h - what PowerDNS reads beside the records of a zone
 * with gpgsql-dnssec=yes (`auth`, `ordername`, empty non-terminal rows),
 * computed exactly as `pdnsutil rectify-zone` (pdns 4.7) leaves them, for an
 * unsigned, NSEC, NSEC3, NSEC3 narrow or opt-out zone. The one home of those
 * rules: the writer (drover/rectifydb.h) and the zone-file loader use it.
 * Pure computation, no database: the caller gives the enabled records of a
 * region of the zone (every owner of the region, with its ancestors up to
 * the apex and all their descendants; see rectifydb.c for why that is enough)
 * and reads each record's fields and the empty non-terminals back. A
 * PRESIGNED zone is never rectified: the caller stores it as written.
 * NSEC3 hashes come from Knot's libdnssec. */
#ifndef DROVER_RECTIFY_H
#define DROVER_RECTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drover/err.h"

/* pdns's default max-nsec3-iterations: more in NSEC3PARAM is served as this */
#define DR_RECTIFY_MAX_NSEC3_ITERATIONS 100

enum dr_rectify_kind {
	DR_RECTIFY_UNSIGNED = 0, /* no active key: ordername NULL */
	DR_RECTIFY_NSEC,         /* active key, no NSEC3PARAM */
	DR_RECTIFY_NSEC3,        /* active key and NSEC3PARAM */
	DR_RECTIFY_PRESIGNED,    /* PRESIGNED metadata 1: left as written */
};

struct dr_rectify_mode {
	enum dr_rectify_kind kind;
	bool narrow;             /* NSEC3NARROW 1: no hashes stored */
	bool optout;             /* NSEC3PARAM flags non-zero */
	uint16_t iterations;
	uint8_t salt_len;
	uint8_t salt[255];
};

/* The mode of a zone from what the database holds: whether it has an
 * active key, and its PRESIGNED, NSEC3PARAM and NSEC3NARROW metadata (NULL
 * when absent). Returns 0, or DR_EINVAL naming a NSEC3PARAM that cannot be
 * read (then nothing should be written). */
int dr_rectify_mode_init(struct dr_rectify_mode *m, bool active_key, const char *presigned,
			 const char *nsec3param, const char *nsec3narrow,
			 struct dr_error *err) DR_MUSTCHECK;

/* One enabled record of the region: name in storage form ("www.example.com",
 * the apex as stored), type non-NULL. ordername and auth are outputs: the
 * ordername (NULL for SQL NULL) is borrowed from the dr_rectify that
 * dr_rectify_run returns. */
struct dr_rectify_rr {
	const char *name;
	const char *type;
	const char *ordername;
	bool auth;
};

/* An empty non-terminal the region needs, with its fields. */
struct dr_rectify_ent {
	const char *name;      /* borrowed from the records given */
	const char *ordername; /* NULL for SQL NULL */
	bool auth;
};

struct dr_rectify {
	struct dr_rectify_ent *ents; /* sorted by name */
	size_t nents;
	char **strs;                 /* ordernames made here */
	size_t nstrs;
};

/* Fill each record's ordername and auth and list the empty non-terminals,
 * for the zone apex (storage form) in mode m (not PRESIGNED). Returns 0 and
 * a new dr_rectify in *out (free it with dr_rectify_free after the records'
 * ordernames are used), or a negative code with err filled. */
int dr_rectify_run(const char *apex, const struct dr_rectify_mode *m, struct dr_rectify_rr *rrs,
		   size_t n, struct dr_rectify **out, struct dr_error *err) DR_MUSTCHECK;

void dr_rectify_free(struct dr_rectify *r);

/* The top label below the apex of name ("a.b.example.com" -> "b.example.com"),
 * or the apex itself; borrowed from name. The unit rectifydb.c reloads. */
const char *dr_rectify_region_root(const char *name, const char *apex);

/* The NSEC3 hash (SHA-1, RFC 5155) of name (storage form, "." the root) as
 * lower-case base32hex, in *out (the caller's to free). */
int dr_nsec3_hash(const char *name, uint16_t iterations, const uint8_t *salt, size_t salt_len,
		  char **out, struct dr_error *err) DR_MUSTCHECK;

/* n bytes as lower-case base32hex without padding into out (room for
 * n * 8 / 5 + 2 bytes). */
void dr_base32hex(const uint8_t *in, size_t n, char *out);

#endif
