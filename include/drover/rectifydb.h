/* include/drover/rectifydb.h - rectify a zone in the database: read the
 * zone's DNSSEC mode (active keys, PRESIGNED, NSEC3PARAM, NSEC3NARROW) and the
 * enabled records of the region a write touched, compute what
 * `pdnsutil rectify-zone` would store (drover/rectify.h), and write only the
 * rows that differ: ordername and auth updated, empty non-terminals inserted
 * and deleted, each kind in one statement. Runs in the caller's transaction
 * (libpq, or SPI inside the drover_api extension); a PRESIGNED zone is left
 * as written. Every write path calls it before its commit. */
#ifndef DROVER_RECTIFYDB_H
#define DROVER_RECTIFYDB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "drover/err.h"

/* Rectify the regions of zone zone_id that hold the owners names[0..n)
 * (storage form): each owner's top label below the apex, with everything
 * under it, and the apex. n 0 (names NULL): the whole zone. *changed (if
 * not NULL) is the number of rows written. */
int dr_rectifydb_names(PGconn *conn, long long zone_id, const char *const *names, size_t n,
		       long long *changed, struct dr_error *err) DR_MUSTCHECK;

/* The whole zone. */
int dr_rectifydb_zone(PGconn *conn, long long zone_id, long long *changed,
		      struct dr_error *err) DR_MUSTCHECK;

/* How many rows of the whole zone differ from what rectify would store
 * (rows to update, empty non-terminals to delete or insert); writes
 * nothing. 0 for a PRESIGNED zone. */
int dr_rectifydb_zone_differs(PGconn *conn, long long zone_id, long long *differ,
			      struct dr_error *err) DR_MUSTCHECK;

#endif
