/* t/302-dnsq-soa.c - dr_dnsq against a real pdns worker and against a fake
 * DNS server served from the same loop: the SOA of a zone inserted by SQL,
 * an unknown zone (REFUSED), a closed port, no answer, a wrong ID before the
 * right one, a truncated answer redone over TCP, garbage, 2,000 queries with
 * max_inflight 100, cancel and free with queries pending. Checks that no
 * callback runs inside dr_dnsq_soa. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <curl/curl.h>
#include <ev.h>
#include <libknot/libknot.h>
#include <libpq-fe.h>

#include "drover/dnsq.h"
#include "drover/util.h"
#include "lib/harness.h"
#include "lib/tap.h"

#define NBULK 2000
#define SERIAL 2024010101u

static struct ev_loop *loop;
static int ncalls;

struct got {
	int calls;
	struct dr_soa_answer ans;
	char *errmsg;
	struct dr_dnsq *free_q; /* freed from inside the callback */
};

static void on_answer(void *ud, const struct dr_soa_answer *ans)
{
	struct got *g = ud;

	ncalls++;
	g->calls++;
	g->ans = *ans;
	free(g->errmsg);
	g->errmsg = dr_xstrdup(ans->errmsg);
	g->ans.errmsg = g->errmsg;
	if (g->free_q) {
		dr_dnsq_free(g->free_q);
		g->free_q = NULL;
	}
}

static void got_release(struct got *g)
{
	free(g->errmsg);
	memset(g, 0, sizeof(*g));
}

static void on_guard(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)revents;
	*(bool *)w->data = true;
}

static bool run_until(const int *counter, int want, double max_s)
{
	bool expired = false;
	ev_timer guard;

	ev_timer_init(&guard, on_guard, max_s, 0.);
	guard.data = &expired;
	ev_timer_start(loop, &guard);
	while ((!counter || *counter < want) && !expired)
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &guard);
	return counter && *counter >= want;
}

static void run_for(double s)
{
	(void)run_until(NULL, 0, s);
}

/* One query, run to its callback. */
static void ask(struct dr_dnsq *q, const char *addr, const char *zone, long timeout_ms,
		struct got *g)
{
	int rc;

	memset(g, 0, sizeof(*g));
	rc = dr_dnsq_soa(q, addr, zone, timeout_ms, on_answer, g);
	if (rc)
		diag("dr_dnsq_soa('%s', '%s'): %d", addr, zone, rc);
	if (g->calls)
		diag("callback ran inside dr_dnsq_soa('%s', '%s')", addr, zone);
	if (!run_until(&g->calls, 1, (double)timeout_ms / 1000.0 + 5))
		diag("no callback for '%s' at '%s'", zone, addr);
}

/* ---- a fake DNS server on 127.0.0.1, UDP and TCP on one port, same loop */

enum fmode { F_SILENT, F_WRONG_ID_FIRST, F_TC, F_GARBAGE };

struct ftcp {
	struct ftcp *next;
	int fd;
	ev_io io;
	uint8_t in[600];
	size_t got;
	struct fake *f;
	bool done;
};

struct fake {
	enum fmode mode;
	int ufd, tfd, port;
	ev_io uio, tio;
	struct ftcp *conns;
	int udp_queries, tcp_queries;
};

/* An answer to the query q (qlen bytes, header + question): the question
 * echoed, QR and AA set, and one SOA for the zone with this serial unless
 * tc. Returns its length. */
static size_t make_answer(const uint8_t *q, size_t qlen, uint8_t *out, uint32_t serial, bool tc,
			  bool garbage)
{
	size_t len = qlen;

	memcpy(out, q, qlen);
	knot_wire_set_qr(out);
	knot_wire_set_aa(out);
	knot_wire_write_u16(out + KNOT_WIRE_OFFSET_ARCOUNT, 0);
	if (tc) {
		knot_wire_set_tc(out);
		return len;
	}
	knot_wire_write_u16(out + KNOT_WIRE_OFFSET_ANCOUNT, 1);
	if (garbage) {
		memcpy(out + len, "\xc0\x0c\x00\x06\x00", 5); /* cut in the middle of an RR */
		return len + 5;
	}
	/* owner: pointer to the question name; SOA IN 3600; mname and rname "." */
	memcpy(out + len, "\xc0\x0c\x00\x06\x00\x01\x00\x00\x0e\x10\x00\x16\x00\x00", 14);
	len += 14;
	knot_wire_write_u32(out + len, serial);
	len += 4;
	for (int i = 0; i < 4; i++, len += 4)
		knot_wire_write_u32(out + len, 3600);
	return len;
}

static void on_fake_udp(struct ev_loop *l, ev_io *w, int revents)
{
	struct fake *f = w->data;
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	uint8_t q[600], a[700];
	ssize_t n;
	size_t alen;

	(void)l;
	(void)revents;
	n = recvfrom(f->ufd, q, sizeof(q), 0, (struct sockaddr *)&from, &flen);
	if (n < KNOT_WIRE_HEADER_SIZE)
		return;
	f->udp_queries++;
	switch (f->mode) {
	case F_SILENT:
		return;
	case F_WRONG_ID_FIRST:
		alen = make_answer(q, (size_t)n, a, 666, false, false);
		knot_wire_set_id(a, knot_wire_get_id(q) ^ 0x5a5a);
		(void)sendto(f->ufd, a, alen, 0, (struct sockaddr *)&from, flen);
		/* then a datagram that is not an answer at all */
		(void)sendto(f->ufd, "junk", 4, 0, (struct sockaddr *)&from, flen);
		alen = make_answer(q, (size_t)n, a, 77, false, false);
		(void)sendto(f->ufd, a, alen, 0, (struct sockaddr *)&from, flen);
		return;
	case F_TC:
		alen = make_answer(q, (size_t)n, a, 0, true, false);
		(void)sendto(f->ufd, a, alen, 0, (struct sockaddr *)&from, flen);
		return;
	case F_GARBAGE:
		alen = make_answer(q, (size_t)n, a, 0, false, true);
		(void)sendto(f->ufd, a, alen, 0, (struct sockaddr *)&from, flen);
		return;
	}
}

static void ftcp_close(struct ftcp *c)
{
	if (c->done)
		return;
	ev_io_stop(loop, &c->io);
	close(c->fd);
	c->done = true;
}

static void on_fake_tcp_conn(struct ev_loop *l, ev_io *w, int revents)
{
	struct ftcp *c = w->data;
	uint8_t a[702];
	ssize_t n;
	size_t need, alen;

	(void)l;
	(void)revents;
	n = read(c->fd, c->in + c->got, sizeof(c->in) - c->got);
	if (n <= 0) {
		if (n == 0 || errno != EAGAIN)
			ftcp_close(c);
		return;
	}
	c->got += (size_t)n;
	if (c->got < 2)
		return;
	need = knot_wire_read_u16(c->in);
	if (need > sizeof(c->in) - 2) {
		ftcp_close(c);
		return;
	}
	if (c->got < 2 + need)
		return;
	c->f->tcp_queries++;
	alen = make_answer(c->in + 2, need, a + 2, 88, false, false);
	knot_wire_write_u16(a, (uint16_t)alen);
	/* in two writes, to exercise reassembly */
	(void)send(c->fd, a, 3, MSG_NOSIGNAL);
	(void)send(c->fd, a + 3, alen - 1, MSG_NOSIGNAL);
	ftcp_close(c);
}

static void on_fake_accept(struct ev_loop *l, ev_io *w, int revents)
{
	struct fake *f = w->data;
	struct ftcp *c;
	int fd;

	(void)l;
	(void)revents;
	fd = accept4(f->tfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	c = dr_xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->f = f;
	ev_io_init(&c->io, on_fake_tcp_conn, fd, EV_READ);
	c->io.data = c;
	ev_io_start(loop, &c->io);
	c->next = f->conns;
	f->conns = c;
}

static void fake_start(struct fake *f, enum fmode mode)
{
	for (int attempt = 0; attempt < 20; attempt++) {
		struct sockaddr_in sin = { .sin_family = AF_INET };
		socklen_t len = sizeof(sin);

		memset(f, 0, sizeof(*f));
		f->mode = mode;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		f->ufd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (f->ufd < 0 || bind(f->ufd, (struct sockaddr *)&sin, sizeof(sin)) ||
		    getsockname(f->ufd, (struct sockaddr *)&sin, &len))
			bail("fake DNS: cannot bind UDP on 127.0.0.1: %s", strerror(errno));
		f->port = ntohs(sin.sin_port);
		/* TCP on the same port number */
		f->tfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (f->tfd >= 0 && !bind(f->tfd, (struct sockaddr *)&sin, sizeof(sin)) &&
		    !listen(f->tfd, 16)) {
			ev_io_init(&f->uio, on_fake_udp, f->ufd, EV_READ);
			f->uio.data = f;
			ev_io_start(loop, &f->uio);
			ev_io_init(&f->tio, on_fake_accept, f->tfd, EV_READ);
			f->tio.data = f;
			ev_io_start(loop, &f->tio);
			return;
		}
		close(f->ufd);
		if (f->tfd >= 0)
			close(f->tfd);
	}
	bail("fake DNS: no port free for both UDP and TCP");
}

static void fake_stop(struct fake *f)
{
	struct ftcp *c;

	ev_io_stop(loop, &f->uio);
	ev_io_stop(loop, &f->tio);
	close(f->ufd);
	close(f->tfd);
	while ((c = f->conns)) {
		f->conns = c->next;
		ftcp_close(c);
		free(c);
	}
}

/* ---- setup: the zone by SQL, then an API flush so the worker knows it */

static void add_zone(struct harness *h)
{
	PGconn *pg = PQconnectdb(harness_get(h, "DROVER_DB"));
	PGresult *res;

	if (PQstatus(pg) != CONNECTION_OK)
		bail("cannot connect to the database: %s", PQerrorMessage(pg));
	res = PQexec(pg, "BEGIN;"
			 "INSERT INTO domains (name, type) VALUES ('dnsq.test', 'NATIVE');"
			 "INSERT INTO records (domain_id, name, type, content, ttl, auth) "
			 "SELECT id, 'dnsq.test', 'SOA', 'ns1.dnsq.test hostmaster.dnsq.test "
			 "2024010101 10800 3600 604800 3600', 3600, true FROM domains "
			 "WHERE name = 'dnsq.test';"
			 "COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		bail("cannot insert zone dnsq.test: %s", PQerrorMessage(pg));
	PQclear(res);
	PQfinish(pg);
}

static size_t discard(char *ptr, size_t size, size_t nmemb, void *ud)
{
	(void)ptr;
	(void)ud;
	return size * nmemb;
}

static void flush_zone(struct harness *h)
{
	struct dr_error err = { 0 };
	struct curl_slist *hdr = NULL;
	char *key = NULL, *header, *url;
	size_t len = 0;
	long status = 0;
	CURLcode cc;
	CURL *c;

	if (dr_read_file(harness_get(h, "W1_API_KEYFILE"), 4096, &key, &len, &err))
		bail("cannot read the API key: %s", err.msg);
	key[strcspn(key, "\r\n")] = '\0';
	header = dr_xasprintf("X-API-Key: %s", key);
	url = dr_xasprintf("%s/api/v1/servers/localhost/cache/flush?domain=dnsq.test.",
			   harness_get(h, "W1_API"));
	hdr = curl_slist_append(hdr, header);
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (cc != CURLE_OK || status != 200)
		bail("cache flush of dnsq.test failed: %s, HTTP %ld", curl_easy_strerror(cc),
		     status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdr);
	explicit_bzero(header, strlen(header));
	explicit_bzero(key, strlen(key));
	free(header);
	free(key);
	free(url);
}

/* ---- 2,000 queries */

static struct got bulk[NBULK];
static int bulk_done;

static void on_bulk(void *ud, const struct dr_soa_answer *ans)
{
	struct got *g = ud;

	bulk_done++;
	g->calls++;
	g->ans = *ans;
	g->ans.errmsg = NULL;
	if (ans->err && !g->errmsg)
		g->errmsg = dr_xstrdup(ans->errmsg);
}

int main(void)
{
	struct harness *h;
	struct dr_dnsq *q;
	struct fake fk;
	struct got g = { 0 }, x = { 0 }, y = { 0 };
	char *closed_addr, *fake_addr;
	const char *dns;
	int base, n, failed;

	h = harness_start("302-dnsq-soa", 302, 1);
	if (!h)
		bail("harness did not start");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	loop = ev_loop_new(EVFLAG_AUTO);
	dns = harness_get(h, "W1_DNS");
	base = atoi(harness_get(h, "PGPORT"));
	closed_addr = dr_xasprintf("127.0.0.1:%d", base + 19); /* in our locked block, unbound */
	add_zone(h);
	flush_zone(h);
	q = dr_dnsq_new(loop, 100);

	ask(q, dns, "dnsq.test", 3000, &g);
	is_int(g.calls, 1, "SOA dnsq.test: one callback");
	is_int(g.ans.err, 0, "SOA dnsq.test: err 0");
	is_str(g.errmsg, "", "SOA dnsq.test: errmsg ''");
	is_int(g.ans.rcode, 0, "SOA dnsq.test: rcode NOERROR");
	ok(g.ans.aa, "SOA dnsq.test: AA set");
	ok(g.ans.has_soa, "SOA dnsq.test: an SOA in the answer");
	is_int(g.ans.serial, SERIAL, "SOA dnsq.test: serial 2024010101");
	ok(g.ans.elapsed_s > 0 && g.ans.elapsed_s < 3, "SOA dnsq.test: elapsed %.4f s",
	   g.ans.elapsed_s);
	got_release(&g);

	ask(q, dns, "DNSQ.Test.", 3000, &g);
	ok(g.ans.err == 0 && g.ans.has_soa && g.ans.serial == SERIAL,
	   "SOA 'DNSQ.Test.' (case, trailing dot): serial %u", (unsigned)g.ans.serial);
	got_release(&g);

	ask(q, dns, "nosuch.test", 3000, &g);
	is_int(g.ans.err, 0, "SOA nosuch.test: err 0 (an answer came)");
	is_int(g.ans.rcode, 5, "SOA nosuch.test: rcode REFUSED");
	ok(!g.ans.has_soa, "SOA nosuch.test: no SOA");
	got_release(&g);

	/* bad input */
	n = ncalls;
	is_int(dr_dnsq_soa(q, "localhost:53", "dnsq.test", 1000, on_answer, &g), DR_EINVAL,
	       "address 'localhost:53' is DR_EINVAL (numeric only)");
	is_int(dr_dnsq_soa(q, "::1:53", "dnsq.test", 1000, on_answer, &g), DR_EINVAL,
	       "address '::1:53' without brackets is DR_EINVAL");
	is_int(dr_dnsq_soa(q, "127.0.0.1:99999", "dnsq.test", 1000, on_answer, &g), DR_EINVAL,
	       "address '127.0.0.1:99999' is DR_EINVAL");
	is_int(dr_dnsq_soa(q, dns, "a..b", 1000, on_answer, &g), DR_EINVAL,
	       "zone 'a..b' is DR_EINVAL");
	is_int(dr_dnsq_soa(q, dns, "", 1000, on_answer, &g), DR_EINVAL, "zone '' is DR_EINVAL");
	is_int(dr_dnsq_soa(q, dns, "dnsq.test", 0, on_answer, &g), DR_EINVAL,
	       "a timeout of 0 ms is DR_EINVAL");
	is_int(dr_dnsq_soa(q, "[::1]:53", "dnsq.test", 1000, NULL, &g), DR_EINVAL,
	       "no callback is DR_EINVAL");
	run_for(0.05);
	is_int(ncalls, n, "no callback for a query refused with DR_EINVAL");
	is_int((long long)dr_dnsq_pending(q), 0, "nothing pending after bad input");

	/* a closed port: ICMP port unreachable comes back as ECONNREFUSED */
	ask(q, closed_addr, "dnsq.test", 2000, &g);
	is_int(g.ans.err, DR_ECONNECT, "closed port %s: DR_ECONNECT", closed_addr);
	like(g.errmsg, closed_addr, "closed port: message names the address ('%s')", g.errmsg);
	ok(g.ans.elapsed_s < 1.5, "closed port: before the deadline (%.3f s)", g.ans.elapsed_s);
	got_release(&g);

	fake_start(&fk, F_SILENT);
	fake_addr = dr_xasprintf("127.0.0.1:%d", fk.port);
	ask(q, fake_addr, "dnsq.test", 300, &g);
	is_int(g.ans.err, DR_ECONNECT, "no answer: DR_ECONNECT");
	like(g.errmsg, "300 ms", "no answer: '%s'", g.errmsg);
	ok(g.ans.elapsed_s >= 0.28 && g.ans.elapsed_s < 1.5,
	   "no answer: after the 300 ms deadline (%.3f s)", g.ans.elapsed_s);
	is_int(fk.udp_queries, 1, "no answer: one datagram, no retry");
	got_release(&g);

	fk.mode = F_WRONG_ID_FIRST;
	ask(q, fake_addr, "dnsq.test", 2000, &g);
	is_int(g.ans.err, 0, "wrong ID first: err 0");
	is_int(g.ans.serial, 77, "wrong ID first: the answer with the right ID is taken");
	got_release(&g);

	fk.mode = F_TC;
	fk.udp_queries = 0;
	ask(q, fake_addr, "dnsq.test", 2000, &g);
	is_int(g.ans.err, 0, "truncated: err 0");
	ok(g.ans.has_soa, "truncated: an SOA over TCP");
	is_int(g.ans.serial, 88, "truncated: the serial from the TCP answer");
	is_int(fk.udp_queries, 1, "truncated: one UDP query");
	is_int(fk.tcp_queries, 1, "truncated: then one TCP query");
	got_release(&g);

	fk.mode = F_GARBAGE;
	ask(q, fake_addr, "dnsq.test", 2000, &g);
	is_int(g.ans.err, DR_EINVAL, "garbage answer: DR_EINVAL");
	like(g.errmsg, "malformed", "garbage answer: '%s'", g.errmsg);
	got_release(&g);

	/* 2,000 at once, at most 100 in flight */
	{
		int good = 0, shown = 0;
		double t0 = ev_time();

		memset(bulk, 0, sizeof(bulk));
		for (int i = 0; i < NBULK; i++)
			if (dr_dnsq_soa(q, dns, "dnsq.test", 5000, on_bulk, &bulk[i]))
				diag("bulk query %d did not start", i);
		is_int((long long)dr_dnsq_pending(q), NBULK, "%d queries pending", NBULK);
		is_int(bulk_done, 0, "no callback while queueing %d queries", NBULK);
		ok(run_until(&bulk_done, NBULK, 40), "%d queries all answered", NBULK);
		diag("%d queries in %.3f s", bulk_done, ev_time() - t0);
		for (int i = 0; i < NBULK; i++) {
			if (bulk[i].calls == 1 && bulk[i].ans.err == 0 && bulk[i].ans.has_soa &&
			    bulk[i].ans.serial == SERIAL)
				good++;
			else if (shown++ < 5)
				diag("bulk %d: calls %d err %d serial %u errmsg '%s'", i,
				     bulk[i].calls, bulk[i].ans.err, (unsigned)bulk[i].ans.serial,
				     bulk[i].errmsg ? bulk[i].errmsg : "");
			free(bulk[i].errmsg);
		}
		is_int(good, NBULK, "%d queries: each exactly once with serial 2024010101", NBULK);
		is_int((long long)dr_dnsq_pending(q), 0, "pending back to 0");
	}

	/* cancel: queued and in flight */
	{
		struct dr_dnsq *q1 = dr_dnsq_new(loop, 2);

		fk.mode = F_SILENT;
		n = ncalls;
		for (int i = 0; i < 5; i++)
			if (dr_dnsq_soa(q1, fake_addr, "dnsq.test", 300, on_answer, &x))
				diag("cancel: query %d did not start", i);
		if (dr_dnsq_soa(q1, dns, "dnsq.test", 3000, on_answer, &y))
			diag("cancel: the other query did not start");
		is_int((long long)dr_dnsq_pending(q1), 6, "cancel: 6 pending on max_inflight 2");
		dr_dnsq_cancel(q1, &x);
		is_int((long long)dr_dnsq_pending(q1), 1, "cancel: 1 left");
		ok(run_until(&y.calls, 1, 5), "cancel: the other query still answered (it was "
		   "queued behind the cancelled ones)");
		is_int(y.ans.serial, SERIAL, "cancel: with the right serial");
		run_for(0.5);
		is_int(x.calls, 0, "cancel: no callback for the cancelled queries");
		is_int(ncalls, n + 1, "cancel: only the other query called back");
		got_release(&y);

		/* free with queries in flight and queued */
		for (int i = 0; i < 5; i++)
			if (dr_dnsq_soa(q1, fake_addr, "dnsq.test", 300, on_answer, &x) ||
			    dr_dnsq_soa(q1, dns, "dnsq.test", 300, on_answer, &x))
				diag("free: a query did not start");
		run_for(0.002);
		n = ncalls;
		dr_dnsq_free(q1);
		dr_dnsq_free(NULL);
		run_for(0.5);
		is_int(ncalls, n, "free with queries pending: no callback afterwards");
		got_release(&x);
	}

	/* dr_dnsq_free from inside a callback, with queries in flight and queued */
	{
		struct dr_dnsq *q2 = dr_dnsq_new(loop, 2);

		fk.mode = F_SILENT;
		memset(&x, 0, sizeof(x));
		memset(&y, 0, sizeof(y));
		y.free_q = q2;
		if (dr_dnsq_soa(q2, dns, "dnsq.test", 3000, on_answer, &y) ||
		    dr_dnsq_soa(q2, fake_addr, "dnsq.test", 300, on_answer, &x) ||
		    dr_dnsq_soa(q2, fake_addr, "dnsq.test", 300, on_answer, &x))
			diag("free in callback: a query did not start");
		ok(run_until(&y.calls, 1, 5), "free in callback: the first query answered");
		run_for(0.5);
		is_int(x.calls, 0, "free in callback: no callback for the others");
		got_release(&x);
		got_release(&y);
	}

	fake_stop(&fk);
	dr_dnsq_free(q);
	ev_loop_destroy(loop);
	curl_global_cleanup();
	free(closed_addr);
	free(fake_addr);
	failed = done_testing();
	harness_stop(h, failed);
	return failed;
}
