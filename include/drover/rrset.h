/* include/drover/rrset.h - write one rrset of a zone in the PowerDNS tables:
 * replace it, add records to it, or delete it, each in one transaction that
 * validates every record first, applies the zone rules (CNAME alone and not
 * at the apex, SOA only at the apex, names inside the zone and not inside a
 * child zone, one TTL per rrset), rectifies the zone, and commits all or
 * nothing. Blocking libpq (CLI). */
#ifndef DROVER_RRSET_H
#define DROVER_RRSET_H

#include <stddef.h>
#include <libpq-fe.h>

#include "drover/err.h"

enum dr_rrset_op { DR_RRSET_REPLACE, DR_RRSET_ADD };

struct dr_rrset_result {
	char owner[300]; /* presentation form */
	char type[16];
	long long ttl;
	size_t nrecords; /* records in the rrset afterwards */
	size_t nadded;   /* records new to it */
};

int dr_rrset_write(PGconn *conn, enum dr_rrset_op op, const char *zone, const char *name,
		   const char *type, const char *ttl, const char *const *contents, size_t n,
		   struct dr_rrset_result *res, struct dr_error *err) DR_MUSTCHECK;

/* The same write inside a transaction the caller opened and will commit:
 * no BEGIN, no rectify, no COMMIT (a caller writing several rrsets of a
 * zone rectifies it once). */
int dr_rrset_write_tx(PGconn *conn, enum dr_rrset_op op, const char *zone, const char *name,
		      const char *type, const char *ttl, const char *const *contents, size_t n,
		      struct dr_rrset_result *res, struct dr_error *err) DR_MUSTCHECK;

struct dr_rr;

/* Inside an open transaction: insert records (already parsed) of one owner
 * into zone id with one TTL, as PowerDNS stores them (auth true, ordername
 * NULL: the caller rectifies afterwards). */
int dr_rrset_insert(PGconn *conn, long long zone_id, const char *owner, long long ttl,
		    const struct dr_rr *rrs, size_t n, struct dr_error *err) DR_MUSTCHECK;

int dr_rrset_delete(PGconn *conn, const char *zone, const char *name, const char *type,
		    struct dr_rrset_result *res, struct dr_error *err) DR_MUSTCHECK;

#endif
