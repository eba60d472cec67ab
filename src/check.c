/* src/check.c - the drift checker: primary database vs each worker's API
 * zone list vs each worker's DNS answers, on a libev loop. See
 * include/drover/check.h.
 *
 * Per server, at start: GET the zone list and the config (HTTP, in
 * parallel), and one SOA query for the first zone as a probe; when the
 * probe answers, an SOA query for every other zone. Each server has its own
 * DNS client, keeping at most dns_inflight queries in flight to it and
 * queueing the rest: pdns 4.7 on loopback drops UDP queries beyond about
 * 200 outstanding (measured with dnsperf: 0 lost at 128, 3-14% at 256-512),
 * and every lost query costs a timeout. A server whose probe
 * gets no answer is not asked thousands of times: it is unreachable. When
 * a server's requests are all back it is classified; when every server is,
 * repair runs (if asked) and the callback comes.
 * With samples (--sample N): for each sampled rrset one more query per
 * server; an answer that differs from the database's records makes its
 * zone stale (unless the zone is already missing, behind or stale), and
 * repair purges the whole zone (purge ZONE$ covers every name in it).
 * For each signed zone (dr_check_add_signed), after the samples: a DNSKEY
 * query with the DO bit, then a query for a name that does not exist, each
 * verified by src/dnssecverify.c; what fails is that server's dnssec
 * finding. Signed zones whose database rows are not rectified come from the
 * caller (dr_check_add_unrectified) and join the report as they are.
 * Serials compare by RFC 1982; a worker ahead of the database is a change
 * committed while the check ran, not drift. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "drover/check.h"
#include "drover/dnsq.h"
#include "drover/dnssecverify.h"
#include "drover/err.h"
#include "drover/http.h"
#include "drover/pdnsctl.h"
#include "drover/util.h"
#include "banned.h"

#define DNS_TRIES 3      /* an SOA query with no answer is asked this often */
#define REPAIR_ROUNDS 3  /* purge and ask again at most this often */
#define FEED_WINDOW 2    /* queries queued per server, in units of dns_inflight */
#define CTL_TIMEOUT_MS 2000
#define API_BODY_MAX ((size_t)512 * 1024 * 1024) /* a zone list of millions of zones */

/* The settings compared across workers (config drift). */
static const char *const drift_settings[] = {
	"cache-ttl",	    "default-soa-edit",	       "dnssec-key-cache-ttl",
	"gpgsql-dbname",    "gpgsql-host",	       "gpgsql-port",
	"negquery-cache-ttl", "primary",	       "query-cache-ttl",
	"secondary",	    "zone-cache-refresh-interval", "zone-metadata-cache-ttl",
};
#define NSETTINGS (sizeof(drift_settings) / sizeof(drift_settings[0]))

enum answer { A_NONE, A_SOA, A_NOSOA, A_NOANSWER };
enum step { S_PROBE, S_ZONE, S_PURGE, S_PURGE2, S_REASK };

struct zone {
	char *name;
	uint32_t serial;
	bool has_serial;
};

/* A zone as one worker's API lists it. */
struct apizone {
	char *name;
	uint32_t serial;
	bool has_serial;
};

/* What one worker's DNS said about one zone of the database. */
struct view {
	uint8_t answer; /* enum answer */
	uint8_t rcode;
	uint8_t tries;
	uint8_t step;   /* enum step, for the request in flight */
	uint8_t rounds; /* repair rounds done */
	bool purged;    /* repair purged it at least once */
	uint32_t serial;
	uint32_t differs; /* 1 + the index of a sampled rrset answered otherwise, or 0 */
};

/* One sampled rrset of the database, and per server what DNS answered. */
struct sample {
	char *zone, *owner, *type;
	char **want; /* presentation form, sorted */
	size_t nwant;
	size_t zi;   /* its zone in chk->zones, set at start */
	bool skip;   /* a stored record that does not parse: not compared */
};

struct sview {
	uint8_t tries;
	bool differs;
	char *got; /* what DNS answered, when it differs */
};

struct server;

enum req_kind { K_ZONE, K_SAMPLE, K_SIGNED };

/* The ud of every DNS, control-channel and HTTP request of one zone. */
struct req {
	struct server *s;
	size_t zi;    /* a zone, a sample or a signed zone, by kind */
	uint8_t kind; /* enum req_kind */
};

/* What one worker's signed answers of one signed zone showed. */
enum dnssec_step { D_DNSKEY, D_DENIAL };
struct dview {
	uint8_t tries;
	uint8_t step; /* enum dnssec_step */
	struct dr_dnssec_keys *keys; /* between the two steps */
	char *problem;               /* NULL: the DNSKEY and the denial verify */
};

struct list {
	size_t *idx;
	size_t n, cap;
};

struct server {
	struct dr_check *chk;
	char *name, *api_url, *dns, *control, *api_key, *control_secret;
	int pending;
	bool api_ok, dns_ok, config_ok;
	char api_err[200], dns_err[200];
	struct dr_dnsq *dnsq; /* this server's own: the in-flight bound is per server */
	struct apizone *api;
	size_t napi;
	json_t *config; /* setting -> value, only drift_settings */
	struct view *views;
	struct req *reqs;
	struct sview *sviews;
	struct req *sreqs;
	struct dview *dviews;
	struct req *dreqs;
	size_t next; /* the next zone (then sample, then signed zone) to ask, see feed() */
	struct req whole; /* the ud of the zone list and config requests */
	struct list missing, extra, behind, stale, repaired, dnssec;
};

struct dr_check {
	struct ev_loop *loop;
	struct dr_check_opts opts;
	struct dr_http *http;
	struct dr_pdnsctl *ctl;
	struct zone *zones;
	size_t nzones, zcap;
	char **only;
	size_t nonly;
	struct sample *samples;
	size_t nsamples;
	char **signeds; /* signed zones (storage form), each checked over DNS */
	size_t nsigned;
	struct unrectified {
		char *zone;
		long long rows;
		bool repaired;
	} *unrect; /* signed zones whose rows the database holds otherwise than rectify would */
	size_t nunrect;
	struct server *servers;
	size_t nservers;
	size_t busy; /* servers not yet done with the current phase */
	bool starting, repairing, finished;
	double t0, elapsed;
	json_t *config_drift;
	ev_timer later;
	dr_check_done_cb cb;
	void *ud;
};

static void ask_zone(struct server *s, size_t zi);
static void ask_sample(struct server *s, size_t k);
static void ask_signed(struct server *s, size_t k);
static void feed(struct server *s);
static void repair_step(struct req *r);

/* ---- small helpers */

static bool serial_lt(uint32_t a, uint32_t b) /* RFC 1982: a < b */
{
	return a != b && (int32_t)(a - b) < 0;
}

static void list_add(struct list *l, size_t i)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->idx = dr_xrealloc(l->idx, l->cap * sizeof(*l->idx));
	}
	l->idx[l->n++] = i;
}

static void list_release(struct list *l)
{
	free(l->idx);
	*l = (struct list){ 0 };
}

static char *xstrdup_or_null(const char *s)
{
	return s ? dr_xstrdup(s) : NULL;
}

static void wipe_free(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

static int cmp_zone(const void *a, const void *b)
{
	return strcmp(((const struct zone *)a)->name, ((const struct zone *)b)->name);
}

static int cmp_apizone(const void *a, const void *b)
{
	return strcmp(((const struct apizone *)a)->name, ((const struct apizone *)b)->name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static struct zone *find_zone(const struct dr_check *chk, const char *name)
{
	struct zone key = { .name = (char *)name };

	if (chk->nzones == 0)
		return NULL;
	return bsearch(&key, chk->zones, chk->nzones, sizeof(key), cmp_zone);
}

static struct apizone *find_apizone(const struct server *s, const char *name)
{
	struct apizone key = { .name = (char *)name };

	if (s->napi == 0)
		return NULL;
	return bsearch(&key, s->api, s->napi, sizeof(key), cmp_apizone);
}

static bool wanted(const struct dr_check *chk, const char *zone)
{
	return chk->nonly == 0 ||
	       bsearch(&zone, chk->only, chk->nonly, sizeof(char *), cmp_str) != NULL;
}

/* "Example.COM." -> "example.com"; the root stays ".". Caller frees. */
static char *storage_name(const char *api_name)
{
	size_t n = strlen(api_name);
	char *s;

	if (n > 1 && api_name[n - 1] == '.')
		n--;
	s = dr_xstrndup(api_name, n);
	for (char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

static const char *rcode_name(int rcode)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					     "NOTIMP",	"REFUSED" };

	return rcode >= 0 && rcode < 6 ? names[rcode] : "other";
}

/* ---- finishing */

static void finish(struct dr_check *chk);

static void later_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	finish(w->data);
}

static void compute_config_drift(struct dr_check *chk)
{
	chk->config_drift = json_array();
	for (size_t k = 0; k < NSETTINGS; k++) {
		json_t *values = json_object();
		const char *first = NULL;
		bool differ = false, seen = false;

		for (size_t i = 0; i < chk->nservers; i++) {
			struct server *s = &chk->servers[i];
			json_t *v;
			const char *text;

			if (!s->config_ok)
				continue;
			v = json_object_get(s->config, drift_settings[k]);
			text = v ? json_string_value(v) : "";
			json_object_set_new(values, s->name, json_string(text ? text : ""));
			if (seen && strcmp(first, text ? text : ""))
				differ = true;
			if (!seen)
				first = text ? text : "";
			seen = true;
		}
		if (differ)
			json_array_append_new(chk->config_drift,
					      json_pack("{s:s, s:o}", "setting", drift_settings[k],
							"values", values));
		else
			json_decref(values);
	}
}

static void finish(struct dr_check *chk)
{
	if (chk->finished)
		return;
	chk->finished = true;
	compute_config_drift(chk);
	chk->elapsed = ev_time() - chk->t0;
	chk->cb(chk->ud, chk);
}

/* ---- classification */

/* A zone whose sampled rrset differs is stale, unless it has a finding. */
static void classify_samples(struct server *s)
{
	struct dr_check *chk = s->chk;
	uint8_t *flagged = dr_xcalloc(chk->nzones + 1, 1);

	for (size_t k = 0; k < s->missing.n; k++)
		flagged[s->missing.idx[k]] = 1;
	for (size_t k = 0; k < s->behind.n; k++)
		flagged[s->behind.idx[k]] = 1;
	for (size_t k = 0; k < s->stale.n; k++)
		flagged[s->stale.idx[k]] = 1;
	for (size_t k = 0; k < chk->nsamples; k++) {
		size_t zi = chk->samples[k].zi;

		if (chk->samples[k].skip || !s->sviews[k].differs || flagged[zi])
			continue;
		flagged[zi] = 1;
		s->views[zi].differs = (uint32_t)k + 1;
		list_add(&s->stale, zi);
	}
	free(flagged);
}

static void classify(struct server *s)
{
	struct dr_check *chk = s->chk;

	if (!s->api_ok || (chk->nzones > 0 && !s->dns_ok))
		return; /* unreachable */
	for (size_t i = 0; i < chk->nzones; i++) {
		struct zone *z = &chk->zones[i];
		struct apizone *a = find_apizone(s, z->name);
		struct view *v = &s->views[i];

		if (!a) {
			list_add(&s->missing, i);
		} else if (z->has_serial && a->has_serial && serial_lt(a->serial, z->serial)) {
			list_add(&s->behind, i);
		} else if (z->has_serial &&
			   (v->answer != A_SOA || serial_lt(v->serial, z->serial))) {
			list_add(&s->stale, i);
		}
	}
	for (size_t i = 0; i < s->napi; i++)
		if (wanted(chk, s->api[i].name) && !find_zone(chk, s->api[i].name))
			list_add(&s->extra, i);
	classify_samples(s);
	for (size_t k = 0; k < chk->nsigned; k++)
		if (s->dviews[k].problem)
			list_add(&s->dnssec, k);
}

static bool is_fresh(const struct server *s, size_t zi)
{
	const struct view *v = &s->views[zi];

	return v->answer == A_SOA && !serial_lt(v->serial, s->chk->zones[zi].serial);
}

/* After repair: stale zones that now answer the serial are repaired. */
static void reclassify_stale(struct server *s)
{
	struct list still = { 0 };

	for (size_t k = 0; k < s->stale.n; k++) {
		size_t zi = s->stale.idx[k];

		list_add(is_fresh(s, zi) && s->views[zi].purged ? &s->repaired : &still, zi);
	}
	list_release(&s->stale);
	s->stale = still;
}

static void start_repair(struct dr_check *chk)
{
	chk->repairing = true;
	chk->busy = 0;
	for (size_t i = 0; i < chk->nservers; i++) {
		struct server *s = &chk->servers[i];

		if (!s->stale.n)
			continue;
		chk->busy++;
		s->pending = (int)s->stale.n;
		for (size_t k = 0; k < s->stale.n; k++) {
			struct req *r = &s->reqs[s->stale.idx[k]];

			s->views[r->zi].step = S_PURGE;
			repair_step(r);
		}
	}
	if (!chk->busy)
		finish(chk);
}

static void server_done(struct server *s)
{
	struct dr_check *chk = s->chk;

	if (chk->starting)
		return; /* dr_check_start counts it */
	if (chk->repairing) {
		reclassify_stale(s);
		if (--chk->busy == 0)
			finish(chk);
		return;
	}
	classify(s);
	if (--chk->busy)
		return;
	for (size_t i = 0; chk->opts.repair && i < chk->nservers; i++)
		if (chk->servers[i].stale.n) {
			start_repair(chk);
			return;
		}
	finish(chk);
}

static void op_done(struct server *s)
{
	if (--s->pending == 0)
		server_done(s);
}

/* ---- the API: zone list and config */

static bool api_answer(struct server *s, const struct dr_http_result *r, const char *what,
		       json_t **out)
{
	json_error_t jerr;

	*out = NULL;
	if (r->err) {
		snprintf(s->api_err, sizeof(s->api_err), "API %s: %s", what, r->errmsg);
		return false;
	}
	if (r->status != 200) {
		snprintf(s->api_err, sizeof(s->api_err), "API %s: HTTP %ld", what, r->status);
		return false;
	}
	*out = json_loadb(r->body, r->body_len, 0, &jerr);
	if (!*out || !json_is_array(*out)) {
		json_decref(*out);
		*out = NULL;
		snprintf(s->api_err, sizeof(s->api_err), "API %s: not a JSON list", what);
		return false;
	}
	return true;
}

static void zones_cb(void *ud, const struct dr_http_result *r)
{
	struct server *s = ((struct req *)ud)->s;
	json_t *list, *z;
	size_t i;

	if (api_answer(s, r, "zone list", &list)) {
		s->api = dr_xcalloc(json_array_size(list) + 1, sizeof(*s->api));
		json_array_foreach(list, i, z) {
			const char *name = json_string_value(json_object_get(z, "name"));
			json_t *serial = json_object_get(z, "serial");

			if (!name)
				continue;
			s->api[s->napi].name = storage_name(name);
			s->api[s->napi].has_serial = json_is_integer(serial);
			s->api[s->napi].serial =
				json_is_integer(serial) ? (uint32_t)json_integer_value(serial) : 0;
			s->napi++;
		}
		if (s->napi > 1)
			qsort(s->api, s->napi, sizeof(*s->api), cmp_apizone);
		s->api_ok = true;
		json_decref(list);
	}
	op_done(s);
}

static void config_cb(void *ud, const struct dr_http_result *r)
{
	struct server *s = ((struct req *)ud)->s;
	char ignored[200];
	json_t *list, *item;
	size_t i;

	/* a config that cannot be read only leaves this server out of the
	 * comparison; the zone list decides whether it is reachable */
	memcpy(ignored, s->api_err, sizeof(ignored));
	if (api_answer(s, r, "config", &list)) {
		s->config = json_object();
		json_array_foreach(list, i, item) {
			const char *name = json_string_value(json_object_get(item, "name"));
			const char *value = json_string_value(json_object_get(item, "value"));

			for (size_t k = 0; name && value && k < NSETTINGS; k++)
				if (!strcmp(name, drift_settings[k]))
					json_object_set_new(s->config, name, json_string(value));
		}
		s->config_ok = true;
		json_decref(list);
	}
	memcpy(s->api_err, ignored, sizeof(ignored));
	op_done(s);
}

/* ---- DNS */

static void record_answer(struct view *v, const struct dr_soa_answer *a)
{
	v->rcode = (uint8_t)a->rcode;
	if (a->err)
		v->answer = A_NOANSWER;
	else if (a->has_soa)
		v->answer = A_SOA;
	else
		v->answer = A_NOSOA;
	v->serial = a->has_soa ? a->serial : 0;
}

/* Ask the next zones, then samples, keeping at most FEED_WINDOW times
 * dns_inflight queued or in flight for this server: 300,000 queries queued
 * at once would hold about 300 MB. The probe (zone 0) went first. */
static void feed(struct server *s)
{
	struct dr_check *chk = s->chk;
	size_t total = chk->nzones + chk->nsamples + chk->nsigned;

	if (s->next == 0)
		s->next = 1;
	while (s->next < total &&
	       dr_dnsq_pending(s->dnsq) < FEED_WINDOW * chk->opts.dns_inflight) {
		size_t i = s->next++;

		if (i < chk->nzones) {
			s->views[i].step = S_ZONE;
			ask_zone(s, i);
		} else if (i < chk->nzones + chk->nsamples) {
			ask_sample(s, i - chk->nzones);
		} else {
			ask_signed(s, i - chk->nzones - chk->nsamples);
		}
	}
}

static bool same_rdata(const struct sample *x, const struct dr_soa_answer *a)
{
	if (a->nrdata != x->nwant)
		return false;
	for (size_t i = 0; i < x->nwant; i++)
		if (strcasecmp(x->want[i], a->rdata[i]))
			return false;
	return true;
}

static char *answer_rdata_text(const struct dr_soa_answer *a)
{
	struct dr_sbuf sb;

	dr_sbuf_init(&sb);
	if (a->err)
		dr_sbuf_adds(&sb, "no answer");
	else if (a->nrdata == 0)
		dr_sbuf_addf(&sb, "%s, no records", rcode_name(a->rcode));
	for (size_t i = 0; !a->err && i < a->nrdata; i++)
		dr_sbuf_addf(&sb, "%s%s", i ? " | " : "", a->rdata[i]);
	return dr_sbuf_detach(&sb);
}

static void sample_cb(struct req *r, const struct dr_soa_answer *a)
{
	struct server *s = r->s;
	struct sview *sv = &s->sviews[r->zi];

	if (a->err == DR_ECONNECT && ++sv->tries < DNS_TRIES) {
		ask_sample(s, r->zi);
		return;
	}
	if (!same_rdata(&s->chk->samples[r->zi], a)) {
		sv->differs = true;
		sv->got = answer_rdata_text(a);
	}
	feed(s);
	op_done(s);
}

static void signed_problem(struct dview *dv, const char *what, const char *why)
{
	free(dv->problem);
	dv->problem = dr_xasprintf("%s: %s", what, why);
}

/* The DNSKEY answer, then the denial, of one signed zone on one worker. */
static void signed_cb(struct req *r, const struct dr_soa_answer *a)
{
	struct server *s = r->s;
	struct dview *dv = &s->dviews[r->zi];
	const char *zone = s->chk->signeds[r->zi];
	uint32_t now = (uint32_t)time(NULL);
	char why[256] = "";

	if (a->err == DR_ECONNECT && ++dv->tries < DNS_TRIES) {
		ask_signed(s, r->zi);
		return;
	}
	if (a->err || !a->wire) {
		signed_problem(dv, dv->step == D_DNSKEY ? "DNSKEY" : "denial",
			       a->errmsg && *a->errmsg ? a->errmsg : "no answer");
	} else if (dv->step == D_DNSKEY) {
		if (dr_dnssec_keys_from_reply(a->wire, a->wirelen, zone, now, &dv->keys, why,
					      sizeof(why))) {
			signed_problem(dv, "DNSKEY", why);
		} else {
			dv->step = D_DENIAL;
			dv->tries = 0;
			ask_signed(s, r->zi);
			return;
		}
	} else {
		char *qname = dr_xasprintf(DR_DNSSEC_PROBE_LABEL ".%s", zone);

		if (dr_dnssec_check_denial(a->wire, a->wirelen, zone, qname, dv->keys, now, why,
					   sizeof(why)))
			signed_problem(dv, "denial of " DR_DNSSEC_PROBE_LABEL, why);
		free(qname);
	}
	dr_dnssec_keys_free(dv->keys);
	dv->keys = NULL;
	feed(s);
	op_done(s);
}

static void dns_cb(void *ud, const struct dr_soa_answer *a)
{
	struct req *r = ud;
	struct server *s = r->s;
	struct view *v;

	if (r->kind == K_SAMPLE) {
		sample_cb(r, a);
		return;
	}
	if (r->kind == K_SIGNED) {
		signed_cb(r, a);
		return;
	}
	v = &s->views[r->zi];

	if (a->err == DR_ECONNECT && ++v->tries < DNS_TRIES) {
		ask_zone(s, r->zi);
		return;
	}
	record_answer(v, a);
	if (v->step == S_PROBE) {
		if (a->err) {
			snprintf(s->dns_err, sizeof(s->dns_err), "DNS %s: %s", s->dns, a->errmsg);
		} else {
			s->dns_ok = true;
			s->pending += (int)s->chk->nzones - 1 + (int)s->chk->nsamples +
				      (int)s->chk->nsigned;
			feed(s);
		}
		op_done(s);
		return;
	}
	if (v->step == S_REASK) {
		repair_step(r);
		return;
	}
	feed(s);
	op_done(s);
}

static void ask_zone(struct server *s, size_t zi)
{
	struct dr_check *chk = s->chk;
	struct req *r = &s->reqs[zi];

	if (dr_dnsq_soa(s->dnsq, s->dns, chk->zones[zi].name, chk->opts.dns_timeout_ms, dns_cb,
			r)) {
		/* a bad address: every zone gets the same answer */
		struct dr_soa_answer a = { .err = DR_EINVAL, .errmsg = "bad DNS address" };

		s->views[zi].tries = DNS_TRIES;
		dns_cb(r, &a);
	}
}

static void ask_sample(struct server *s, size_t k)
{
	struct dr_check *chk = s->chk;
	struct sample *x = &chk->samples[k];

	if (x->skip || dr_dnsq_rrset(s->dnsq, s->dns, x->owner, x->type, chk->opts.dns_timeout_ms,
				     dns_cb, &s->sreqs[k]))
		op_done(s); /* not compared */
}

static void ask_signed(struct server *s, size_t k)
{
	struct dr_check *chk = s->chk;
	struct dview *dv = &s->dviews[k];
	char *name = dv->step == D_DNSKEY ? dr_xstrdup(chk->signeds[k])
					  : dr_xasprintf(DR_DNSSEC_PROBE_LABEL ".%s", chk->signeds[k]);
	int rc = dr_dnsq_dnssec(s->dnsq, s->dns, name, dv->step == D_DNSKEY ? "DNSKEY" : "A",
				chk->opts.dns_timeout_ms, dns_cb, &s->dreqs[k]);

	free(name);
	if (rc) {
		signed_problem(dv, "DNS", "cannot ask (a bad address or name)");
		dr_dnssec_keys_free(dv->keys);
		dv->keys = NULL;
		op_done(s);
	}
}

/* ---- repair: purge, purge again (control channel) or flush (API), ask */

static void reask(struct req *r)
{
	r->s->views[r->zi].step = S_REASK;
	r->s->views[r->zi].tries = 0;
	ask_zone(r->s, r->zi);
}

static void repair_ctl_cb(void *ud, int err, const char *reply, const char *errmsg)
{
	struct req *r = ud;
	struct view *v = &r->s->views[r->zi];

	(void)reply;
	(void)errmsg;
	if (err) {
		v->rounds = REPAIR_ROUNDS;
		op_done(r->s);
		return;
	}
	if (v->step == S_PURGE2) {
		v->purged = true;
		reask(r);
		return;
	}
	v->step = S_PURGE2;
	repair_step(r);
}

static void repair_http_cb(void *ud, const struct dr_http_result *res)
{
	struct req *r = ud;

	if (res->err || res->status < 200 || res->status > 299) {
		r->s->views[r->zi].rounds = REPAIR_ROUNDS;
		op_done(r->s);
		return;
	}
	r->s->views[r->zi].purged = true;
	reask(r);
}

/* The control channel when the worker has one and answered with an SOA;
 * the API flush otherwise (it also puts a zone the worker's zone cache
 * does not know into it). */
static void repair_step(struct req *r)
{
	struct server *s = r->s;
	struct dr_check *chk = s->chk;
	struct view *v = &s->views[r->zi];
	const char *zone = chk->zones[r->zi].name;
	bool by_ctl = s->control && v->answer == A_SOA;
	char *what;
	int rc;

	if (v->step == S_REASK) { /* an answer came back */
		if (is_fresh(s, r->zi) || ++v->rounds >= REPAIR_ROUNDS) {
			op_done(s);
			return;
		}
		v->step = S_PURGE;
	}
	if (by_ctl) {
		what = dr_xasprintf("purge %s$", zone);
		rc = dr_pdnsctl_send(chk->ctl, s->control, s->control_secret, what,
				     CTL_TIMEOUT_MS, repair_ctl_cb, r);
	} else {
		what = dr_xasprintf("%s/api/v1/servers/localhost/cache/flush?domain=%s%s",
				    s->api_url, zone, strcmp(zone, ".") ? "." : "");
		rc = dr_http_request(chk->http, "PUT", what, s->api_key, NULL,
				     chk->opts.http_timeout_ms, repair_http_cb, r);
	}
	free(what);
	if (rc) {
		v->rounds = REPAIR_ROUNDS;
		op_done(s);
	}
}

/* ---- starting */

static void start_server(struct server *s)
{
	struct dr_check *chk = s->chk;
	char *url;

	s->views = dr_xcalloc(chk->nzones + 1, sizeof(*s->views));
	s->reqs = dr_xcalloc(chk->nzones + 1, sizeof(*s->reqs));
	for (size_t i = 0; i < chk->nzones; i++)
		s->reqs[i] = (struct req){ s, i, K_ZONE };
	s->sviews = dr_xcalloc(chk->nsamples + 1, sizeof(*s->sviews));
	s->sreqs = dr_xcalloc(chk->nsamples + 1, sizeof(*s->sreqs));
	for (size_t k = 0; k < chk->nsamples; k++)
		s->sreqs[k] = (struct req){ s, k, K_SAMPLE };
	s->dviews = dr_xcalloc(chk->nsigned + 1, sizeof(*s->dviews));
	s->dreqs = dr_xcalloc(chk->nsigned + 1, sizeof(*s->dreqs));
	for (size_t k = 0; k < chk->nsigned; k++)
		s->dreqs[k] = (struct req){ s, k, K_SIGNED };
	s->whole = (struct req){ s, 0, K_ZONE };
	s->pending = 2;
	url = dr_xasprintf("%s/api/v1/servers/localhost/zones?dnssec=false", s->api_url);
	if (dr_http_request(chk->http, "GET", url, s->api_key, NULL, chk->opts.http_timeout_ms,
			    zones_cb, &s->whole)) {
		snprintf(s->api_err, sizeof(s->api_err), "bad API address");
		s->pending--;
	}
	free(url);
	url = dr_xasprintf("%s/api/v1/servers/localhost/config", s->api_url);
	if (dr_http_request(chk->http, "GET", url, s->api_key, NULL, chk->opts.http_timeout_ms,
			    config_cb, &s->whole))
		s->pending--;
	free(url);
	if (chk->nzones > 0) {
		s->pending++;
		s->views[0].step = S_PROBE;
		ask_zone(s, 0);
	}
}

void dr_check_start(struct dr_check *chk, dr_check_done_cb cb, void *ud)
{
	size_t kept = 0;

	chk->cb = cb;
	chk->ud = ud;
	chk->t0 = ev_time();
	if (chk->nzones > 1)
		qsort(chk->zones, chk->nzones, sizeof(*chk->zones), cmp_zone);
	/* a zone listed twice (it cannot be, but) would be reported twice */
	for (size_t i = 0; i < chk->nzones; i++) {
		if (kept && !strcmp(chk->zones[kept - 1].name, chk->zones[i].name)) {
			free(chk->zones[i].name);
			continue;
		}
		chk->zones[kept++] = chk->zones[i];
	}
	chk->nzones = kept;
	for (size_t k = 0; k < chk->nsamples; k++) {
		struct zone *z = find_zone(chk, chk->samples[k].zone);

		if (z)
			chk->samples[k].zi = (size_t)(z - chk->zones);
		else
			chk->samples[k].skip = true;
	}
	chk->busy = chk->nservers;
	chk->starting = true;
	for (size_t i = 0; i < chk->nservers; i++)
		start_server(&chk->servers[i]);
	chk->starting = false;
	/* a server whose every request failed to start is done already;
	 * finishing from here would call back inside start: defer it */
	for (size_t i = 0; i < chk->nservers; i++)
		if (chk->servers[i].pending == 0) {
			classify(&chk->servers[i]);
			chk->busy--;
		}
	if (chk->busy == 0)
		ev_timer_start(chk->loop, &chk->later);
}

/* ---- building */

struct dr_check *dr_check_new(struct ev_loop *loop, const struct dr_check_opts *opts)
{
	struct dr_check *chk = dr_xcalloc(1, sizeof(*chk));

	chk->loop = loop;
	if (opts)
		chk->opts = *opts;
	if (chk->opts.dns_timeout_ms <= 0)
		chk->opts.dns_timeout_ms = 1000;
	if (chk->opts.http_timeout_ms <= 0)
		chk->opts.http_timeout_ms = 30000;
	if (chk->opts.dns_inflight == 0)
		chk->opts.dns_inflight = 100;
	chk->http = dr_http_new(loop);
	dr_http_set_body_max(chk->http, API_BODY_MAX);
	chk->ctl = dr_pdnsctl_new(loop);
	ev_timer_init(&chk->later, later_cb, 0, 0);
	chk->later.data = chk;
	return chk;
}

void dr_check_only_zone(struct dr_check *chk, const char *zone)
{
	chk->only = dr_xrealloc(chk->only, (chk->nonly + 1) * sizeof(*chk->only));
	chk->only[chk->nonly++] = dr_xstrdup(zone);
	qsort(chk->only, chk->nonly, sizeof(*chk->only), cmp_str);
}

void dr_check_add_zone(struct dr_check *chk, const char *zone, bool has_serial, uint32_t serial)
{
	if (!wanted(chk, zone))
		return;
	if (chk->nzones == chk->zcap) {
		chk->zcap = chk->zcap ? chk->zcap * 2 : 64;
		chk->zones = dr_xrealloc(chk->zones, chk->zcap * sizeof(*chk->zones));
	}
	chk->zones[chk->nzones++] = (struct zone){ dr_xstrdup(zone), serial, has_serial };
}

const char DR_CHECK_ZONES_SQL[] =
	"SELECT d.name, split_part(r.content, ' ', 3)"
	" FROM domains d"
	" LEFT JOIN records r ON r.domain_id = d.id AND r.name = d.name AND r.type = 'SOA'"
	"  AND NOT r.disabled";

void dr_check_add_zone_row(struct dr_check *chk, const char *zone, const char *serial)
{
	long long v = 0;
	bool has = serial && dr_parse_ll(serial, 0, 4294967295LL, &v);

	dr_check_add_zone(chk, zone, has, (uint32_t)v);
}

void dr_check_add_sample(struct dr_check *chk, const char *zone, const char *owner,
			 const char *type, const char *rdata)
{
	struct sample *x = chk->nsamples ? &chk->samples[chk->nsamples - 1] : NULL;

	if (!wanted(chk, zone))
		return;
	if (!x || strcmp(x->zone, zone) || strcmp(x->owner, owner) || strcmp(x->type, type)) {
		chk->samples =
			dr_xrealloc(chk->samples, (chk->nsamples + 1) * sizeof(*chk->samples));
		x = &chk->samples[chk->nsamples++];
		*x = (struct sample){ .zone = dr_xstrdup(zone), .owner = dr_xstrdup(owner),
				      .type = dr_xstrdup(type) };
	}
	if (!rdata) {
		x->skip = true;
		return;
	}
	x->want = dr_xrealloc(x->want, (x->nwant + 1) * sizeof(*x->want));
	x->want[x->nwant++] = dr_xstrdup(rdata);
	qsort(x->want, x->nwant, sizeof(*x->want), cmp_str);
}

void dr_check_add_signed(struct dr_check *chk, const char *zone)
{
	if (!wanted(chk, zone))
		return;
	chk->signeds = dr_xrealloc(chk->signeds, (chk->nsigned + 1) * sizeof(*chk->signeds));
	chk->signeds[chk->nsigned++] = dr_xstrdup(zone);
}

void dr_check_add_unrectified(struct dr_check *chk, const char *zone, long long rows,
			      bool repaired)
{
	chk->unrect = dr_xrealloc(chk->unrect, (chk->nunrect + 1) * sizeof(*chk->unrect));
	chk->unrect[chk->nunrect++] = (struct unrectified){ dr_xstrdup(zone), rows, repaired };
}

void dr_check_add_server(struct dr_check *chk, const char *name, const char *api_url,
			 const char *dns_address, const char *control_address,
			 const char *api_key, const char *control_secret)
{
	struct server *s;

	chk->servers = dr_xrealloc(chk->servers, (chk->nservers + 1) * sizeof(*chk->servers));
	s = &chk->servers[chk->nservers++];
	*s = (struct server){ 0 };
	s->chk = chk;
	s->name = dr_xstrdup(name);
	s->api_url = dr_xstrdup(api_url);
	s->dns = dr_xstrdup(dns_address);
	s->control = xstrdup_or_null(control_address);
	s->api_key = xstrdup_or_null(api_key);
	s->control_secret = xstrdup_or_null(control_secret);
	s->dnsq = dr_dnsq_new(chk->loop, chk->opts.dns_inflight);
}

static void server_release(struct server *s)
{
	free(s->name);
	free(s->api_url);
	free(s->dns);
	free(s->control);
	wipe_free(s->api_key);
	wipe_free(s->control_secret);
	for (size_t i = 0; i < s->napi; i++)
		free(s->api[i].name);
	free(s->api);
	json_decref(s->config);
	free(s->views);
	free(s->reqs);
	for (size_t k = 0; k < s->chk->nsamples; k++)
		free(s->sviews[k].got);
	free(s->sviews);
	free(s->sreqs);
	for (size_t k = 0; s->dviews && k < s->chk->nsigned; k++) {
		free(s->dviews[k].problem);
		dr_dnssec_keys_free(s->dviews[k].keys);
	}
	free(s->dviews);
	free(s->dreqs);
	list_release(&s->dnssec);
	list_release(&s->missing);
	list_release(&s->extra);
	list_release(&s->behind);
	list_release(&s->stale);
	list_release(&s->repaired);
}

void dr_check_free(struct dr_check *chk)
{
	if (!chk)
		return;
	/* the clients first: they cancel every request without callbacks */
	for (size_t i = 0; i < chk->nservers; i++)
		dr_dnsq_free(chk->servers[i].dnsq);
	dr_http_free(chk->http);
	dr_pdnsctl_free(chk->ctl);
	ev_timer_stop(chk->loop, &chk->later);
	for (size_t i = 0; i < chk->nservers; i++)
		server_release(&chk->servers[i]);
	free(chk->servers);
	for (size_t i = 0; i < chk->nzones; i++)
		free(chk->zones[i].name);
	free(chk->zones);
	for (size_t k = 0; k < chk->nsamples; k++) {
		struct sample *x = &chk->samples[k];

		for (size_t i = 0; i < x->nwant; i++)
			free(x->want[i]);
		free(x->want);
		free(x->zone);
		free(x->owner);
		free(x->type);
	}
	free(chk->samples);
	for (size_t k = 0; k < chk->nsigned; k++)
		free(chk->signeds[k]);
	free(chk->signeds);
	for (size_t k = 0; k < chk->nunrect; k++)
		free(chk->unrect[k].zone);
	free(chk->unrect);
	for (size_t i = 0; i < chk->nonly; i++)
		free(chk->only[i]);
	free(chk->only);
	json_decref(chk->config_drift);
	free(chk);
}

/* ---- reports */

static const char *setting(const struct server *s, const char *name, const char *dflt)
{
	json_t *v = s->config ? json_object_get(s->config, name) : NULL;

	return v && json_string_value(v) ? json_string_value(v) : dflt;
}

/* A worker without a control channel cannot be made to forget its DNSSEC
 * key and metadata caches: with signed zones in the check, how long a key
 * change takes to reach it. NULL when that does not apply. Caller frees. */
static char *key_cache_warning(const struct server *s)
{
	const char *keys, *meta;

	if (!s->chk->nsigned || s->control || !s->config_ok)
		return NULL;
	keys = setting(s, "dnssec-key-cache-ttl", "30");
	meta = setting(s, "zone-metadata-cache-ttl", "60");
	if (!strcmp(keys, "0") && !strcmp(meta, "0"))
		return NULL;
	return dr_xasprintf("no control channel: a key change reaches this worker after "
			    "dnssec-key-cache-ttl=%s s plus cache-ttl=%s s, an NSEC3 change after "
			    "zone-metadata-cache-ttl=%s s (give it a control channel)",
			    keys, setting(s, "cache-ttl", "20"), meta);
}

static bool unreachable(const struct server *s)
{
	return !s->api_ok || (s->chk->nzones > 0 && !s->dns_ok);
}

static const char *unreachable_why(const struct server *s)
{
	return !s->api_ok ? s->api_err : s->dns_err;
}

static bool server_drifts(const struct server *s)
{
	return unreachable(s) || s->missing.n || s->extra.n || s->behind.n || s->stale.n ||
	       s->dnssec.n;
}

bool dr_check_drift(const struct dr_check *chk)
{
	for (size_t i = 0; i < chk->nservers; i++)
		if (server_drifts(&chk->servers[i]))
			return true;
	for (size_t k = 0; k < chk->nunrect; k++)
		if (!chk->unrect[k].repaired)
			return true;
	return chk->config_drift && json_array_size(chk->config_drift) > 0;
}

static const char *server_state(const struct server *s)
{
	return unreachable(s) ? "unreachable" : server_drifts(s) ? "drift" : "ok";
}

/* "serial 5", "REFUSED", "no answer" */
static void answer_text(const struct view *v, char *buf, size_t n)
{
	if (v->answer == A_SOA)
		snprintf(buf, n, "serial %u", v->serial);
	else if (v->answer == A_NOSOA)
		snprintf(buf, n, "%s without SOA", rcode_name(v->rcode));
	else
		snprintf(buf, n, "no answer");
}

static json_t *zone_json(const struct dr_check *chk, size_t zi)
{
	const struct zone *z = &chk->zones[zi];

	return json_pack("{s:s, s:o}", "zone", z->name, "serial",
			 z->has_serial ? json_integer(z->serial) : json_null());
}

static json_t *sample_json(const struct server *s, size_t k)
{
	const struct sample *x = &s->chk->samples[k];
	json_t *want = json_array();

	for (size_t i = 0; i < x->nwant; i++)
		json_array_append_new(want, json_string(x->want[i]));
	return json_pack("{s:s, s:s, s:o, s:s}", "name", x->owner, "type", x->type, "database",
			 want, "answer", s->sviews[k].got ? s->sviews[k].got : "");
}

static json_t *server_json(const struct server *s)
{
	const struct dr_check *chk = s->chk;
	json_t *o, *a;
	char buf[64];

	o = json_pack("{s:s, s:s, s:o, s:o}", "name", s->name, "state", server_state(s), "error",
		      unreachable(s) ? json_string(unreachable_why(s)) : json_null(), "zones",
		      s->api_ok ? json_integer((json_int_t)s->napi) : json_null());
	a = json_array();
	for (size_t k = 0; k < s->missing.n; k++)
		json_array_append_new(a, zone_json(chk, s->missing.idx[k]));
	json_object_set_new(o, "missing", a);
	a = json_array();
	for (size_t k = 0; k < s->extra.n; k++) {
		const struct apizone *z = &s->api[s->extra.idx[k]];

		json_array_append_new(a, json_pack("{s:s, s:o}", "zone", z->name, "worker_serial",
						   z->has_serial ? json_integer(z->serial)
								 : json_null()));
	}
	json_object_set_new(o, "extra", a);
	a = json_array();
	for (size_t k = 0; k < s->behind.n; k++) {
		size_t zi = s->behind.idx[k];
		const struct apizone *w = find_apizone(s, chk->zones[zi].name);
		json_t *e = zone_json(chk, zi);

		json_object_set_new(e, "worker_serial", json_integer(w->serial));
		json_object_set_new(e, "lag",
				    json_integer((json_int_t)(uint32_t)(chk->zones[zi].serial -
									 w->serial)));
		json_array_append_new(a, e);
	}
	json_object_set_new(o, "behind", a);
	a = json_array();
	for (size_t k = 0; k < s->stale.n; k++) {
		size_t zi = s->stale.idx[k];
		const struct view *v = &s->views[zi];
		json_t *e = zone_json(chk, zi);

		answer_text(v, buf, sizeof(buf));
		json_object_set_new(e, "answer_serial",
				    v->answer == A_SOA ? json_integer(v->serial) : json_null());
		json_object_set_new(e, "answer", json_string(buf));
		if (v->differs)
			json_object_set_new(e, "rrset", sample_json(s, v->differs - 1));
		json_array_append_new(a, e);
	}
	json_object_set_new(o, "stale", a);
	a = json_array();
	for (size_t k = 0; k < s->repaired.n; k++)
		json_array_append_new(a, zone_json(chk, s->repaired.idx[k]));
	json_object_set_new(o, "repaired", a);
	a = json_array();
	for (size_t k = 0; k < s->dnssec.n; k++) {
		size_t i = s->dnssec.idx[k];

		json_array_append_new(a, json_pack("{s:s, s:s}", "zone", chk->signeds[i], "problem",
						   s->dviews[i].problem));
	}
	json_object_set_new(o, "dnssec", a);
	a = json_array();
	{
		char *w = key_cache_warning(s);

		if (w)
			json_array_append_new(a, json_string(w));
		free(w);
	}
	json_object_set_new(o, "warnings", a);
	return o;
}

json_t *dr_check_json(const struct dr_check *chk)
{
	json_t *servers = json_array(), *unrect = json_array();

	for (size_t i = 0; i < chk->nservers; i++)
		json_array_append_new(servers, server_json(&chk->servers[i]));
	for (size_t k = 0; k < chk->nunrect; k++)
		json_array_append_new(unrect, json_pack("{s:s, s:s, s:I, s:b}", "server", "database",
							"zone", chk->unrect[k].zone, "rows",
							(json_int_t)chk->unrect[k].rows, "repaired",
							chk->unrect[k].repaired));
	return json_pack("{s:b, s:I, s:f, s:o, s:o, s:o}", "clean", !dr_check_drift(chk), "zones",
			 (json_int_t)chk->nzones, "elapsed_s", chk->elapsed, "servers", servers,
			 "config_drift",
			 chk->config_drift ? json_incref(chk->config_drift) : json_array(),
			 "dnssec", unrect);
}

static bool more_lines(size_t k, size_t n, size_t max, const char *server, FILE *out)
{
	if (!max || k < max)
		return true;
	if (k == max)
		fprintf(out, "%s: ... and %zu more\n", server, n - max);
	return false;
}

static void print_findings(const struct server *s, FILE *out, size_t max)
{
	const struct dr_check *chk = s->chk;
	char buf[64];

	if (unreachable(s)) {
		fprintf(out, "%s: unreachable: %s\n", s->name, unreachable_why(s));
		return;
	}
	for (size_t k = 0; k < s->missing.n && more_lines(k, s->missing.n, max, s->name, out); k++)
		fprintf(out, "%s: missing zone '%s.': in the database, unknown to the worker\n",
			s->name, chk->zones[s->missing.idx[k]].name);
	for (size_t k = 0; k < s->extra.n && more_lines(k, s->extra.n, max, s->name, out); k++)
		fprintf(out, "%s: extra zone '%s.': known to the worker, not in the database\n",
			s->name, s->api[s->extra.idx[k]].name);
	for (size_t k = 0; k < s->behind.n && more_lines(k, s->behind.n, max, s->name, out);
	     k++) {
		const struct zone *z = &chk->zones[s->behind.idx[k]];
		const struct apizone *w = find_apizone(s, z->name);

		fprintf(out,
			"%s: behind zone '%s.': serial %u in the worker's database, %u in the "
			"primary (lag %u)\n",
			s->name, z->name, w->serial, z->serial, (uint32_t)(z->serial - w->serial));
	}
	for (size_t k = 0; k < s->stale.n && more_lines(k, s->stale.n, max, s->name, out); k++) {
		const struct zone *z = &chk->zones[s->stale.idx[k]];
		const struct view *v = &s->views[s->stale.idx[k]];

		if (v->differs) {
			const struct sample *x = &chk->samples[v->differs - 1];

			fprintf(out, "%s: stale zone '%s.': %s. %s answers '%s', the database has '",
				s->name, z->name, x->owner, x->type, s->sviews[v->differs - 1].got);
			for (size_t i = 0; i < x->nwant; i++)
				fprintf(out, "%s%s", i ? " | " : "", x->want[i]);
			fprintf(out, "'\n");
			continue;
		}
		answer_text(v, buf, sizeof(buf));
		fprintf(out, "%s: stale zone '%s.': answers %s, its database has serial %u\n",
			s->name, z->name, buf, z->serial);
	}
	for (size_t k = 0; k < s->repaired.n && more_lines(k, s->repaired.n, max, s->name, out);
	     k++)
		fprintf(out, "%s: repaired zone '%s.': purged, now answers serial %u\n", s->name,
			chk->zones[s->repaired.idx[k]].name, chk->zones[s->repaired.idx[k]].serial);
	for (size_t k = 0; k < s->dnssec.n && more_lines(k, s->dnssec.n, max, s->name, out); k++)
		fprintf(out, "%s: dnssec zone '%s.': %s\n", s->name,
			chk->signeds[s->dnssec.idx[k]], s->dviews[s->dnssec.idx[k]].problem);
	{
		char *w = key_cache_warning(s);

		if (w)
			fprintf(out, "%s: warning: %s\n", s->name, w);
		free(w);
	}
}

static void print_count(FILE *out, const struct server *s, size_t n)
{
	if (unreachable(s))
		fprintf(out, " %8s", "-");
	else
		fprintf(out, " %8zu", n);
}

void dr_check_print(const struct dr_check *chk, FILE *out, size_t max_lines)
{
	fprintf(out, "%-16s %-11s %8s %8s %8s %8s %8s %8s\n", "SERVER", "STATE", "ZONES",
		"MISSING", "EXTRA", "BEHIND", "STALE", "REPAIRED");
	for (size_t i = 0; i < chk->nservers; i++) {
		const struct server *s = &chk->servers[i];

		fprintf(out, "%-16s %-11s", s->name, server_state(s));
		print_count(out, s, s->napi);
		print_count(out, s, s->missing.n);
		print_count(out, s, s->extra.n);
		print_count(out, s, s->behind.n);
		print_count(out, s, s->stale.n);
		print_count(out, s, s->repaired.n);
		fputc('\n', out);
	}
	for (size_t i = 0; i < chk->nservers; i++)
		print_findings(&chk->servers[i], out, max_lines);
	for (size_t k = 0; chk->config_drift && k < json_array_size(chk->config_drift); k++) {
		json_t *d = json_array_get(chk->config_drift, k), *v;
		const char *server;

		fprintf(out, "config drift: %s:", json_string_value(json_object_get(d, "setting")));
		json_object_foreach(json_object_get(d, "values"), server, v)
			fprintf(out, " %s='%s'", server, json_string_value(v));
		fputc('\n', out);
	}
	if (chk->nsigned)
		fprintf(out, "dnssec: %zu signed zones, %zu not rectified in the database\n",
			chk->nsigned, chk->nunrect);
	for (size_t k = 0; k < chk->nunrect; k++)
		fprintf(out, "  dnssec database %s.: %lld rows differ from rectify (ordername, auth, "
			     "empty non-terminals)%s\n",
			chk->unrect[k].zone, chk->unrect[k].rows,
			chk->unrect[k].repaired ? ", repaired: rectified" : "");
	fprintf(out, "%s: %zu zones, %zu servers, %.2fs\n",
		dr_check_drift(chk) ? "drift" : "clean", chk->nzones, chk->nservers, chk->elapsed);
}

char *dr_check_summary(const struct dr_check *chk)
{
	struct dr_sbuf sb;

	dr_sbuf_init(&sb);
	dr_sbuf_addf(&sb, "%s: %zu servers, %zu zones, %.2fs",
		     dr_check_drift(chk) ? "drift" : "clean", chk->nservers, chk->nzones,
		     chk->elapsed);
	for (size_t i = 0; i < chk->nservers; i++) {
		const struct server *s = &chk->servers[i];

		if (unreachable(s))
			dr_sbuf_addf(&sb, "; %s unreachable", s->name);
		else if (server_drifts(s))
			dr_sbuf_addf(&sb, "; %s %zu missing, %zu extra, %zu behind, %zu stale, "
				     "%zu dnssec",
				     s->name, s->missing.n, s->extra.n, s->behind.n, s->stale.n,
				     s->dnssec.n);
	}
	if (chk->config_drift && json_array_size(chk->config_drift))
		dr_sbuf_addf(&sb, "; config drift in %zu settings",
			     json_array_size(chk->config_drift));
	return dr_sbuf_detach(&sb);
}
