/* include/drover/rr.h - one resource record's data: parsed and checked by
 * Knot DNS's zone-file scanner (libzscanner), printed by libknot, and put
 * in the exact form PowerDNS 4.7's gpgsql backend stores: embedded names
 * without the trailing dot, MX and SRV priority split into `prio`, TXT
 * quoted, hex in lowercase. And back: stored form to presentation form.
 * No I/O, no database. Results are the caller's to free. */
#ifndef DROVER_RR_H
#define DROVER_RR_H

#include <stdbool.h>
#include <stdint.h>

#include "drover/err.h"

#define DR_TTL_MAX 2147483647LL

struct dr_rr {
	char *type;    /* upper case: "MX" */
	char *content; /* PowerDNS storage form */
	int prio;      /* MX and SRV priority, else 0 */
};

/* Check a type name ("mx" -> "MX") against the types drover writes:
 * A AAAA CAA CNAME DNAME DS HTTPS LOC MX NAPTR NS PTR SOA SPF SRV SSHFP SVCB
 * TLSA TXT. Caller frees *out. */
int dr_rr_type(const char *input, char **out, struct dr_error *err) DR_MUSTCHECK;

/* Parse one record's data for owner (storage form) in zone (storage form);
 * relative names in the data are relative to the zone. Errors name the
 * record and the reason: "record 'www.example.com.' A: bad data '1.2.3':
 * invalid IPv4 address". Release out with dr_rr_release. */
int dr_rr_parse(const char *zone, const char *owner, const char *type, const char *content,
		struct dr_rr *out, struct dr_error *err) DR_MUSTCHECK;
void dr_rr_release(struct dr_rr *rr);

/* One record's wire data, as libzscanner leaves it after scanning a zone
 * file (rtype, rdata of len bytes), to storage form by the same printing
 * as dr_rr_parse: the bulk path of zone-file import, which scans a whole
 * file once instead of one record at a time. 0, or -1 when the type is not
 * one drover writes or the data cannot be stored. Release out with
 * dr_rr_release. */
int dr_rr_from_wire(uint16_t rtype, const uint8_t *rdata, uint32_t len, struct dr_rr *out)
	DR_MUSTCHECK;

/* The name of rtype ("MX", a constant) if drover writes it, else NULL. */
const char *dr_rr_type_supported(uint16_t rtype);

/* Stored form back to presentation form ("10 mail.example.com."): prio
 * glued back for MX and SRV, names absolute. NULL if the stored data does
 * not parse (a row written by someone else); caller frees. */
char *dr_rr_present(const char *type, int prio, const char *content);

#endif
