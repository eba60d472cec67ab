/* include/drover/checksigned.h - the database side of `drover check` for
 * signed zones: in every zone with an active key (PRESIGNED zones aside),
 * the rows whose ordername, auth or empty non-terminals differ from what
 * rectify (drover/rectify.h) would store, as a raw SQL writer or a tool
 * that does not rectify leaves them. With repair the zone is rectified in
 * one transaction and counted again. Blocking libpq (CLI). */
#ifndef DROVER_CHECKSIGNED_H
#define DROVER_CHECKSIGNED_H

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>

#include "drover/err.h"

struct dr_signed_finding {
	char *zone;         /* storage form */
	long long differ;   /* rows that differ from rectify's result */
	bool repaired;      /* rectified by repair, and then none differ */
};

/* Check the signed zones, or only those named in only[0..nonly) (storage
 * form); each signed zone is also handed to each(ud, zone) when each is
 * not NULL. *out (the caller's, dr_signed_findings_free) holds one finding
 * per zone with rows that differ; *nsigned is how many signed zones were
 * looked at. */
int dr_checksigned_run(PGconn *conn, const char *const *only, size_t nonly, bool repair,
		       void (*each)(void *ud, const char *zone), void *ud,
		       struct dr_signed_finding **out, size_t *n, size_t *nsigned,
		       struct dr_error *err) DR_MUSTCHECK;
void dr_signed_findings_free(struct dr_signed_finding *f, size_t n);

#endif
