/* include/drover/dnssecverify.h - what the checker asks of a signed zone's
 * answers, from one reply in wire form: the DNSKEY rrset is signed by one
 * of its own keys, and a denial (NXDOMAIN for a name just below the apex)
 * carries NSEC or NSEC3 records, each signed by the zone's keys, that
 * cover the name and the wildcard that could have answered (and, for
 * NSEC3, match the apex as closest encloser). Signatures are checked by
 * Knot's libdnssec over the RFC 4034 canonical form built here with
 * libknot. No trust chain: the keys are the zone's own, as a checker of a
 * zone that it does not know the parent of can only take them. */
#ifndef DROVER_DNSSECVERIFY_H
#define DROVER_DNSSECVERIFY_H

#include <stddef.h>
#include <stdint.h>

struct dr_dnssec_keys;

/* The label of the name one below the apex that a denial is asked for:
 * no zone is expected to hold it. */
#define DR_DNSSEC_PROBE_LABEL "drover-denial-probe"

/* From a reply to "ZONE DNSKEY" with DO: the zone's keys, if the rrset is
 * there and one of its RRSIGs verifies with one of them, valid at now
 * (seconds since the epoch). 0 and *out (dr_dnssec_keys_free), or -1 with
 * the reason in why. */
int dr_dnssec_keys_from_reply(const uint8_t *wire, size_t len, const char *zone, uint32_t now,
			      struct dr_dnssec_keys **out, char *why, size_t whylen);
void dr_dnssec_keys_free(struct dr_dnssec_keys *keys);

/* A reply to "QNAME A" with DO, where qname (storage form) is a name one
 * label below the apex that does not exist: NXDOMAIN, and a denial signed
 * by keys that covers qname and *.zone. 0, or -1 with the reason. */
int dr_dnssec_check_denial(const uint8_t *wire, size_t len, const char *zone, const char *qname,
			   const struct dr_dnssec_keys *keys, uint32_t now, char *why,
			   size_t whylen);

#endif
