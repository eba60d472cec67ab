/* t/300-http-loop.c - dr_http (libcurl multi on libev) against a real pdns
 * worker's API and against a fault-injecting HTTP peer served from the same
 * loop: right and wrong key, 20 requests at once, a cache flush, a closed
 * port, a peer that never answers, garbage, a 500, an oversized body, cancel
 * and free with requests in flight. Checks that no callback runs inside
 * dr_http_request and that no error message carries the API key. */
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

#include "drover/http.h"
#include "drover/util.h"
#include "lib/harness.h"
#include "lib/tap.h"

#define HUGE_BODY (5u * 1024 * 1024)

static struct ev_loop *loop;
static int ncalls; /* every callback, all requests */
static char *api_key;
static struct dr_sbuf all_errmsgs; /* every errmsg seen, for the key check */

struct got {
	int calls;
	int err;
	long status;
	char *body;
	char *errmsg;
	double elapsed;
	/* chained request, started from inside the callback */
	struct dr_http *chain_h;
	const char *chain_url;
	struct got *chain;
	struct dr_http *free_h; /* freed from inside the callback (beyond the header's promise) */
};

static void on_result(void *ud, const struct dr_http_result *res)
{
	struct got *g = ud;

	ncalls++;
	g->calls++;
	g->err = res->err;
	g->status = res->status;
	free(g->body);
	free(g->errmsg);
	g->body = dr_xstrndup(res->body, res->body_len);
	g->errmsg = dr_xstrdup(res->errmsg);
	g->elapsed = res->elapsed_s;
	dr_sbuf_addf(&all_errmsgs, "%s\n", res->errmsg);
	if (g->chain_h) {
		int rc = dr_http_request(g->chain_h, "GET", g->chain_url, api_key, NULL, 5000,
					 on_result, g->chain);

		if (rc)
			g->chain->err = 999;
		g->chain_h = NULL;
	}
	if (g->free_h) {
		dr_http_free(g->free_h);
		g->free_h = NULL;
	}
}

static void got_release(struct got *g)
{
	free(g->body);
	free(g->errmsg);
	memset(g, 0, sizeof(*g));
}

static void on_guard(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)revents;
	*(bool *)w->data = true;
}

/* Run the loop until *counter reaches want or max_s passes; true if reached. */
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

/* ---- a fault-injecting HTTP peer on 127.0.0.1, served from the same loop */

enum fmode { F_SILENT, F_GARBAGE, F_500, F_HUGE };

struct fconn {
	struct fconn *next;
	struct fake *f;
	int fd;
	ev_io io;
	struct dr_sbuf in;
	char *out;
	size_t out_len, off;
	bool replying, done;
};

struct fake {
	enum fmode mode;
	int lfd;
	int port;
	ev_io io;
	struct fconn *conns;
	int accepted;
	bool saw_key; /* a request carried "X-API-Key: <key>" */
};

static void fconn_close(struct fconn *c)
{
	if (c->done)
		return;
	ev_io_stop(loop, &c->io);
	close(c->fd);
	c->done = true;
}

static void on_fconn(struct ev_loop *l, ev_io *w, int revents)
{
	struct fconn *c = w->data;
	char buf[4096];
	ssize_t n;

	(void)l;
	if (revents & EV_READ) {
		n = read(c->fd, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EAGAIN)) {
			fconn_close(c);
			return;
		}
		if (n > 0 && !c->replying) {
			dr_sbuf_add(&c->in, buf, (size_t)n);
			if (api_key && strstr(dr_sbuf_str(&c->in), api_key))
				c->f->saw_key = true;
		}
		if (!c->replying && strstr(dr_sbuf_str(&c->in), "\r\n\r\n")) {
			const char *garbage = "this is not HTTP at all\r\n\r\n";
			const char *e500 = "HTTP/1.1 500 Internal Server Error\r\nContent-Type: "
					   "text/plain\r\nContent-Length: 11\r\nConnection: "
					   "close\r\n\r\nfault: boom";

			switch (c->f->mode) {
			case F_SILENT:
				return;
			case F_GARBAGE:
				c->out = dr_xstrdup(garbage);
				c->out_len = strlen(garbage);
				break;
			case F_500:
				c->out = dr_xstrdup(e500);
				c->out_len = strlen(e500);
				break;
			case F_HUGE: {
				char *head = dr_xasprintf("HTTP/1.1 200 OK\r\nContent-Length: "
							  "%u\r\nConnection: close\r\n\r\n",
							  HUGE_BODY);
				size_t hl = strlen(head);

				c->out_len = hl + HUGE_BODY;
				c->out = dr_xmalloc(c->out_len);
				memcpy(c->out, head, hl);
				memset(c->out + hl, 'x', HUGE_BODY);
				free(head);
				break;
			}
			}
			c->replying = true;
			ev_io_stop(loop, &c->io);
			ev_io_set(&c->io, c->fd, EV_READ | EV_WRITE);
			ev_io_start(loop, &c->io);
		}
	}
	if ((revents & EV_WRITE) && c->replying && c->off < c->out_len) {
		n = send(c->fd, c->out + c->off, c->out_len - c->off, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN) {
			fconn_close(c);
			return;
		}
		if (n > 0)
			c->off += (size_t)n;
		if (c->off == c->out_len) {
			shutdown(c->fd, SHUT_WR);
			ev_io_stop(loop, &c->io);
			ev_io_set(&c->io, c->fd, EV_READ);
			ev_io_start(loop, &c->io);
		}
	}
}

static void on_accept(struct ev_loop *l, ev_io *w, int revents)
{
	struct fake *f = w->data;
	struct fconn *c;
	int fd;

	(void)l;
	(void)revents;
	fd = accept4(f->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	f->accepted++;
	c = dr_xcalloc(1, sizeof(*c));
	c->f = f;
	c->fd = fd;
	dr_sbuf_init(&c->in);
	ev_io_init(&c->io, on_fconn, fd, EV_READ);
	c->io.data = c;
	ev_io_start(loop, &c->io);
	c->next = f->conns;
	f->conns = c;
}

static void fake_start(struct fake *f, enum fmode mode)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);

	memset(f, 0, sizeof(*f));
	f->mode = mode;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(f->lfd, 64) || getsockname(f->lfd, (struct sockaddr *)&sin, &len))
		bail("fake peer: cannot listen on 127.0.0.1: %s", strerror(errno));
	f->port = ntohs(sin.sin_port);
	ev_io_init(&f->io, on_accept, f->lfd, EV_READ);
	f->io.data = f;
	ev_io_start(loop, &f->io);
}

static void fake_stop(struct fake *f)
{
	struct fconn *c;

	ev_io_stop(loop, &f->io);
	close(f->lfd);
	while ((c = f->conns)) {
		f->conns = c->next;
		fconn_close(c);
		dr_sbuf_release(&c->in);
		free(c->out);
		free(c);
	}
}

static char *read_key(const char *path)
{
	char *text = NULL;
	size_t len = 0;
	struct dr_error err = { 0 };

	if (dr_read_file(path, 4096, &text, &len, &err))
		bail("cannot read the API key file: %s", err.msg);
	text[strcspn(text, "\r\n")] = '\0';
	return text;
}

int main(void)
{
	struct harness *h;
	struct dr_http *http;
	struct fake silent, garbage, e500, huge;
	struct got g = { 0 }, g2 = { 0 }, par[20], x1 = { 0 }, y1 = { 0 };
	char *server_url, *flush_url, *closed_url, *url;
	int rc, base, n, failed;

	h = harness_start("300-http-loop", 300, 1);
	if (!h)
		bail("harness did not start");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	loop = ev_loop_new(EVFLAG_AUTO);
	dr_sbuf_init(&all_errmsgs);
	api_key = read_key(harness_get(h, "W1_API_KEYFILE"));
	base = atoi(harness_get(h, "PGPORT"));
	server_url = dr_xasprintf("%s/api/v1/servers/localhost", harness_get(h, "W1_API"));
	flush_url = dr_xasprintf("%s/api/v1/servers/localhost/cache/flush?domain=example.org.",
				 harness_get(h, "W1_API"));
	/* our port block is locked by the harness; base + 19 is never bound */
	closed_url = dr_xasprintf("http://127.0.0.1:%d/api/v1/servers/localhost", base + 19);
	http = dr_http_new(loop);

	/* the right key */
	rc = dr_http_request(http, "GET", server_url, api_key, NULL, 5000, on_result, &g);
	is_int(rc, 0, "GET %s starts", server_url);
	is_int(g.calls, 0, "no callback from inside dr_http_request");
	is_int((long long)dr_http_inflight(http, NULL), 1, "one request in flight");
	is_int((long long)dr_http_inflight(http, &g), 1, "one request in flight for its ud");
	ok(run_until(&g.calls, 1, 10), "GET with the right key: callback came");
	is_int(g.err, 0, "GET with the right key: err 0");
	is_int(g.status, 200, "GET with the right key: HTTP 200");
	like(g.body, "authoritative", "GET with the right key: body names the daemon type");
	is_str(g.errmsg, "", "GET with the right key: errmsg is ''");
	ok(g.elapsed > 0 && g.elapsed < 10, "GET with the right key: elapsed %.3f s", g.elapsed);
	is_int((long long)dr_http_inflight(http, NULL), 0, "nothing in flight afterwards");
	got_release(&g);

	/* a wrong key */
	rc = dr_http_request(http, "GET", server_url, "wrong-key", NULL, 5000, on_result, &g);
	is_int(rc, 0, "GET with a wrong key starts");
	ok(run_until(&g.calls, 1, 10), "GET with a wrong key: callback came");
	is_int(g.err, 0, "GET with a wrong key: err 0 (an HTTP answer came)");
	is_int(g.status, 401, "GET with a wrong key: HTTP 401");
	got_release(&g);

	/* 20 at once */
	memset(par, 0, sizeof(par));
	n = ncalls;
	for (int i = 0; i < 20; i++)
		if (dr_http_request(http, "GET", server_url, api_key, NULL, 10000, on_result,
				    &par[i]))
			diag("parallel request %d did not start", i);
	is_int((long long)dr_http_inflight(http, NULL), 20, "20 requests in flight");
	is_int(ncalls, n, "no callback while starting 20 requests");
	n += 20;
	{
		double t0 = ev_time();

		ok(run_until(&ncalls, n, 20), "20 parallel requests: all answered");
		diag("20 parallel requests in %.3f s", ev_time() - t0);
	}
	{
		int good = 0;

		for (int i = 0; i < 20; i++) {
			if (par[i].calls == 1 && par[i].err == 0 && par[i].status == 200 &&
			    strstr(par[i].body, "authoritative"))
				good++;
			else
				diag("request %d: calls %d err %d status %ld errmsg '%s'", i,
				     par[i].calls, par[i].err, par[i].status,
				     par[i].errmsg ? par[i].errmsg : "");
			got_release(&par[i]);
		}
		is_int(good, 20, "20 parallel requests: each exactly once, HTTP 200");
	}
	is_int((long long)dr_http_inflight(http, NULL), 0, "nothing in flight after the 20");

	/* a request started from inside a callback */
	g.chain_h = http;
	g.chain_url = server_url;
	g.chain = &g2;
	rc = dr_http_request(http, "GET", server_url, api_key, NULL, 5000, on_result, &g);
	is_int(rc, 0, "GET that chains a second GET from its callback starts");
	ok(run_until(&g2.calls, 1, 10), "the chained GET was answered");
	is_int(g2.status, 200, "the chained GET: HTTP 200");
	is_int(g.calls, 1, "the first GET: exactly one callback");
	got_release(&g);
	got_release(&g2);

	/* a cache flush */
	rc = dr_http_request(http, "PUT", flush_url, api_key, NULL, 5000, on_result, &g);
	is_int(rc, 0, "PUT %s starts", flush_url);
	ok(run_until(&g.calls, 1, 10), "PUT cache flush: callback came");
	is_int(g.status, 200, "PUT cache flush: HTTP 200");
	like(g.body, "Flushed cache", "PUT cache flush: body says the cache was flushed");
	got_release(&g);

	/* bad input */
	n = ncalls;
	is_int(dr_http_request(http, "FETCH", server_url, api_key, NULL, 1000, on_result, &g),
	       DR_EINVAL, "method 'FETCH' is DR_EINVAL");
	is_int(dr_http_request(http, "GET", "ftp://127.0.0.1/x", api_key, NULL, 1000, on_result,
			       &g),
	       DR_EINVAL, "URL 'ftp://127.0.0.1/x' is DR_EINVAL");
	is_int(dr_http_request(http, "GET", "not a url", api_key, NULL, 1000, on_result, &g),
	       DR_EINVAL, "URL 'not a url' is DR_EINVAL");
	is_int(dr_http_request(http, "GET", server_url, "k\r\nX-Evil: 1", NULL, 1000, on_result,
			       &g),
	       DR_EINVAL, "an API key with a line break is DR_EINVAL");
	is_int(dr_http_request(http, "GET", server_url, api_key, NULL, 0, on_result, &g),
	       DR_EINVAL, "a timeout of 0 ms is DR_EINVAL");
	run_for(0.05);
	is_int(ncalls, n, "no callback for a request refused with DR_EINVAL");
	is_int((long long)dr_http_inflight(http, NULL), 0, "nothing in flight after bad input");

	/* a closed port */
	rc = dr_http_request(http, "GET", closed_url, api_key, NULL, 3000, on_result, &g);
	is_int(rc, 0, "GET %s starts", closed_url);
	is_int(g.calls, 0, "closed port: no callback from inside dr_http_request");
	ok(run_until(&g.calls, 1, 5), "closed port: callback came");
	is_int(g.err, DR_ECONNECT, "closed port: DR_ECONNECT");
	{
		char *port = dr_xasprintf("%d", base + 19);

		like(g.errmsg, port, "closed port: message names port %s", port);
		free(port);
	}
	ok(g.elapsed < 2.5, "closed port: reported at once (%.3f s)", g.elapsed);
	is_int(g.status, 0, "closed port: status 0");
	got_release(&g);

	/* fault-injecting peers */
	fake_start(&silent, F_SILENT);
	fake_start(&garbage, F_GARBAGE);
	fake_start(&e500, F_500);
	fake_start(&huge, F_HUGE);

	url = dr_xasprintf("http://127.0.0.1:%d/api/v1/servers/localhost", silent.port);
	rc = dr_http_request(http, "GET", url, api_key, NULL, 500, on_result, &g);
	is_int(rc, 0, "GET to a peer that never answers starts");
	ok(run_until(&g.calls, 1, 5), "peer that never answers: callback came");
	is_int(g.err, DR_ECONNECT, "peer that never answers: DR_ECONNECT");
	ok(g.elapsed >= 0.45 && g.elapsed < 2.0, "peer that never answers: after the 500 ms "
	   "deadline (%.3f s)", g.elapsed);
	like(g.errmsg, "timed out", "peer that never answers: message says it timed out");
	ok(silent.saw_key, "the peer received the X-API-Key header");
	diag("timeout errmsg: %s", g.errmsg);
	got_release(&g);
	free(url);

	url = dr_xasprintf("http://127.0.0.1:%d/x", garbage.port);
	rc = dr_http_request(http, "GET", url, api_key, NULL, 3000, on_result, &g);
	is_int(rc, 0, "GET to a peer that answers garbage starts");
	ok(run_until(&g.calls, 1, 5), "garbage answer: callback came");
	is_int(g.err, DR_ECONNECT, "garbage answer: DR_ECONNECT (no HTTP answer)");
	ok(g.errmsg && *g.errmsg, "garbage answer: message '%s'", g.errmsg);
	got_release(&g);
	free(url);

	url = dr_xasprintf("http://127.0.0.1:%d/x", e500.port);
	rc = dr_http_request(http, "POST", url, api_key, "{\"a\": 1}", 3000, on_result, &g);
	is_int(rc, 0, "POST to a peer that answers 500 starts");
	ok(run_until(&g.calls, 1, 5), "HTTP 500: callback came");
	is_int(g.err, 0, "HTTP 500: err 0 (an HTTP answer came)");
	is_int(g.status, 500, "HTTP 500: status 500");
	is_str(g.body, "fault: boom", "HTTP 500: the body is passed on");
	got_release(&g);
	free(url);

	url = dr_xasprintf("http://127.0.0.1:%d/x", huge.port);
	rc = dr_http_request(http, "GET", url, api_key, NULL, 10000, on_result, &g);
	is_int(rc, 0, "GET to a peer that sends 5 MiB starts");
	ok(run_until(&g.calls, 1, 15), "5 MiB answer: callback came");
	is_int(g.err, DR_ECONNECT, "5 MiB answer: DR_ECONNECT");
	like(g.errmsg, "answer too large", "5 MiB answer: message says the answer is too large");
	is_int(g.body ? (long long)strlen(g.body) : -1, 0, "5 MiB answer: no body passed on");
	got_release(&g);
	free(url);

	/* at most 8 connections per host and port; curl queues the rest */
	{
		struct got many[12];
		int before = silent.accepted;
		double worst = 0;

		memset(many, 0, sizeof(many));
		url = dr_xasprintf("http://127.0.0.1:%d/x", silent.port);
		n = ncalls;
		for (int i = 0; i < 12; i++)
			if (dr_http_request(http, "GET", url, api_key, NULL, 1500, on_result,
					    &many[i]))
				diag("per-host limit: request %d did not start", i);
		(void)run_until(&silent.accepted, before + 8, 1.2);
		run_for(0.1);
		is_int(silent.accepted - before, 8, "per-host limit: 8 connections to one peer");
		ok(run_until(&ncalls, n + 12, 5), "per-host limit: all 12 called back");
		for (int i = 0; i < 12; i++) {
			if (many[i].elapsed > worst)
				worst = many[i].elapsed;
			if (many[i].err != DR_ECONNECT)
				diag("per-host limit: request %d err %d", i, many[i].err);
			got_release(&many[i]);
		}
		diag("per-host limit: slowest of 12 with a 1500 ms timeout: %.3f s", worst);
		ok(worst < 2.5, "per-host limit: the queued requests' timeout counts from the "
		   "request (slowest %.3f s)", worst);
		free(url);
	}

	/* cancel: x1 to the silent peer and y1 to pdns; cancel x1 only */
	url = dr_xasprintf("http://127.0.0.1:%d/x", silent.port);
	n = ncalls;
	if (dr_http_request(http, "GET", url, api_key, NULL, 300, on_result, &x1) ||
	    dr_http_request(http, "GET", url, api_key, NULL, 300, on_result, &x1) ||
	    dr_http_request(http, "GET", server_url, api_key, NULL, 5000, on_result, &y1))
		diag("cancel: a request did not start");
	run_for(0.05); /* let the connections open */
	is_int((long long)dr_http_inflight(http, &x1), 2, "cancel: two requests for ud x");
	dr_http_cancel(http, &x1);
	is_int((long long)dr_http_inflight(http, &x1), 0, "cancel: none left for ud x");
	ok(run_until(&y1.calls, 1, 5), "cancel: the other ud's request still answered");
	run_for(0.6); /* past the cancelled requests' 300 ms timeout */
	is_int(x1.calls, 0, "cancel: no callback for the cancelled requests");
	is_int(ncalls, n + 1, "cancel: only the other request called back");
	got_release(&y1);
	free(url);

	/* free with requests in flight, fresh and with open connections */
	{
		struct dr_http *h2 = dr_http_new(loop);
		char *u = dr_xasprintf("http://127.0.0.1:%d/x", silent.port);

		n = ncalls;
		for (int i = 0; i < 3; i++)
			if (dr_http_request(h2, "GET", u, api_key, NULL, 300, on_result, &g) ||
			    dr_http_request(h2, "GET", server_url, api_key, NULL, 300, on_result,
					    &g))
				diag("free: a request did not start");
		dr_http_free(h2);
		run_for(0.6);
		is_int(ncalls, n, "free at once: no callback");
		h2 = dr_http_new(loop);
		for (int i = 0; i < 3; i++)
			if (dr_http_request(h2, "GET", u, api_key, NULL, 300, on_result, &g) ||
			    dr_http_request(h2, "PUT", flush_url, api_key, NULL, 300, on_result,
					    &g))
				diag("free: a request did not start");
		run_for(0.02);
		is_int((long long)dr_http_inflight(h2, NULL) + (ncalls - n), 6,
		       "free: six requests started on a second dr_http");
		n = ncalls;
		dr_http_free(h2);
		dr_http_free(NULL);
		run_for(0.6);
		is_int(ncalls, n, "free: no callback after dr_http_free");
		got_release(&g);
		free(u);
	}

	/* the header forbids dr_http_free in a callback; it is still deferred safely */
	{
		struct dr_http *h3 = dr_http_new(loop);
		char *u = dr_xasprintf("http://127.0.0.1:%d/x", silent.port);

		memset(&g, 0, sizeof(g));
		memset(&g2, 0, sizeof(g2));
		g.free_h = h3;
		if (dr_http_request(h3, "GET", server_url, api_key, NULL, 5000, on_result, &g) ||
		    dr_http_request(h3, "GET", u, api_key, NULL, 300, on_result, &g2) ||
		    dr_http_request(h3, "GET", u, api_key, NULL, 300, on_result, &g2))
			diag("free in callback: a request did not start");
		ok(run_until(&g.calls, 1, 5), "free in callback: the first request answered");
		run_for(0.5);
		is_int(g2.calls, 0, "free in callback: no callback for the others");
		got_release(&g);
		got_release(&g2);
		free(u);
	}

	ok(!strstr(dr_sbuf_str(&all_errmsgs), api_key), "no errmsg carries the API key");
	fake_stop(&silent);
	fake_stop(&garbage);
	fake_stop(&e500);
	fake_stop(&huge);

	dr_http_free(http);
	run_for(0.01);
	ev_loop_destroy(loop);
	curl_global_cleanup();
	explicit_bzero(api_key, strlen(api_key));
	free(api_key);
	free(server_url);
	free(flush_url);
	free(closed_url);
	dr_sbuf_release(&all_errmsgs);
	failed = done_testing();
	harness_stop(h, failed);
	return failed;
}
