/* include/drover/zoneload.h - the bulk writer behind `drover zone import`:
 * zones read and checked by drover/zonefile.h go into the PowerDNS tables
 * with COPY, many zones per transaction, a fixed number of statements per
 * batch (never one round trip per record or per zone). Also the set of
 * zones the database holds, which the checks need (child zones,
 * secondaries, whether a zone is new). Blocking libpq (CLI). */
#ifndef DROVER_ZONELOAD_H
#define DROVER_ZONELOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>

#include "drover/err.h"
#include "drover/zonefile.h"

/* Zone names (storage form) with their domains.type, for lookups. */
struct dr_zoneset;

/* An empty set. */
struct dr_zoneset *dr_zoneset_new(void);
/* Every zone in domains; NULL with err filled on a database error. */
struct dr_zoneset *dr_zoneset_load(PGconn *conn, struct dr_error *err);
/* NULL when absent, else its domains.type ("NATIVE", ... ; "" for a zone
 * added by dr_zoneset_add). */
const char *dr_zoneset_type(const struct dr_zoneset *set, const char *name);
void dr_zoneset_add(struct dr_zoneset *set, const char *name, const char *type);
/* For dr_zonefile_opts.is_zone: ctx is the set. */
bool dr_zoneset_has(void *set, const char *name);
void dr_zoneset_free(struct dr_zoneset *set);

/* The checks that depend on the database's zones, added to zf's errors: a
 * secondary takes no import; a new zone, or one replaced, needs its SOA and
 * apex NS in the file. */
void dr_zoneload_check(struct dr_zonefile *zf, const struct dr_zoneset *set, bool replace);

struct dr_zoneload_item {
	struct dr_zonefile *zf; /* borrowed; checked, without errors */
	bool created;           /* out: the import created the zone */
	long long old_serial;   /* out: the zone's serial before, -1 when none */
	size_t written;         /* out: records written */
};

/* One transaction: create the zones that are new (NATIVE, with SOA-EDIT-API
 * DEFAULT as `zone create` sets), lock each (the writer's advisory lock),
 * delete what the file replaces (every record with replace, else the
 * rrsets the file holds), COPY the file's records in, rectify, check that
 * no CNAME ended up beside other data, commit. On a problem with one
 * zone's data (found only in the database: a CNAME beside records the file
 * did not replace, a zone turned secondary) the error goes to that zone's
 * errors and DR_EINVAL is returned; nothing of the batch is written. */
int dr_zoneload_write(PGconn *conn, struct dr_zoneload_item *items, size_t n, bool replace,
		      struct dr_error *err) DR_MUSTCHECK;

#endif
