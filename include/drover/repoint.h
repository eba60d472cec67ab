/* include/drover/repoint.h - failover: move every A or AAAA record (and,
 * when asked, every SPF ip4:/ip6: mechanism in TXT and SPF records) from
 * one address to another, across all zones or those matching a glob, in
 * one transaction under the zones' advisory locks. Secondary zones are
 * left to their primaries. Blocking libpq; also linked into the SQL API
 * extension. */
#ifndef DROVER_REPOINT_H
#define DROVER_REPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>

#include "drover/err.h"

struct dr_repoint_spec {
	const char *old_ip, *new_ip; /* both IPv4 or both IPv6 */
	const char *zone_glob;       /* NULL: every zone */
	bool include_spf;
	bool dry_run;                /* find and check, change nothing */
};

struct dr_repoint_change {
	char *zone, *name;  /* presentation form */
	char *type;
	char *old_content, *new_content;
	bool removed; /* the rrset already held the new address: the old record goes */
};

struct dr_repoint_result {
	size_t zones, records;
	struct dr_repoint_change *changes; /* by zone, name, type */
	size_t nchanges;
};

int dr_repoint(PGconn *conn, const struct dr_repoint_spec *spec, struct dr_repoint_result *res,
	       struct dr_error *err) DR_MUSTCHECK;
void dr_repoint_result_release(struct dr_repoint_result *res);

#endif
