/* src/dnssecverify.c - a signed zone's DNSKEY answer and denial proof,
 * checked from the reply's wire form. See include/drover/dnssecverify.h.
 *
 * Signed data (RFC 4034 3.1.8.1): the RRSIG rdata up to and with the signer
 * name, then each record of the rrset in canonical order (rdata as
 * unsigned octet strings, a shorter one first when equal so far): owner in
 * lower case (a wildcard's "*." form when the RRSIG's label count is
 * smaller), type, class, the RRSIG's original TTL, rdata length, rdata.
 * DNSKEY, NSEC and NSEC3 rdata need no further canonical change (RFC 6840
 * 5.1 keeps NSEC's next name as it is). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libdnssec/binary.h>
#include <libdnssec/crypto.h>
#include <libdnssec/error.h>
#include <libdnssec/key.h>
#include <libdnssec/sign.h>
#include <libknot/libknot.h>

#include "drover/dnssecverify.h"
#include "drover/rectify.h"
#include "drover/util.h"
#include "banned.h"

#define MAX_RRS 64 /* records of one rrset, or NSEC(3)s of one denial, looked at */

struct dr_dnssec_keys {
	dnssec_key_t *k[MAX_RRS];
	size_t n;
};

static int whyf(char *why, size_t whylen, const char *fmt, ...) DR_PRINTF(3, 4);
static int whyf(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

static void crypto_once(void)
{
	static bool done;

	if (!done) {
		dnssec_crypto_init();
		done = true;
	}
}

/* A zone name in storage form as a lower-case wire name. */
static bool to_wire(const char *name, uint8_t *out)
{
	char fqdn[KNOT_DNAME_TXT_MAXLEN + 2];

	if ((size_t)snprintf(fqdn, sizeof(fqdn), "%s%s", name, strcmp(name, ".") ? "." : "") >=
		    sizeof(fqdn) ||
	    !knot_dname_from_str(out, fqdn, KNOT_DNAME_MAXLEN))
		return false;
	knot_dname_to_lower(out);
	return true;
}

static knot_pkt_t *parse(const uint8_t *wire, size_t len, uint8_t **copy, char *why,
			 size_t whylen)
{
	knot_pkt_t *pkt;
	int rc;

	if (len > UINT16_MAX) {
		whyf(why, whylen, "reply larger than 65535 bytes");
		return NULL;
	}
	*copy = dr_xmalloc(len + 1);
	memcpy(*copy, wire, len);
	pkt = knot_pkt_new(*copy, (uint16_t)len, NULL);
	if (!pkt)
		dr_oom();
	rc = knot_pkt_parse(pkt, 0);
	if (rc != KNOT_EOK && rc != KNOT_ETRAIL) {
		whyf(why, whylen, "reply does not parse: %s", knot_strerror(rc));
		knot_pkt_free(pkt);
		free(*copy);
		return NULL;
	}
	return pkt;
}

/* The rdata of the records in sec with that owner and type (for RRSIG:
 * those covering covered). */
static size_t collect(const knot_pktsection_t *sec, const knot_dname_t *owner, uint16_t type,
		      uint16_t covered, const knot_rdata_t **out)
{
	size_t n = 0;

	for (uint16_t i = 0; i < sec->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(sec, i);
		const knot_rdata_t *rd = rr->rrs.rdata;

		if (rr->type != type || !knot_dname_is_case_equal(rr->owner, owner))
			continue;
		for (uint16_t k = 0; k < rr->rrs.count && n < MAX_RRS; k++, rd = knot_rdataset_next((knot_rdata_t *)rd)) {
			if (type == KNOT_RRTYPE_RRSIG && knot_rrsig_type_covered(rd) != covered)
				continue;
			out[n++] = rd;
		}
	}
	return n;
}

static int canonical_cmp(const void *a, const void *b)
{
	const knot_rdata_t *x = *(const knot_rdata_t *const *)a, *y = *(const knot_rdata_t *const *)b;
	size_t m = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->data, y->data, m);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static void put16(struct dr_sbuf *b, uint16_t v)
{
	char o[2] = { (char)(v >> 8), (char)v };

	dr_sbuf_add(b, o, 2);
}

static void put32(struct dr_sbuf *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b, (uint16_t)v);
}

/* The signed data of the rrset rds[0..n) of owner and type under sig. */
static void signed_data(const knot_dname_t *owner, uint16_t type, const knot_rdata_t **rds,
			size_t n, const knot_rdata_t *sig, struct dr_sbuf *b)
{
	uint8_t own[KNOT_DNAME_MAXLEN + 2], signer[KNOT_DNAME_MAXLEN];
	const knot_dname_t *name = owner;
	size_t labels = knot_dname_labels(owner, NULL), want = knot_rrsig_labels(sig);
	const knot_rdata_t *sorted[MAX_RRS];

	/* the RRSIG rdata up to the signer, the signer in lower case */
	dr_sbuf_add(b, (const char *)sig->data, 18);
	knot_dname_to_wire(signer, knot_rrsig_signer_name(sig), sizeof(signer));
	knot_dname_to_lower(signer);
	dr_sbuf_add(b, (const char *)signer, knot_dname_size(signer));
	/* the owner, or its wildcard */
	for (; labels > want; labels--)
		name = knot_wire_next_label(name, NULL);
	if (name != owner) {
		own[0] = 1;
		own[1] = '*';
		knot_dname_to_wire(own + 2, name, sizeof(own) - 2);
	} else {
		knot_dname_to_wire(own, name, sizeof(own));
	}
	knot_dname_to_lower(own);
	memcpy(sorted, rds, n * sizeof(*rds));
	qsort(sorted, n, sizeof(*sorted), canonical_cmp);
	for (size_t i = 0; i < n; i++) {
		dr_sbuf_add(b, (const char *)own, knot_dname_size(own));
		put16(b, type);
		put16(b, KNOT_CLASS_IN);
		put32(b, knot_rrsig_original_ttl(sig));
		put16(b, sorted[i]->len);
		dr_sbuf_add(b, (const char *)sorted[i]->data, sorted[i]->len);
	}
}

/* One of sigs verifies the rrset with one of keys, valid at now. */
static int verify_rrset(const knot_dname_t *owner, uint16_t type, const knot_rdata_t **rds,
			size_t n, const knot_rdata_t **sigs, size_t nsigs,
			const struct dr_dnssec_keys *keys, const uint8_t *zone, uint32_t now,
			char *why, size_t whylen)
{
	char name[KNOT_DNAME_TXT_MAXLEN + 1] = "?";
	const char *reason = "no RRSIG";

	knot_dname_to_str(name, owner, sizeof(name));
	for (size_t s = 0; s < nsigs; s++) {
		const knot_rdata_t *sig = sigs[s];
		dnssec_binary_t signature = { .data = (uint8_t *)knot_rrsig_signature(sig),
					      .size = knot_rrsig_signature_len(sig) };
		struct dr_sbuf data;

		if (!knot_dname_is_case_equal(knot_rrsig_signer_name(sig), zone)) {
			reason = "an RRSIG by another signer";
			continue;
		}
		if (now < knot_rrsig_sig_inception(sig) || now > knot_rrsig_sig_expiration(sig)) {
			reason = "an RRSIG outside its validity period";
			continue;
		}
		reason = "no key of the zone with the RRSIG's key tag and algorithm";
		dr_sbuf_init(&data);
		signed_data(owner, type, rds, n, sig, &data);
		for (size_t k = 0; k < keys->n; k++) {
			dnssec_binary_t bin = { .data = (uint8_t *)dr_sbuf_str(&data), .size = data.len };
			dnssec_sign_ctx_t *ctx = NULL;
			int rc;

			if (dnssec_key_get_keytag(keys->k[k]) != knot_rrsig_key_tag(sig) ||
			    dnssec_key_get_algorithm(keys->k[k]) != knot_rrsig_alg(sig))
				continue;
			if (dnssec_sign_new(&ctx, keys->k[k]) != DNSSEC_EOK)
				continue;
			rc = dnssec_sign_add(ctx, &bin);
			if (rc == DNSSEC_EOK)
				rc = dnssec_sign_verify(ctx, false, &signature);
			dnssec_sign_free(ctx);
			if (rc == DNSSEC_EOK) {
				dr_sbuf_release(&data);
				return 0;
			}
			reason = "a signature that does not verify";
		}
		dr_sbuf_release(&data);
	}
	return whyf(why, whylen, "%s %s: %s", name,
		    type == KNOT_RRTYPE_DNSKEY ? "DNSKEY" :
		    type == KNOT_RRTYPE_NSEC   ? "NSEC" : "NSEC3",
		    reason);
}

void dr_dnssec_keys_free(struct dr_dnssec_keys *keys)
{
	if (!keys)
		return;
	for (size_t i = 0; i < keys->n; i++)
		dnssec_key_free(keys->k[i]);
	free(keys);
}

int dr_dnssec_keys_from_reply(const uint8_t *wire, size_t len, const char *zone, uint32_t now,
			      struct dr_dnssec_keys **out, char *why, size_t whylen)
{
	uint8_t apex[KNOT_DNAME_MAXLEN], *copy = NULL;
	const knot_rdata_t *rds[MAX_RRS], *sigs[MAX_RRS];
	struct dr_dnssec_keys *keys;
	const knot_pktsection_t *ans;
	size_t n, nsigs;
	knot_pkt_t *pkt;
	int rc;

	*out = NULL;
	crypto_once();
	if (!to_wire(zone, apex))
		return whyf(why, whylen, "bad zone name");
	pkt = parse(wire, len, &copy, why, whylen);
	if (!pkt)
		return -1;
	ans = knot_pkt_section(pkt, KNOT_ANSWER);
	n = collect(ans, apex, KNOT_RRTYPE_DNSKEY, 0, rds);
	nsigs = collect(ans, apex, KNOT_RRTYPE_RRSIG, KNOT_RRTYPE_DNSKEY, sigs);
	keys = dr_xcalloc(1, sizeof(*keys));
	for (size_t i = 0; i < n; i++) {
		dnssec_binary_t rdata = { .data = (uint8_t *)rds[i]->data, .size = rds[i]->len };

		if (dnssec_key_new(&keys->k[keys->n]) != DNSSEC_EOK)
			dr_oom();
		if (dnssec_key_set_rdata(keys->k[keys->n], &rdata) == DNSSEC_EOK)
			keys->n++;
		else
			dnssec_key_free(keys->k[keys->n]);
	}
	if (n == 0)
		rc = whyf(why, whylen, "no DNSKEY at the apex (rcode %s)",
			  knot_wire_get_rcode(pkt->wire) ? "not NOERROR" : "NOERROR");
	else if (keys->n == 0)
		rc = whyf(why, whylen, "no DNSKEY that libdnssec can read");
	else
		rc = verify_rrset(apex, KNOT_RRTYPE_DNSKEY, rds, n, sigs, nsigs, keys, apex, now, why,
				  whylen);
	knot_pkt_free(pkt);
	free(copy);
	if (rc) {
		dr_dnssec_keys_free(keys);
		return -1;
	}
	*out = keys;
	return 0;
}

/* NSEC: owner < name < next in canonical order, or the last NSEC (next is
 * the apex, at or before its owner) and owner < name. */
static bool nsec_covers(const knot_dname_t *owner, const knot_dname_t *next,
			const knot_dname_t *name)
{
	uint8_t o[KNOT_DNAME_MAXLEN], x[KNOT_DNAME_MAXLEN];

	knot_dname_to_wire(o, owner, sizeof(o));
	knot_dname_to_wire(x, next, sizeof(x));
	knot_dname_to_lower(o);
	knot_dname_to_lower(x);
	if (knot_dname_cmp(o, name) >= 0)
		return false;
	return knot_dname_cmp(x, o) <= 0 || knot_dname_cmp(name, x) < 0;
}

/* NSEC3 hashes as base32hex text, which sorts as the hashes do. */
static bool hash_covers(const char *owner, const char *next, const char *h)
{
	if (strcmp(next, owner) <= 0) /* the last one wraps around */
		return strcmp(h, owner) > 0 || strcmp(h, next) < 0;
	return strcmp(owner, h) < 0 && strcmp(h, next) < 0;
}

struct nsec3_proof {
	bool apex_matched, name_covered, wild_covered;
};

static int nsec3_check(const knot_rrset_t *rr, const char *zone, const char *qname,
		       struct nsec3_proof *p, char *why, size_t whylen)
{
	const knot_rdata_t *rd = rr->rrs.rdata;
	char owner[64], next[64], *h_apex = NULL, *h_name = NULL, *h_wild = NULL, *wild;
	struct dr_error err;
	size_t l = rr->owner[0];

	if (l == 0 || l >= sizeof(owner) || knot_nsec3_next_len(rd) > 32)
		return whyf(why, whylen, "an NSEC3 with a malformed owner or next hash");
	memcpy(owner, rr->owner + 1, l);
	owner[l] = '\0';
	for (size_t i = 0; i < l; i++)
		if (owner[i] >= 'A' && owner[i] <= 'Z')
			owner[i] = (char)(owner[i] - 'A' + 'a');
	dr_base32hex(knot_nsec3_next(rd), knot_nsec3_next_len(rd), next);
	wild = dr_xasprintf("*.%s", zone);
	if (dr_nsec3_hash(zone, knot_nsec3_iters(rd), knot_nsec3_salt(rd), knot_nsec3_salt_len(rd),
			  &h_apex, &err) ||
	    dr_nsec3_hash(qname, knot_nsec3_iters(rd), knot_nsec3_salt(rd),
			  knot_nsec3_salt_len(rd), &h_name, &err) ||
	    dr_nsec3_hash(wild, knot_nsec3_iters(rd), knot_nsec3_salt(rd), knot_nsec3_salt_len(rd),
			  &h_wild, &err)) {
		free(h_apex);
		free(h_name);
		free(wild);
		return whyf(why, whylen, "%s", err.msg);
	}
	p->apex_matched |= !strcmp(owner, h_apex);
	p->name_covered |= hash_covers(owner, next, h_name);
	p->wild_covered |= hash_covers(owner, next, h_wild);
	free(h_apex);
	free(h_name);
	free(h_wild);
	free(wild);
	return 0;
}

int dr_dnssec_check_denial(const uint8_t *wire, size_t len, const char *zone, const char *qname,
			   const struct dr_dnssec_keys *keys, uint32_t now, char *why,
			   size_t whylen)
{
	uint8_t apex[KNOT_DNAME_MAXLEN], q[KNOT_DNAME_MAXLEN], w[KNOT_DNAME_MAXLEN], *copy = NULL;
	const knot_pktsection_t *auth;
	struct nsec3_proof p3 = { false, false, false };
	bool q_covered = false, w_covered = false;
	size_t nsec = 0, nsec3 = 0;
	char *wild;
	knot_pkt_t *pkt;
	int rc = 0;

	crypto_once();
	wild = dr_xasprintf("*.%s", zone);
	if (!to_wire(zone, apex) || !to_wire(qname, q) || !to_wire(wild, w)) {
		free(wild);
		return whyf(why, whylen, "bad name");
	}
	free(wild);
	pkt = parse(wire, len, &copy, why, whylen);
	if (!pkt)
		return -1;
	if (knot_wire_get_rcode(pkt->wire) != KNOT_RCODE_NXDOMAIN) {
		rc = whyf(why, whylen, "a name that does not exist is answered %s, not NXDOMAIN",
			  knot_wire_get_rcode(pkt->wire) == KNOT_RCODE_SERVFAIL ? "SERVFAIL" :
			  knot_wire_get_rcode(pkt->wire) == KNOT_RCODE_NOERROR  ? "NOERROR" :
										   "another rcode");
		goto out;
	}
	auth = knot_pkt_section(pkt, KNOT_AUTHORITY);
	for (uint16_t i = 0; i < auth->count && !rc; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(auth, i);
		const knot_rdata_t *rds[MAX_RRS], *sigs[MAX_RRS];
		size_t n, nsigs;

		if (rr->type != KNOT_RRTYPE_NSEC && rr->type != KNOT_RRTYPE_NSEC3)
			continue;
		n = collect(auth, rr->owner, rr->type, 0, rds);
		nsigs = collect(auth, rr->owner, KNOT_RRTYPE_RRSIG, rr->type, sigs);
		rc = verify_rrset(rr->owner, rr->type, rds, n, sigs, nsigs, keys, apex, now, why,
				  whylen);
		if (rc)
			break;
		if (rr->type == KNOT_RRTYPE_NSEC) {
			nsec++;
			q_covered |= nsec_covers(rr->owner, knot_nsec_next(rr->rrs.rdata), q);
			w_covered |= nsec_covers(rr->owner, knot_nsec_next(rr->rrs.rdata), w);
		} else {
			nsec3++;
			rc = nsec3_check(rr, zone, qname, &p3, why, whylen);
		}
	}
	if (rc)
		goto out;
	if (nsec == 0 && nsec3 == 0)
		rc = whyf(why, whylen, "NXDOMAIN without NSEC or NSEC3 records");
	else if (nsec && !q_covered)
		rc = whyf(why, whylen, "no NSEC covers the name asked (%s)", qname);
	else if (nsec && !w_covered)
		rc = whyf(why, whylen, "no NSEC covers the wildcard *.%s", zone);
	else if (nsec3 && !p3.apex_matched)
		rc = whyf(why, whylen, "no NSEC3 matches the apex (the closest encloser)");
	else if (nsec3 && !p3.name_covered)
		rc = whyf(why, whylen, "no NSEC3 covers the hash of the name asked (%s)", qname);
	else if (nsec3 && !p3.wild_covered)
		rc = whyf(why, whylen, "no NSEC3 covers the hash of the wildcard *.%s", zone);
out:
	knot_pkt_free(pkt);
	free(copy);
	return rc;
}
