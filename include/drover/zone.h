/* include/drover/zone.h - zones in the PowerDNS tables: create one (domains
 * row, SOA, NS rrset, SOA-EDIT-API metadata) or delete one, each in one
 * transaction; list zones; read a zone's rrsets in presentation form.
 * Blocking libpq (CLI). Names in and out are validated by drover/name.h. */
#ifndef DROVER_ZONE_H
#define DROVER_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>

#include "drover/err.h"
#include "drover/template.h"

/* First key of the writer's per-zone advisory locks
 * (pg_advisory_xact_lock(DR_ZONE_LOCK_CLASS, domains.id)). */
#define DR_ZONE_LOCK_CLASS "1685217281"

enum dr_zone_kind { DR_ZONE_NATIVE, DR_ZONE_PRIMARY, DR_ZONE_SECONDARY };

struct dr_zone_spec {
	const char *name;             /* as the user typed it */
	enum dr_zone_kind kind;
	const char *const *ns;        /* nameserver host names (absolute) */
	size_t nns;
	const char *const *primaries; /* secondary zones: IP or IP:PORT */
	size_t nprimaries;
	const char *soa_mname;        /* default: the first NS */
	const char *soa_rname;        /* "hostmaster@example.com" or "hostmaster.example.com" */
	long long ttl;                /* SOA and NS TTL; < 0: 3600 */
	const char *account;          /* NULL: none */
	/* optional: a template (drover/template.h) written into the new zone
	 * with these variables; its apex NS rrset, if any, replaces --ns and
	 * stands in for it when ns is empty */
	const struct dr_template *tmpl;
	const struct dr_template_var *vars;
	size_t nvars;
};

/* Parse "native", "primary" (or "master"), "secondary" (or "slave"). */
int dr_zone_kind_parse(const char *s, enum dr_zone_kind *kind, struct dr_error *err)
	DR_MUSTCHECK;
/* The exact word PowerDNS matches in domains.type: NATIVE, MASTER, SLAVE. */
const char *dr_zone_kind_db(enum dr_zone_kind kind);
/* "native", "primary", "secondary" from a domains.type value. */
const char *dr_zone_kind_show(const char *db_type);

/* Create the zone; *stored gets its storage-form name (caller frees). */
int dr_zone_create(PGconn *conn, const struct dr_zone_spec *spec, char **stored,
		   struct dr_error *err) DR_MUSTCHECK;

/* Delete the zone and everything in it (ON DELETE CASCADE). */
int dr_zone_delete(PGconn *conn, const char *name, struct dr_error *err) DR_MUSTCHECK;

/* Rectify the whole zone as `pdnsutil rectify-zone` would (drover/rectify.h),
 * in a transaction of its own: for rows written by raw SQL. *changed (if
 * not NULL) is the number of rows written. */
int dr_zone_rectify(PGconn *conn, const char *name, long long *changed, struct dr_error *err)
	DR_MUSTCHECK;

/* Inside an open transaction: find the zone by storage name, take the
 * writer's per-zone advisory lock, return its id and domains.type.
 * DR_ENOTFOUND naming the zone when absent. */
int dr_zone_lock(PGconn *conn, const char *zone, long long *id, char *type, size_t typelen,
		 struct dr_error *err) DR_MUSTCHECK;


struct dr_zone_info {
	char *name;    /* presentation form, with the dot */
	char *kind;    /* "native", "primary", "secondary" */
	char *account; /* NULL when none */
	long long serial; /* -1 when there is no SOA */
	long long nrecords;
};

/* Zones ordered by name; account NULL for all, glob NULL for all ("*" and
 * "?" as in the shell, matched against the name without the dot). */
int dr_zone_list(PGconn *conn, const char *account, const char *glob, struct dr_zone_info **out,
		 size_t *n, struct dr_error *err) DR_MUSTCHECK;
/* The LIKE pattern dr_zone_list uses for a zone glob (lower case, no
 * trailing dot, LIKE's specials escaped); NULL for NULL. Caller frees. */
char *dr_zone_glob_like(const char *glob);

void dr_zone_list_free(struct dr_zone_info *list, size_t n);

struct dr_rrset {
	char *name; /* presentation form, with the dot */
	char *type;
	long long ttl;
	char **records; /* presentation form */
	size_t nrecords;
};

/* A zone's enabled rrsets as PowerDNS serves them (SOA first, then by name
 * and type); one zone info too if info is not NULL. */
int dr_zone_rrsets(PGconn *conn, const char *zone, struct dr_zone_info *info,
		   struct dr_rrset **out, size_t *n, struct dr_error *err) DR_MUSTCHECK;
void dr_rrsets_free(struct dr_rrset *list, size_t n);

#endif
