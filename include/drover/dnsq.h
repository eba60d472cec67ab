/* include/drover/dnsq.h - SOA queries (and rrset queries, with the DO bit
 * when asked) to a worker over DNS on the daemon's
 * libev loop: UDP, and TCP when the answer is truncated; wire format built
 * and parsed with libknot. At most max_inflight queries at once, the rest
 * queued in order, so thousands can be asked without running out of file
 * descriptors. This is how drover proves what a worker serves. */
#ifndef DROVER_DNSQ_H
#define DROVER_DNSQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ev.h>

#include "drover/err.h"

struct dr_dnsq;

struct dr_soa_answer {
	int err;            /* 0: an answer came; DR_ECONNECT: none (timeout, refused);
			       DR_EINVAL: an answer that does not parse or does not match */
	int rcode;          /* DNS rcode (0 NOERROR, 3 NXDOMAIN, 5 REFUSED, ...) */
	bool aa;            /* authoritative answer flag */
	bool has_soa;       /* an SOA for the zone is in the answer section */
	uint32_t serial;    /* its serial when has_soa */
	const char *const *rdata; /* dr_dnsq_rrset: the answer's records of that name
				     and type, presentation form, sorted; borrowed */
	size_t nrdata;
	const uint8_t *wire; /* dr_dnsq_dnssec: the whole reply, borrowed */
	size_t wirelen;
	const char *errmsg; /* "" when err is 0 */
	double elapsed_s;
};

/* Called exactly once per query, from the loop, never from inside
 * dr_dnsq_soa. */
typedef void (*dr_dnsq_cb)(void *ud, const struct dr_soa_answer *ans);

struct dr_dnsq *dr_dnsq_new(struct ev_loop *loop, size_t max_inflight);
void dr_dnsq_free(struct dr_dnsq *q); /* cancels everything, no callbacks; NULL-safe */

/* Ask address ("127.0.0.1:5300", "[::1]:53"; numeric) for zone's SOA (zone
 * with or without the trailing dot), RD off. Returns 0, or DR_EINVAL for a
 * bad address or name or a timeout_ms <= 0 (cb is then never called). */
int dr_dnsq_soa(struct dr_dnsq *q, const char *address, const char *zone, long timeout_ms,
		dr_dnsq_cb cb, void *ud) DR_MUSTCHECK;

/* Ask address for name's rrset of type ("A", "MX", ...), RD off, the same
 * way; the answer carries its records in rdata (has_soa is false). */
int dr_dnsq_rrset(struct dr_dnsq *q, const char *address, const char *name, const char *type,
		  long timeout_ms, dr_dnsq_cb cb, void *ud) DR_MUSTCHECK;

/* The same with EDNS0 and the DO bit, so a signed zone's answer carries
 * its RRSIGs and denial proofs; the whole reply is in wire/wirelen. */
int dr_dnsq_dnssec(struct dr_dnsq *q, const char *address, const char *name, const char *type,
		   long timeout_ms, dr_dnsq_cb cb, void *ud) DR_MUSTCHECK;

void dr_dnsq_cancel(struct dr_dnsq *q, void *ud); /* every query with exactly this ud, queued too */
size_t dr_dnsq_pending(const struct dr_dnsq *q);  /* in flight plus queued */

#endif
