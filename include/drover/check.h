/* include/drover/check.h - the drift checker behind `drover check` and the
 * daemon's periodic check, on a libev loop. It compares three views: the
 * zones and SOA serials of the primary database (handed in by the caller),
 * each worker's API zone list (the serials of the database that worker
 * reads) and each worker's DNS answers (an SOA query per zone, UDP with TCP
 * on truncation, thousands in flight; for signed zones a DNSKEY and a
 * denial, verified). Per server it reports missing, extra, behind, stale,
 * dnssec and unreachable; across servers, differences in the
 * settings that decide what a worker serves (config drift). With repair,
 * stale zones are purged from that worker's caches and asked again.
 * Owns its own HTTP, DNS and control-channel clients on the caller's loop;
 * freeing the check cancels everything in flight. Secrets are copied in,
 * wiped on free, and never reach the report. */
#ifndef DROVER_CHECK_H
#define DROVER_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <ev.h>
#include <jansson.h>

struct dr_check;

/* The check finished (every server answered or gave up, repair done).
 * Called once, from the loop; the callback must not free the check (mark
 * it and free it afterwards). */
typedef void (*dr_check_done_cb)(void *ud, struct dr_check *chk);

struct dr_check_opts {
	bool repair;           /* purge stale zones and ask again */
	long dns_timeout_ms;   /* per SOA query (default 1000) */
	long http_timeout_ms;  /* per API request (default 30000) */
	size_t dns_inflight;   /* SOA queries in flight per server (default 100) */
};

/* opts may be NULL (defaults). Nothing happens until dr_check_start. */
struct dr_check *dr_check_new(struct ev_loop *loop, const struct dr_check_opts *opts);
void dr_check_free(struct dr_check *chk); /* cancels all, no callback; NULL-safe */

/* Only these zones (storage form) are checked; extra zones outside the
 * list are not reported. Call before adding zones; none: every zone. */
void dr_check_only_zone(struct dr_check *chk, const char *zone);

/* One zone of the primary database (storage form, no trailing dot);
 * has_serial false when it has no SOA record. */
void dr_check_add_zone(struct dr_check *chk, const char *zone, bool has_serial, uint32_t serial);

/* The zones of the database and their SOA serials, in one statement
 * without parameters: rows of (zone, serial text or NULL). */
extern const char DR_CHECK_ZONES_SQL[];

/* dr_check_add_zone from one row of DR_CHECK_ZONES_SQL (serial may be
 * NULL or not a serial: the zone has none). */
void dr_check_add_zone_row(struct dr_check *chk, const char *zone, const char *serial);

/* One record of a sampled rrset (storage-form zone and owner, type "MX",
 * rdata in presentation form as dr_rr_present gives it); consecutive
 * calls with the same zone, owner and type make one rrset. rdata NULL: a
 * record that does not parse, so the rrset is not compared. Each sampled
 * rrset is asked of every server over DNS; an answer that differs makes
 * its zone stale. */
void dr_check_add_sample(struct dr_check *chk, const char *zone, const char *owner,
			 const char *type, const char *rdata);

/* A signed zone (storage form): each server is asked for its DNSKEY rrset
 * and for a name below the apex that does not exist, with the DO bit; an
 * rrset whose signature does not verify with the zone's own keys, or a
 * denial that is not NXDOMAIN with signed NSEC or NSEC3 records covering
 * the name and the wildcard (drover/dnssecverify.h), is a dnssec finding
 * for that server. */
void dr_check_add_signed(struct dr_check *chk, const char *zone);

/* A signed zone whose rows in the database differ from what rectify
 * would store (drover/checksigned.h): rows of them, and whether repair
 * rectified it. Unrepaired, it is drift; the report lists it as a dnssec
 * finding of the database. */
void dr_check_add_unrectified(struct dr_check *chk, const char *zone, long long rows,
			      bool repaired);

/* One worker (strings copied; control and the secrets may be NULL). */
void dr_check_add_server(struct dr_check *chk, const char *name, const char *api_url,
			 const char *dns_address, const char *control_address,
			 const char *api_key, const char *control_secret);

/* Start every query. The callback comes later, from the loop, also when
 * there is nothing to ask. */
void dr_check_start(struct dr_check *chk, dr_check_done_cb cb, void *ud);

/* After the callback: true if any server drifts (missing, extra, behind,
 * stale, unreachable) or the servers' settings differ. */
bool dr_check_drift(const struct dr_check *chk);

/* The report as JSON (the caller's reference; see README "drover check"). */
json_t *dr_check_json(const struct dr_check *chk);

/* The report for people: a table of counts per server, then one line per
 * finding (at most max_lines per server and kind, 0: all). */
void dr_check_print(const struct dr_check *chk, FILE *out, size_t max_lines);

/* One line for logs: "clean: 3 servers, 120 zones" or "drift: w2 1
 * missing, ...". Caller frees. */
char *dr_check_summary(const struct dr_check *chk);

#endif
