/* src/zonesign.c - `zone secure|unsecure|keys|ds` and their --wait proof:
 * PowerDNS makes and removes the keys through one worker's HTTP API (so
 * they are its own), drover rectifies after, and the daemon's purge of the
 * captured key change reaches every worker. See include/drover/zonesign.h.
 *
 * Order of secure: the key first (an active CSK), then NSEC3PARAM (pdns
 * rectifies the zone for it), then drover's rectify, which writes what the
 * key now requires (NSEC orderings). Between the key and the rectify a
 * worker may serve a denial that does not validate; the daemon's purge for
 * the rectify's commit drops any such answer from the caches. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <ev.h>
#include <jansson.h>
#include <libdnssec/binary.h>
#include <libdnssec/keytag.h>

#include "drover/db.h"
#include "drover/dnsq.h"
#include "drover/dnssecverify.h"
#include "drover/name.h"
#include "drover/pdnsapi.h"
#include "drover/server.h"
#include "drover/util.h"
#include "drover/zone.h"
#include "drover/zonesign.h"
#include "banned.h"

#define API_TIMEOUT_MS 10000L
#define DNS_TIMEOUT_MS 1000L
#define PROOF_PAUSE_S 0.2
#define NSEC3_ITERATIONS_MAX 100 /* pdns's max-nsec3-iterations default */
#define NSEC3_SALT_HEX_MAX 510

/* The algorithms pdns 4.7 can make keys for, by its shorthand. */
static const struct {
	const char *name;
	int number;
} ALGORITHMS[] = {
	{ "rsasha256", 8 }, { "rsasha512", 10 }, { "ecdsa256", 13 },
	{ "ecdsa384", 14 }, { "ed25519", 15 },   { "ed448", 16 },
};

int dr_zonesign_check_algorithm(const char *algorithm, struct dr_error *err)
{
	long long v;

	for (size_t i = 0; i < sizeof(ALGORITHMS) / sizeof(ALGORITHMS[0]); i++)
		if (!strcasecmp(algorithm, ALGORITHMS[i].name) ||
		    (dr_parse_ll(algorithm, 0, 255, &v) && v == ALGORITHMS[i].number))
			return 0;
	return dr_error_set(err, DR_EINVAL, "algorithm",
			    "unknown DNSSEC algorithm '%.40s': expected rsasha256, rsasha512, "
			    "ecdsa256, ecdsa384, ed25519, ed448 or their numbers 8, 10, 13-16",
			    algorithm);
}

int dr_zonesign_check_nsec3param(const char *param, struct dr_error *err)
{
	char alg[8], flags[8], iter[8], salt[NSEC3_SALT_HEX_MAX + 2], extra[2];
	long long v;
	size_t len;

	if (strlen(param) > 600 ||
	    sscanf(param, "%7s %7s %7s %511s %1s", alg, flags, iter, salt, extra) != 4)
		return dr_error_set(err, DR_EINVAL, "nsec3",
				    "--nsec3: expected 'ALGORITHM FLAGS ITERATIONS SALT', e.g. "
				    "'1 0 0 -', got '%.80s'",
				    param);
	if (strcmp(alg, "1"))
		return dr_error_set(err, DR_EINVAL, "nsec3",
				    "--nsec3: the hash algorithm must be 1 (SHA-1), got '%s'", alg);
	if (strcmp(flags, "0") && strcmp(flags, "1"))
		return dr_error_set(err, DR_EINVAL, "nsec3",
				    "--nsec3: flags must be 0, or 1 for opt-out, got '%s'", flags);
	if (!dr_parse_ll(iter, 0, NSEC3_ITERATIONS_MAX, &v))
		return dr_error_set(err, DR_EINVAL, "nsec3",
				    "--nsec3: iterations must be 0..%d (RFC 9276 advises 0), got '%s'",
				    NSEC3_ITERATIONS_MAX, iter);
	if (!strcmp(salt, "-"))
		return 0;
	len = strlen(salt);
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)salt[i]))
			len = 0;
	if (len == 0 || len % 2 || len > NSEC3_SALT_HEX_MAX)
		return dr_error_set(err, DR_EINVAL, "nsec3",
				    "--nsec3: the salt must be '-' or 1-255 bytes of hex, got '%.40s'",
				    salt);
	return 0;
}

/* --- the API worker ---------------------------------------------------- */

struct api {
	struct dr_server *servers;
	size_t n;
	size_t at; /* the server that answered last */
};

static int api_open(PGconn *conn, struct api *a, struct dr_error *err)
{
	int rc = dr_server_list(conn, &a->servers, &a->n, err);

	a->at = 0;
	if (rc)
		return rc;
	for (size_t i = 0; i < a->n; i++) {
		if (!a->servers[i].enabled || !a->servers[i].has_api_key)
			continue;
		rc = dr_server_load_secrets(conn, &a->servers[i], err);
		if (rc)
			return rc;
	}
	return 0;
}

static void api_close(struct api *a)
{
	dr_server_list_free(a->servers, a->n);
	a->servers = NULL;
	a->n = 0;
}

/* One request to the first enabled server with an API key that answers,
 * starting from the one that answered last. */
static int api_call(struct api *a, const char *method, const char *path, json_t *body,
		    json_t **out, struct dr_error *err)
{
	bool tried = false;
	long status;
	int rc = 0;

	for (size_t k = 0; k < a->n; k++) {
		size_t i = (a->at + k) % a->n;
		struct dr_server *s = &a->servers[i];

		if (!s->enabled || !s->has_api_key)
			continue;
		tried = true;
		rc = dr_pdnsapi_request(s->api_url, &s->api_key, method, path, body,
					API_TIMEOUT_MS, &status, out, err);
		if (rc != DR_ECONNECT) {
			a->at = i;
			return rc;
		}
	}
	if (!tried)
		return dr_error_set(err, DR_ECONNECT, "server",
				    "no enabled server with an API key: see drover server add");
	return rc;
}

/* "/api/v1/servers/localhost/zones/ZONE." + suffix, the zone's id spelled
 * as pdns spells it: letters, digits, '.' and '-' as they are, any other
 * byte as =XX. */
static char *zone_path(const char *zone, const char *suffix)
{
	struct dr_sbuf sb;

	dr_sbuf_init(&sb);
	dr_sbuf_addf(&sb, "/api/v1/servers/localhost/zones/");
	for (const char *p = zone; *p; p++) {
		if (isalnum((unsigned char)*p) || *p == '.' || *p == '-')
			dr_sbuf_add(&sb, p, 1);
		else
			dr_sbuf_addf(&sb, "=%02X", (unsigned char)*p);
	}
	dr_sbuf_addf(&sb, ".%s", suffix);
	return dr_sbuf_detach(&sb);
}

/* PUT {"dnssec": false}: pdns removes the zone's keys, NSEC3PARAM and
 * PRESIGNED (its unSecureZone). */
static int api_unsecure(struct api *a, const char *zone, struct dr_error *err)
{
	json_t *body = json_pack("{s:b}", "dnssec", 0);
	char *path = zone_path(zone, "");
	int rc = api_call(a, "PUT", path, body, NULL, err);

	free(path);
	json_decref(body);
	return rc;
}

/* --- the zone's state in the database ---------------------------------- */

struct zone_state {
	long long active_keys, keys;
	bool presigned;
};

static int zone_state(PGconn *conn, const char *zone, struct zone_state *st,
		      struct dr_error *err)
{
	const char *p[1] = { zone };
	PGresult *res;
	int rc;

	rc = dr_db_exec(conn,
			"SELECT (SELECT count(*) FROM cryptokeys k WHERE k.domain_id = d.id AND k.active),"
			" (SELECT count(*) FROM cryptokeys k WHERE k.domain_id = d.id),"
			" EXISTS (SELECT 1 FROM domainmetadata m WHERE m.domain_id = d.id"
			"  AND m.kind = 'PRESIGNED' AND m.content IN ('1', 'yes'))"
			" FROM domains d WHERE d.name = $1",
			1, p, &res, err);
	if (rc)
		return rc;
	if (PQntuples(res) != 1) {
		rc = dr_error_set(err, DR_ENOTFOUND, "zone", "zone '%s.' not found", zone);
	} else {
		dr_parse_ll(PQgetvalue(res, 0, 0), 0, 1LL << 40, &st->active_keys);
		dr_parse_ll(PQgetvalue(res, 0, 1), 0, 1LL << 40, &st->keys);
		st->presigned = !strcmp(PQgetvalue(res, 0, 2), "t");
	}
	PQclear(res);
	return rc;
}

/* --- secure, unsecure -------------------------------------------------- */

int dr_zonesign_secure(PGconn *conn, const char *zone, const struct dr_zonesign_opts *opts,
		       long long *changed, struct dr_error *err)
{
	struct zone_state st;
	struct api a = { 0 };
	json_t *body;
	char *z = NULL, *path;
	int rc;

	*changed = 0;
	rc = dr_zonesign_check_algorithm(opts->algorithm ? opts->algorithm : "ecdsa256", err);
	if (!rc && opts->nsec3param)
		rc = dr_zonesign_check_nsec3param(opts->nsec3param, err);
	if (!rc && opts->narrow && !opts->nsec3param)
		rc = dr_error_set(err, DR_EINVAL, "narrow", "--narrow needs --nsec3");
	if (!rc)
		rc = dr_name_zone(zone, &z, err);
	if (!rc)
		rc = zone_state(conn, z, &st, err);
	if (!rc && st.presigned)
		rc = dr_error_set(err, DR_EEXIST, "zone",
				  "zone '%s.' is presigned (PRESIGNED metadata): its signatures come "
				  "from elsewhere",
				  z);
	if (!rc && st.active_keys)
		rc = dr_error_set(err, DR_EEXIST, "zone",
				  "zone '%s.' is already signed (%lld active keys): see drover zone "
				  "keys",
				  z, st.active_keys);
	if (!rc)
		rc = api_open(conn, &a, err);
	if (rc)
		goto out;

	body = json_pack("{s:s, s:b, s:b, s:s}", "keytype", "csk", "active", 1, "published", 1,
			 "algorithm", opts->algorithm ? opts->algorithm : "ecdsa256");
	path = zone_path(z, "/cryptokeys");
	rc = api_call(&a, "POST", path, body, NULL, err);
	free(path);
	json_decref(body);
	if (rc)
		goto out;
	if (opts->nsec3param) {
		body = json_pack("{s:s, s:b}", "nsec3param", opts->nsec3param, "nsec3narrow",
				 opts->narrow);
		path = zone_path(z, "");
		rc = api_call(&a, "PUT", path, body, NULL, err);
		free(path);
		json_decref(body);
	}
	if (!rc)
		rc = dr_zone_rectify(conn, z, changed, err);
	if (rc) { /* nothing half-done: the key goes again, and the zone is as it was */
		struct dr_error undo_err;
		long long undone;

		if (api_unsecure(&a, z, &undo_err) == 0 &&
		    dr_zone_rectify(conn, z, &undone, &undo_err) == 0)
			dr_error_prefix(err, "the key made was removed again");
		else
			dr_error_prefix(err, "the zone is left signed, not rectified: run drover zone "
					     "unsecure");
	}
out:
	api_close(&a);
	free(z);
	return rc;
}

int dr_zonesign_unsecure(PGconn *conn, const char *zone, long long *changed,
			 struct dr_error *err)
{
	struct zone_state st;
	struct api a = { 0 };
	char *z = NULL;
	int rc;

	*changed = 0;
	rc = dr_name_zone(zone, &z, err);
	if (!rc)
		rc = zone_state(conn, z, &st, err);
	if (!rc && st.keys == 0)
		rc = dr_error_set(err, DR_ENOTFOUND, "zone", "zone '%s.' has no DNSSEC keys", z);
	if (!rc)
		rc = api_open(conn, &a, err);
	if (rc)
		goto out;
	rc = api_unsecure(&a, z, err);
	if (!rc)
		rc = dr_zone_rectify(conn, z, changed, err);
out:
	api_close(&a);
	free(z);
	return rc;
}

/* --- keys -------------------------------------------------------------- */

/* A DNSKEY in presentation form without its white space, so that a key
 * printed in several words compares equal. */
static char *squeeze(const char *s)
{
	char *out = dr_xmalloc(strlen(s) + 1), *w = out;

	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			*w++ = *s;
	*w = '\0';
	return out;
}

/* RFC 4034 key tag of "FLAGS PROTOCOL ALGORITHM BASE64" by libdnssec; 0 if
 * the text does not parse. */
static unsigned dnskey_keytag(const char *dnskey)
{
	unsigned flags, proto, alg;
	int off = 0;
	char *b64;
	dnssec_binary_t in, key = { 0 }, rdata = { 0 };
	uint16_t tag = 0;

	if (sscanf(dnskey, "%u %u %u %n", &flags, &proto, &alg, &off) != 3 || off <= 0)
		return 0;
	b64 = squeeze(dnskey + off); /* the base64 may come in several words */
	in.data = (uint8_t *)b64;
	in.size = strlen(b64);
	if (dnssec_binary_from_base64(&in, &key) == 0) {
		rdata.size = 4 + key.size;
		rdata.data = dr_xmalloc(rdata.size);
		rdata.data[0] = (uint8_t)(flags >> 8);
		rdata.data[1] = (uint8_t)flags;
		rdata.data[2] = (uint8_t)proto;
		rdata.data[3] = (uint8_t)alg;
		memcpy(rdata.data + 4, key.data, key.size);
		if (dnssec_keytag(&rdata, &tag) != 0)
			tag = 0;
		free(rdata.data);
	}
	dnssec_binary_free(&key);
	free(b64);
	return tag;
}

void dr_zonekeys_free(struct dr_zonekey *keys, size_t n)
{
	for (size_t i = 0; keys && i < n; i++) {
		free(keys[i].dnskey);
		for (size_t d = 0; d < keys[i].nds; d++)
			free(keys[i].ds[d]);
	}
	free(keys);
}

static int key_from_json(json_t *o, struct dr_zonekey *k)
{
	json_t *id = json_object_get(o, "id"), *dnskey = json_object_get(o, "dnskey");
	json_t *ds = json_object_get(o, "ds"), *v;
	size_t i;

	if (!json_is_integer(id) || !json_is_string(dnskey))
		return -1;
	k->id = json_integer_value(id);
	snprintf(k->keytype, sizeof(k->keytype), "%s",
		 json_string_value(json_object_get(o, "keytype")) ?
			 json_string_value(json_object_get(o, "keytype")) : "?");
	snprintf(k->algorithm, sizeof(k->algorithm), "%s",
		 json_string_value(json_object_get(o, "algorithm")) ?
			 json_string_value(json_object_get(o, "algorithm")) : "?");
	k->bits = (int)json_integer_value(json_object_get(o, "bits"));
	k->active = json_is_true(json_object_get(o, "active"));
	k->published = json_is_true(json_object_get(o, "published"));
	k->dnskey = dr_xstrdup(json_string_value(dnskey));
	k->keytag = dnskey_keytag(k->dnskey);
	/* DS digests 2 (SHA-256) and 4 (SHA-384); SHA-1 is not to be used (RFC 8624) */
	json_array_foreach(ds, i, v) {
		unsigned tag, alg, digest;

		if (json_is_string(v) && k->nds < 2 &&
		    sscanf(json_string_value(v), "%u %u %u", &tag, &alg, &digest) == 3 &&
		    (digest == 2 || digest == 4))
			k->ds[k->nds++] = dr_xstrdup(json_string_value(v));
	}
	return 0;
}

static int by_id(const void *a, const void *b)
{
	const struct dr_zonekey *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

int dr_zonesign_keys(PGconn *conn, const char *zone, struct dr_zonekey **out, size_t *n,
		     struct dr_error *err)
{
	struct zone_state st;
	struct api a = { 0 };
	json_t *list = NULL, *o;
	struct dr_zonekey *keys = NULL;
	char *z = NULL, *path;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	rc = dr_name_zone(zone, &z, err);
	if (!rc)
		rc = zone_state(conn, z, &st, err);
	if (!rc)
		rc = api_open(conn, &a, err);
	if (!rc) {
		path = zone_path(z, "/cryptokeys");
		rc = api_call(&a, "GET", path, NULL, &list, err);
		free(path);
	}
	if (!rc && !json_is_array(list))
		rc = dr_error_set(err, DR_EREFUSED, "api", "the key list of '%s.' is not a JSON array",
				  z);
	if (!rc) {
		keys = dr_xcalloc(json_array_size(list) + 1, sizeof(*keys));
		json_array_foreach(list, i, o) {
			if (key_from_json(o, &keys[*n]) == 0)
				(*n)++;
		}
		qsort(keys, *n, sizeof(*keys), by_id);
		*out = keys;
	}
	json_decref(list);
	api_close(&a);
	free(z);
	return rc;
}

/* --- the proof over DNS ------------------------------------------------ */

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct probe {
	const char *address, *zone;
	char **want; /* squeezed, sorted */
	size_t nwant;
	struct dr_dnsq *q;
	struct dr_dnssec_keys *keys; /* verified, between DNSKEY and denial */
	struct dr_zonesign_proof *proof;
};

static void on_denial(void *ud, const struct dr_soa_answer *ans)
{
	struct probe *p = ud;
	char *qname = dr_xasprintf(DR_DNSSEC_PROBE_LABEL ".%s", p->zone);
	char why[160] = "no answer";

	if (!ans->err && ans->wire &&
	    !dr_dnssec_check_denial(ans->wire, ans->wirelen, p->zone, qname, p->keys,
				    (uint32_t)time(NULL), why, sizeof(why))) {
		p->proof->ok = true;
		snprintf(p->proof->detail, sizeof(p->proof->detail),
			 "serves %zu DNSKEY%s, signed; a denial verifies", p->nwant,
			 p->nwant == 1 ? "" : "s");
	} else {
		snprintf(p->proof->detail, sizeof(p->proof->detail), "denial: %s", why);
	}
	free(qname);
	dr_dnssec_keys_free(p->keys);
	p->keys = NULL;
}

/* The DNSKEY rrset: exactly the published keys; when there are any, signed
 * by them, and then a denial is asked for and must verify too. */
static void on_dnskey(void *ud, const struct dr_soa_answer *ans)
{
	struct probe *p = ud;
	char why[160] = "", *qname;
	char **got;
	bool same;

	if (ans->err) {
		snprintf(p->proof->detail, sizeof(p->proof->detail), "no answer: %.120s",
			 ans->errmsg);
		return;
	}
	if (ans->rcode != 0) {
		snprintf(p->proof->detail, sizeof(p->proof->detail), "DNSKEY answered rcode %d",
			 ans->rcode);
		return;
	}
	got = dr_xcalloc(ans->nrdata + 1, sizeof(*got));
	for (size_t i = 0; i < ans->nrdata; i++)
		got[i] = squeeze(ans->rdata[i]);
	qsort(got, ans->nrdata, sizeof(*got), by_string);
	same = ans->nrdata == p->nwant;
	for (size_t i = 0; same && i < p->nwant; i++)
		same = !strcmp(got[i], p->want[i]);
	for (size_t i = 0; i < ans->nrdata; i++)
		free(got[i]);
	free(got);
	if (!same) {
		snprintf(p->proof->detail, sizeof(p->proof->detail),
			 "serves %zu DNSKEYs, not the %zu published", ans->nrdata, p->nwant);
		return;
	}
	if (p->nwant == 0) {
		p->proof->ok = true;
		snprintf(p->proof->detail, sizeof(p->proof->detail), "serves 0 DNSKEYs");
		return;
	}
	if (!ans->wire || dr_dnssec_keys_from_reply(ans->wire, ans->wirelen, p->zone,
						    (uint32_t)time(NULL), &p->keys, why,
						    sizeof(why))) {
		snprintf(p->proof->detail, sizeof(p->proof->detail), "DNSKEY: %s",
			 *why ? why : "no reply");
		return;
	}
	qname = dr_xasprintf(DR_DNSSEC_PROBE_LABEL ".%s", p->zone);
	if (dr_dnsq_dnssec(p->q, p->address, qname, "A", DNS_TIMEOUT_MS, on_denial, p)) {
		snprintf(p->proof->detail, sizeof(p->proof->detail), "cannot ask for a denial");
		dr_dnssec_keys_free(p->keys);
		p->keys = NULL;
	}
	free(qname);
}

int dr_zonesign_prove(PGconn *conn, const char *zone, const struct dr_zonekey *keys, size_t n,
		      double timeout_s, struct dr_zonesign_proof **out, size_t *nout,
		      struct dr_error *err)
{
	struct dr_server *servers = NULL;
	struct dr_zonesign_proof *proofs = NULL;
	struct probe *probes = NULL;
	char **want = NULL;
	size_t ns = 0, nwant = 0, np = 0;
	struct ev_loop *loop = NULL;
	struct dr_dnsq *q = NULL;
	double deadline;
	int rc;

	*out = NULL;
	*nout = 0;
	rc = dr_server_list(conn, &servers, &ns, err);
	if (rc)
		return rc;
	want = dr_xcalloc(n + 1, sizeof(*want));
	for (size_t i = 0; i < n; i++)
		if (keys[i].published)
			want[nwant++] = squeeze(keys[i].dnskey);
	qsort(want, nwant, sizeof(*want), by_string);
	proofs = dr_xcalloc(ns + 1, sizeof(*proofs));
	probes = dr_xcalloc(ns + 1, sizeof(*probes));
	for (size_t i = 0; i < ns; i++) {
		if (!servers[i].enabled)
			continue;
		snprintf(proofs[np].server, sizeof(proofs[np].server), "%s", servers[i].name);
		snprintf(proofs[np].detail, sizeof(proofs[np].detail), "not asked");
		probes[np] = (struct probe){ .address = servers[i].dns_address, .zone = zone,
					     .want = want, .nwant = nwant, .proof = &proofs[np] };
		np++;
	}
	loop = ev_loop_new(EVFLAG_AUTO);
	if (!loop)
		dr_oom();
	q = dr_dnsq_new(loop, 16);
	for (size_t i = 0; i < np; i++)
		probes[i].q = q;
	deadline = ev_time() + timeout_s;
	for (;;) {
		size_t asked = 0;

		for (size_t i = 0; i < np && !rc; i++) {
			if (proofs[i].ok)
				continue;
			rc = dr_dnsq_dnssec(q, probes[i].address, zone, "DNSKEY", DNS_TIMEOUT_MS,
					    on_dnskey, &probes[i]);
			if (rc)
				dr_error_set(err, rc, "server", "cannot ask '%s' over DNS",
					     proofs[i].server);
			asked++;
		}
		if (rc || asked == 0)
			break;
		ev_run(loop, 0);
		if (ev_time() >= deadline)
			break;
		{
			bool all = true;

			for (size_t i = 0; i < np; i++)
				all = all && proofs[i].ok;
			if (all)
				break;
		}
		ev_sleep(PROOF_PAUSE_S);
	}
	dr_dnsq_free(q);
	ev_loop_destroy(loop);
	for (size_t i = 0; i < np; i++)
		dr_dnssec_keys_free(probes[i].keys);
	for (size_t i = 0; i < nwant; i++)
		free(want[i]);
	free(want);
	free(probes);
	dr_server_list_free(servers, ns);
	if (rc) {
		free(proofs);
		return rc;
	}
	*out = proofs;
	*nout = np;
	return 0;
}
