/* include/drover/zonexport.h - a zone in the PowerDNS tables printed as a
 * zone file that `drover zone import` reads back to the same rows: $ORIGIN,
 * then one record a line, owner relative to the origin ('@' for the apex),
 * TTL explicit, names as stored (IDN as A-labels). Disabled records and the
 * empty non-terminal rows of rectify are left out. Blocking libpq (CLI). */
#ifndef DROVER_ZONEXPORT_H
#define DROVER_ZONEXPORT_H

#include <stdio.h>
#include <libpq-fe.h>

#include "drover/err.h"

/* Write zone (any form dr_name_zone takes) to out. DR_ENOTFOUND when the
 * zone does not exist. */
int dr_zone_export(PGconn *conn, const char *zone, FILE *out, struct dr_error *err)
	DR_MUSTCHECK;

#endif
