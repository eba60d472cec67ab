/* include/drover/zonesign.h - signing a zone with PowerDNS's own keys:
 * `zone secure` makes a key (and sets NSEC3) through one worker's HTTP API,
 * `zone unsecure` removes them the same way, then drover rectifies the zone
 * (drover/rectify.h) so every worker serves it signed or unsigned; `zone
 * keys` and `zone ds` read the keys back through the API; --wait proves
 * over DNS that every worker serves the zone's DNSKEY set, signed, and a
 * denial that verifies. The API worker
 * is the first enabled server (by name) with an API key that answers.
 * Blocking libpq, libcurl and, for the proof, a libev loop (CLI). */
#ifndef DROVER_ZONESIGN_H
#define DROVER_ZONESIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>

#include "drover/err.h"

struct dr_zonesign_opts {
	const char *algorithm;  /* a pdns algorithm name or number; NULL: ecdsa256 */
	const char *nsec3param; /* "ALG FLAGS ITERATIONS SALT"; NULL: NSEC */
	bool narrow;            /* NSEC3 narrow mode (hashes made when asked) */
};

struct dr_zonekey {
	long long id;         /* cryptokeys.id */
	char keytype[4];      /* "ksk", "zsk" or "csk" */
	char algorithm[24];   /* as pdns names it: "ECDSAP256SHA256" */
	int bits;
	bool active, published;
	unsigned keytag;      /* RFC 4034 appendix B, by libdnssec */
	char *dnskey;         /* DNSKEY rdata, presentation form */
	char *ds[2];          /* SHA-256 and SHA-384 DS rdata (KSK and CSK only) */
	size_t nds;
};

/* Check an algorithm as `--algorithm` takes it: a name pdns knows
 * (rsasha256, rsasha512, ecdsa256, ecdsa384, ed25519, ed448) or its
 * number. */
int dr_zonesign_check_algorithm(const char *algorithm, struct dr_error *err) DR_MUSTCHECK;

/* Check "ALG FLAGS ITERATIONS SALT": ALG 1 (SHA-1), FLAGS 0 or 1
 * (opt-out), ITERATIONS 0..100 (pdns's max-nsec3-iterations), SALT "-" or
 * up to 255 bytes of hex. */
int dr_zonesign_check_nsec3param(const char *param, struct dr_error *err) DR_MUSTCHECK;

/* Sign zone: one active CSK of opts->algorithm, NSEC3PARAM when asked,
 * then rectify. DR_ENOTFOUND (no such zone), DR_EEXIST (already signed or
 * presigned), DR_ECONNECT/DR_EREFUSED (no worker's API made the key). On
 * success *changed is how many rows drover's rectify changed. */
int dr_zonesign_secure(PGconn *conn, const char *zone, const struct dr_zonesign_opts *opts,
		       long long *changed, struct dr_error *err) DR_MUSTCHECK;

/* Remove every key of zone, its NSEC3 and PRESIGNED settings (as `pdnsutil
 * disable-dnssec` does), then rectify. DR_ENOTFOUND when the zone does not
 * exist or has no keys. */
int dr_zonesign_unsecure(PGconn *conn, const char *zone, long long *changed,
			 struct dr_error *err) DR_MUSTCHECK;

/* The zone's keys as the API worker reports them (never a private key),
 * ordered by id. Free with dr_zonekeys_free. */
int dr_zonesign_keys(PGconn *conn, const char *zone, struct dr_zonekey **out, size_t *n,
		     struct dr_error *err) DR_MUSTCHECK;
void dr_zonekeys_free(struct dr_zonekey *keys, size_t n);

/* The proof for --wait: ask every enabled server for zone's DNSKEY rrset
 * (with the DO bit) until each serves exactly the published keys of keys
 * (none after unsecure), signed by them, and a denial of a name below the
 * apex that verifies (drover/dnssecverify.h), or until timeout_s. One
 * result per enabled server, by name, in *out (the caller's to free). */
struct dr_zonesign_proof {
	char server[64];
	bool ok;
	char detail[200]; /* "serves 1 DNSKEY, signed; a denial verifies", or what is wrong */
};
int dr_zonesign_prove(PGconn *conn, const char *zone, const struct dr_zonekey *keys, size_t n,
		      double timeout_s, struct dr_zonesign_proof **out, size_t *nout,
		      struct dr_error *err) DR_MUSTCHECK;

#endif
