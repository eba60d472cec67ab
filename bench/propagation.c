/* bench/propagation.c - time from COMMIT until every worker answers the
 * change over DNS. For each sample it makes one change (an UPDATE by raw
 * SQL, `drover rrset replace`, a PATCH through worker 1's API, or a new
 * zone by raw SQL), takes the moment the change is acknowledged as t0,
 * then asks every worker for the zone's SOA (libev + drover's dnsq) every
 * --interval ms until each answers the committed serial (the capture
 * triggers bump it in the same transaction). A sample is the slowest
 * worker's time. --parallel makes every change first and then polls them
 * all (for the long baselines without drover). Prints one JSON object. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include <ev.h>
#include <libpq-fe.h>

#include "drover/dnsq.h"
#include "drover/http.h"
#include "drover/pdnsctl.h"
#include "drover/util.h"

#define MAXW 8

struct probe {
	int sample, worker;
	double done_ms; /* < 0 while pending */
};

static struct {
	const char *mode, *db, *drover, *api, *api_key, *prefix, *control, *secret;
	const char *workers[MAXW];
	int nworkers, samples, zones;
	double interval_ms, timeout_s;
	int parallel;
	PGconn *conn;
	struct ev_loop *loop;
	struct dr_dnsq *dnsq;
	double *t0;
	unsigned *serial;
	struct probe *probes;
	int npending;
	ev_timer retry[4096];
} B;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *what)
{
	fprintf(stderr, "propagation: %s\n", what);
	exit(2);
}

/* First line of a file: secrets never travel on the command line. */
static const char *read_secret(const char *path)
{
	struct dr_error err;
	char *text = NULL;

	if (dr_read_file(path, 4096, &text, NULL, &err))
		die(err.msg);
	text[strcspn(text, "\r\n")] = '\0';
	return text;
}

static PGresult *sql(const char *q, int n, const char *const *p)
{
	PGresult *r = PQexecParams(B.conn, q, n, NULL, p, NULL, NULL, 0);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "propagation: %s", PQerrorMessage(B.conn));
		exit(2);
	}
	return r;
}

static unsigned zone_serial(const char *zone)
{
	const char *p[1] = { zone };
	PGresult *r = sql("SELECT split_part(content, ' ', 3) FROM records WHERE name = $1"
			  " AND type = 'SOA'",
			  1, p);
	unsigned s = PQntuples(r) ? (unsigned)strtoul(PQgetvalue(r, 0, 0), NULL, 10) : 0;

	PQclear(r);
	return s;
}

static void run_drover(const char *zone, const char *value)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(126);
		execl(B.drover, B.drover, "rrset", "replace", zone, "www", "A", "300", value, "--db",
		      B.db, "--config", "/dev/null", (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		die("drover rrset replace failed");
}

static size_t discard(char *p, size_t s, size_t n, void *u)
{
	(void)p;
	(void)u;
	return s * n;
}

static void run_api(const char *zone, const char *value)
{
	char url[512], body[512], hdr[300];
	struct curl_slist *h = NULL;
	long status = 0;
	CURL *c = curl_easy_init();

	snprintf(url, sizeof(url), "%s/api/v1/servers/localhost/zones/%s.", B.api, zone);
	snprintf(body, sizeof(body),
		 "{\"rrsets\": [{\"name\": \"www.%s.\", \"type\": \"A\", \"ttl\": 300, \"changetype\":"
		 " \"REPLACE\", \"records\": [{\"content\": \"%s\", \"disabled\": false}]}]}",
		 zone, value);
	snprintf(hdr, sizeof(hdr), "X-API-Key: %s", B.api_key);
	h = curl_slist_append(h, hdr);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PATCH");
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	if (curl_easy_perform(c) != CURLE_OK)
		die("API PATCH failed");
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status != 204)
		die("API PATCH did not answer 204");
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}

/* Make sample i's change; record t0 and the serial to wait for. */
static void change(int i)
{
	char zone[128], value[32];
	const char *p[3];
	PGresult *r;

	snprintf(zone, sizeof(zone), "%s%d.bench", B.prefix, i % B.zones);
	snprintf(value, sizeof(value), "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
	if (!strcmp(B.mode, "sql")) {
		char owner[160];

		snprintf(owner, sizeof(owner), "www.%s", zone);
		p[0] = value;
		p[1] = owner;
		PQclear(sql("UPDATE records SET content = $1 WHERE name = $2 AND type = 'A'", 2, p));
	} else if (!strcmp(B.mode, "drover")) {
		run_drover(zone, value);
	} else if (!strcmp(B.mode, "api")) {
		run_api(zone, value);
	} else if (!strcmp(B.mode, "newzone")) {
		snprintf(zone, sizeof(zone), "%snew%d-%ld.bench", B.prefix, i, (long)getpid());
		p[0] = zone;
		PQclear(sql("BEGIN", 0, NULL));
		r = sql("INSERT INTO domains (name, type) VALUES ($1::text, 'NATIVE') RETURNING id", 1, p);
		p[1] = PQgetvalue(r, 0, 0);
		PQclear(sql("INSERT INTO records (domain_id, name, type, content, ttl) VALUES"
			    " ($2::int, $1::text, 'SOA', 'ns1.' || $1::text || ' hostmaster.' || $1::text ||"
			    " ' 2024010101 10800 3600 604800 3600', 3600)",
			    2, p));
		PQclear(r);
		PQclear(sql("COMMIT", 0, NULL));
	} else {
		die("unknown --mode");
	}
	B.t0[i] = now_ms();
	B.serial[i] = zone_serial(zone);
}

static const char *sample_zone(int i, char *buf, size_t n)
{
	if (!strcmp(B.mode, "newzone"))
		snprintf(buf, n, "%snew%d-%ld.bench", B.prefix, i, (long)getpid());
	else
		snprintf(buf, n, "%s%d.bench", B.prefix, i % B.zones);
	return buf;
}

static void ask(struct probe *pr);

static void retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	ask(w->data);
}

static void answer_cb(void *ud, const struct dr_soa_answer *a)
{
	struct probe *pr = ud;
	unsigned want = B.serial[pr->sample];
	double t = now_ms();

	if (a->err == 0 && a->has_soa && (a->serial == want || (int)(a->serial - want) > 0)) {
		pr->done_ms = t - B.t0[pr->sample];
		if (--B.npending == 0)
			ev_break(B.loop, EVBREAK_ALL);
		return;
	}
	if (t - B.t0[pr->sample] > B.timeout_s * 1e3) {
		pr->done_ms = -2; /* timed out */
		if (--B.npending == 0)
			ev_break(B.loop, EVBREAK_ALL);
		return;
	}
	{
		ev_timer *w = &B.retry[(pr - B.probes) % 4096];

		ev_timer_init(w, retry_cb, B.interval_ms / 1e3, 0);
		w->data = pr;
		ev_timer_start(B.loop, w);
	}
}

static void ask(struct probe *pr)
{
	char zone[160];

	if (dr_dnsq_soa(B.dnsq, B.workers[pr->worker], sample_zone(pr->sample, zone, sizeof(zone)),
			1000, answer_cb, pr))
		die("bad worker address");
}

static void poll_samples(int from, int to)
{
	for (int i = from; i < to; i++)
		for (int w = 0; w < B.nworkers; w++) {
			struct probe *pr = &B.probes[i * B.nworkers + w];

			pr->sample = i;
			pr->worker = w;
			pr->done_ms = -1;
			B.npending++;
			ask(pr);
		}
	ev_run(B.loop, 0);
}

static void prime_cb(void *ud, const struct dr_soa_answer *a)
{
	(void)ud;
	(void)a;
	if (--B.npending == 0)
		ev_break(B.loop, EVBREAK_ALL);
}

/* Ask every worker for every existing zone once, so the old answer is in
 * their caches before the changes (the stale window starts full). */
static void prime(void)
{
	char zone[160];

	if (!strcmp(B.mode, "newzone")) {
		for (int i = 0; i < B.samples; i++) /* the REFUSED answer gets cached too */
			for (int w = 0; w < B.nworkers; w++)
				if (dr_dnsq_soa(B.dnsq, B.workers[w],
						sample_zone(i, zone, sizeof(zone)), 1000, prime_cb,
						NULL) == 0)
					B.npending++;
	} else {
		for (int i = 0; i < B.samples && i < B.zones; i++)
			for (int w = 0; w < B.nworkers; w++)
				if (dr_dnsq_soa(B.dnsq, B.workers[w],
						sample_zone(i, zone, sizeof(zone)), 1000, prime_cb,
						NULL) == 0)
					B.npending++;
	}
	if (B.npending)
		ev_run(B.loop, 0);
}

/* ---- the floor: one purge on one worker, sequentially, in process */

static double floor_t0, *floor_lat;
static int floor_i, floor_fail;
static struct dr_http *floor_http;
static struct dr_pdnsctl *floor_ctl;

static void floor_next(void);

static void floor_ctl_cb(void *ud, int err, const char *reply, const char *errmsg)
{
	(void)ud;
	(void)reply;
	(void)errmsg;
	floor_fail += err != 0;
	floor_lat[floor_i++] = now_ms() - floor_t0;
	floor_next();
}

static void floor_http_cb(void *ud, const struct dr_http_result *r)
{
	(void)ud;
	floor_fail += r->err != 0 || r->status != 200;
	floor_lat[floor_i++] = now_ms() - floor_t0;
	floor_next();
}

static void floor_next(void)
{
	char url[300];
	int rc;

	if (floor_i == B.samples) {
		ev_break(B.loop, EVBREAK_ALL);
		return;
	}
	floor_t0 = now_ms();
	if (!strcmp(B.mode, "floor-ctl")) {
		rc = dr_pdnsctl_send(floor_ctl, B.control, B.secret, "purge p0.bench$", 2000,
				     floor_ctl_cb, NULL);
	} else {
		snprintf(url, sizeof(url), "%s/api/v1/servers/localhost/cache/flush?domain=p0.bench.",
			 B.api);
		rc = dr_http_request(floor_http, "PUT", url, B.api_key, NULL, 5000, floor_http_cb,
				     NULL);
	}
	if (rc)
		die("cannot start a purge");
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	double *lat;
	int n = 0, timeouts = 0, over1s = 0;
	char *wlist = NULL;

	B.mode = "sql";
	B.samples = 200;
	B.zones = 20;
	B.interval_ms = 1;
	B.timeout_s = 30;
	B.prefix = "p";
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (!strcmp(k, "--mode")) B.mode = v;
		else if (!strcmp(k, "--db")) B.db = v;
		else if (!strcmp(k, "--drover")) B.drover = v;
		else if (!strcmp(k, "--api")) B.api = v;
		else if (!strcmp(k, "--api-key-file")) B.api_key = read_secret(v);
		else if (!strcmp(k, "--workers")) wlist = dr_xstrdup(v);
		else if (!strcmp(k, "--samples")) B.samples = atoi(v);
		else if (!strcmp(k, "--zones")) B.zones = atoi(v);
		else if (!strcmp(k, "--prefix")) B.prefix = v;
		else if (!strcmp(k, "--interval-ms")) B.interval_ms = atof(v);
		else if (!strcmp(k, "--timeout-s")) B.timeout_s = atof(v);
		else if (!strcmp(k, "--parallel")) B.parallel = atoi(v);
		else if (!strcmp(k, "--control")) B.control = v;
		else if (!strcmp(k, "--secret-file")) B.secret = read_secret(v);
		else die("unknown option");
	}
	if (!B.db || !wlist || B.samples < 1)
		die("usage: propagation --db CONNINFO --workers A,B,C --mode sql|drover|api|newzone");
	for (char *s = strtok(wlist, ","); s && B.nworkers < MAXW; s = strtok(NULL, ","))
		B.workers[B.nworkers++] = s;
	if (B.samples * B.nworkers > 4096)
		die("at most 4096 samples x workers");
	B.conn = PQconnectdb(B.db);
	if (PQstatus(B.conn) != CONNECTION_OK)
		die("cannot connect to the database");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	B.loop = EV_DEFAULT;
	B.dnsq = dr_dnsq_new(B.loop, 256);
	B.t0 = dr_xcalloc((size_t)B.samples, sizeof(double));
	B.serial = dr_xcalloc((size_t)B.samples, sizeof(unsigned));
	B.probes = dr_xcalloc((size_t)B.samples * (size_t)B.nworkers, sizeof(struct probe));
	if (!strncmp(B.mode, "floor-", 6)) {
		floor_lat = dr_xcalloc((size_t)B.samples, sizeof(double));
		floor_http = dr_http_new(B.loop);
		floor_ctl = dr_pdnsctl_new(B.loop);
		floor_next();
		ev_run(B.loop, 0);
		n = floor_i;
		qsort(floor_lat, (size_t)n, sizeof(double), cmp);
		printf("{\"mode\": \"%s\", \"samples\": %d, \"answered\": %d, \"timeouts\": %d,"
		       " \"over_1s\": 0, \"min_ms\": %.3f, \"p50_ms\": %.3f, \"p95_ms\": %.3f,"
		       " \"p99_ms\": %.3f, \"max_ms\": %.3f}\n",
		       B.mode, B.samples, n - floor_fail, floor_fail, floor_lat[0],
		       floor_lat[(int)((n - 1) * 0.5)], floor_lat[(int)((n - 1) * 0.95)],
		       floor_lat[(int)((n - 1) * 0.99)], floor_lat[n - 1]);
		dr_http_free(floor_http);
		dr_pdnsctl_free(floor_ctl);
		free(floor_lat);
		return floor_fail ? 1 : 0;
	}
	if (B.parallel) {
		prime();
		for (int i = 0; i < B.samples; i++)
			change(i);
		poll_samples(0, B.samples);
	} else {
		for (int i = 0; i < B.samples; i++) {
			change(i);
			poll_samples(i, i + 1);
		}
	}
	lat = dr_xcalloc((size_t)B.samples, sizeof(double));
	for (int i = 0; i < B.samples; i++) {
		double worst = 0;
		bool lost = false;

		for (int w = 0; w < B.nworkers; w++) {
			double d = B.probes[i * B.nworkers + w].done_ms;

			if (d < 0)
				lost = true;
			else if (d > worst)
				worst = d;
		}
		if (lost) {
			timeouts++;
			continue;
		}
		if (worst > 1000)
			over1s++;
		lat[n++] = worst;
	}
	qsort(lat, (size_t)n, sizeof(double), cmp);
#define PCT(p) (n ? lat[(int)((double)(n - 1) * (p))] : -1)
	printf("{\"mode\": \"%s\", \"samples\": %d, \"answered\": %d, \"timeouts\": %d,"
	       " \"over_1s\": %d, \"min_ms\": %.2f, \"p50_ms\": %.2f, \"p95_ms\": %.2f,"
	       " \"p99_ms\": %.2f, \"max_ms\": %.2f}\n",
	       B.mode, B.samples, n, timeouts, over1s, n ? lat[0] : -1, PCT(0.50), PCT(0.95),
	       PCT(0.99), n ? lat[n - 1] : -1);
	dr_dnsq_free(B.dnsq);
	PQfinish(B.conn);
	free(lat);
	free(wlist);
	free(B.t0);
	free(B.serial);
	free(B.probes);
	curl_global_cleanup();
	return timeouts ? 1 : 0;
}
