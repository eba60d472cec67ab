/* t/301-pdnsctl-loop.c - dr_pdnsctl against a real pdns worker's control
 * channel, over its unix socket and over TCP with the secret: version, purge,
 * an unknown command, a wrong secret, a missing socket, a closed port, a peer
 * that accepts and never answers, 50 commands at once on each transport,
 * cancel and free with commands in flight. Checks that no callback runs
 * inside dr_pdnsctl_send and that no error message carries the secret. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <ev.h>

#include "drover/pdnsctl.h"
#include "drover/util.h"
#include "lib/harness.h"
#include "lib/tap.h"

#define NPAR 50

static struct ev_loop *loop;
static int ncalls;
static struct dr_sbuf all_errmsgs;

struct got {
	int calls;
	int err;
	char *reply;
	char *errmsg;
	ev_tstamp started, done;
	struct dr_pdnsctl *free_c; /* freed from inside the callback */
};

static void on_reply(void *ud, int err, const char *reply, const char *errmsg)
{
	struct got *g = ud;

	ncalls++;
	g->calls++;
	g->err = err;
	free(g->reply);
	free(g->errmsg);
	g->reply = dr_xstrdup(reply ? reply : "(null)");
	g->errmsg = dr_xstrdup(errmsg ? errmsg : "(null)");
	g->done = ev_time();
	dr_sbuf_addf(&all_errmsgs, "%s\n", g->errmsg);
	if (g->free_c) {
		dr_pdnsctl_free(g->free_c);
		g->free_c = NULL;
	}
}

static void got_release(struct got *g)
{
	free(g->reply);
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

static bool all_digits(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* One command, run to its callback. */
static void send_one(struct dr_pdnsctl *c, const char *addr, const char *secret, const char *cmd,
		     long timeout_ms, struct got *g)
{
	int rc;

	memset(g, 0, sizeof(*g));
	g->started = ev_time();
	rc = dr_pdnsctl_send(c, addr, secret, cmd, timeout_ms, on_reply, g);
	if (rc)
		diag("send '%s' to '%s': %d", cmd, addr, rc);
	if (g->calls)
		diag("callback ran inside dr_pdnsctl_send ('%s' to '%s')", cmd, addr);
	if (!run_until(&g->calls, 1, (double)timeout_ms / 1000.0 + 5))
		diag("no callback for '%s' to '%s'", cmd, addr);
}

/* A TCP peer on 127.0.0.1 that accepts and never answers; fds kept to the end. */
struct silent {
	int lfd, port, fds[64], nfds;
	ev_io io;
};

static void on_accept(struct ev_loop *l, ev_io *w, int revents)
{
	struct silent *s = w->data;
	int fd;

	(void)l;
	(void)revents;
	fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (s->nfds < 64)
		s->fds[s->nfds++] = fd;
	else
		close(fd);
}

static void silent_start(struct silent *s)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);

	memset(s, 0, sizeof(*s));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(s->lfd, 64) || getsockname(s->lfd, (struct sockaddr *)&sin, &len))
		bail("silent peer: cannot listen on 127.0.0.1: %s", strerror(errno));
	s->port = ntohs(sin.sin_port);
	ev_io_init(&s->io, on_accept, s->lfd, EV_READ);
	s->io.data = s;
	ev_io_start(loop, &s->io);
}

static void silent_stop(struct silent *s)
{
	ev_io_stop(loop, &s->io);
	close(s->lfd);
	for (int i = 0; i < s->nfds; i++)
		close(s->fds[i]);
}

static char *read_secret(const char *path)
{
	char *text = NULL;
	size_t len = 0;
	struct dr_error err = { 0 };

	if (dr_read_file(path, 4096, &text, &len, &err))
		bail("cannot read the control secret file: %s", err.msg);
	text[strcspn(text, "\r\n")] = '\0';
	return text;
}

/* 50 `version` commands at once on one transport. */
static void parallel(struct dr_pdnsctl *c, const char *addr, const char *secret, const char *what)
{
	static struct got par[NPAR];
	int n = ncalls, good = 0;
	double t0 = ev_time();

	memset(par, 0, sizeof(par));
	for (int i = 0; i < NPAR; i++)
		if (dr_pdnsctl_send(c, addr, secret, "version", 10000, on_reply, &par[i]))
			diag("%s: command %d did not start", what, i);
	is_int((long long)dr_pdnsctl_inflight(c), NPAR, "%s: %d commands in flight", what, NPAR);
	is_int(ncalls, n, "%s: no callback while sending", what);
	ok(run_until(&ncalls, n + NPAR, 20), "%s: %d commands at once all answered", what, NPAR);
	for (int i = 0; i < NPAR; i++) {
		if (par[i].calls == 1 && par[i].err == 0 && !strncmp(par[i].reply, "4.7", 3))
			good++;
		else if (good + 3 > i)
			diag("%s: command %d: calls %d err %d reply '%s' errmsg '%s'", what, i,
			     par[i].calls, par[i].err, par[i].reply ? par[i].reply : "",
			     par[i].errmsg ? par[i].errmsg : "");
		got_release(&par[i]);
	}
	is_int(good, NPAR, "%s: each exactly once with the version", what);
	diag("%s: %d commands in %.3f s", what, NPAR, ev_time() - t0);
	is_int((long long)dr_pdnsctl_inflight(c), 0, "%s: nothing in flight afterwards", what);
}

int main(void)
{
	struct harness *h;
	struct dr_pdnsctl *c;
	struct silent sil;
	struct got g = { 0 }, x = { 0 }, y = { 0 };
	char *secret, *unix_path, *missing_path, *closed_addr, *silent_addr;
	const char *tcp_addr;
	int base, n, failed;

	h = harness_start("301-pdnsctl-loop", 301, 1);
	if (!h)
		bail("harness did not start");
	loop = ev_loop_new(EVFLAG_AUTO);
	dr_sbuf_init(&all_errmsgs);
	secret = read_secret(harness_get(h, "W1_CONTROL_SECRETFILE"));
	base = atoi(harness_get(h, "PGPORT"));
	unix_path = dr_xasprintf("%s/pdns.controlsocket", harness_get(h, "W1_SOCKDIR"));
	missing_path = dr_xasprintf("%s/no-such.controlsocket", harness_get(h, "W1_SOCKDIR"));
	tcp_addr = harness_get(h, "W1_CONTROL");
	closed_addr = dr_xasprintf("127.0.0.1:%d", base + 19); /* in our locked block, unbound */
	c = dr_pdnsctl_new(loop);

	send_one(c, unix_path, NULL, "version", 5000, &g);
	is_int(g.calls, 1, "version over the unix socket: one callback");
	is_int(g.err, 0, "version over the unix socket: err 0");
	ok(g.reply && !strncmp(g.reply, "4.7", 3), "version over the unix socket: '%s' starts "
	   "with 4.7", g.reply ? g.reply : "");
	is_str(g.errmsg, "", "version over the unix socket: errmsg ''");
	got_release(&g);

	send_one(c, tcp_addr, secret, "version", 5000, &g);
	is_int(g.err, 0, "version over TCP with the secret: err 0");
	ok(g.reply && !strncmp(g.reply, "4.7", 3), "version over TCP: '%s' starts with 4.7",
	   g.reply ? g.reply : "");
	ok(g.reply && !strchr(g.reply, '\n'), "version over TCP: trailing newline dropped");
	got_release(&g);

	send_one(c, unix_path, NULL, "purge example.org$", 5000, &g);
	is_int(g.err, 0, "purge example.org$ over the unix socket: err 0");
	ok(all_digits(g.reply), "purge example.org$ over the unix socket: a number ('%s')",
	   g.reply ? g.reply : "");
	got_release(&g);

	send_one(c, tcp_addr, secret, "purge example.org$", 5000, &g);
	is_int(g.err, 0, "purge example.org$ over TCP: err 0");
	ok(all_digits(g.reply), "purge example.org$ over TCP: a number ('%s')",
	   g.reply ? g.reply : "");
	got_release(&g);

	send_one(c, unix_path, NULL, "ping", 5000, &g);
	is_int(g.err, 0, "ping without the guardian: err 0 (the caller judges the text)");
	like(g.reply, "Unknown command", "ping without the guardian: '%s'", g.reply);
	got_release(&g);

	/* pdns 4.7 answers a wrong secret with "Wrong password", runs nothing and
	 * closes; dr_pdnsctl makes that a refusal, not a reply */
	send_one(c, tcp_addr, "not-the-secret", "version", 5000, &g);
	diag("wrong secret: err %d reply '%s' errmsg '%s'", g.err, g.reply, g.errmsg);
	is_int(g.calls, 1, "wrong secret: one callback");
	is_int(g.err, DR_EREFUSED, "wrong secret: DR_EREFUSED");
	like(g.errmsg, "refused the control secret", "wrong secret: '%s'", g.errmsg);
	like(g.errmsg, "Wrong password", "wrong secret: message quotes pdns's answer");
	is_str(g.reply, "", "wrong secret: reply ''");
	got_release(&g);
	got_release(&g);

	/* bad input, never a callback */
	n = ncalls;
	is_int(dr_pdnsctl_send(c, "nohost:53000", secret, "version", 1000, on_reply, &g),
	       DR_EINVAL, "address 'nohost:53000' is DR_EINVAL (numeric only)");
	is_int(dr_pdnsctl_send(c, "127.0.0.1", secret, "version", 1000, on_reply, &g), DR_EINVAL,
	       "address '127.0.0.1' without a port is DR_EINVAL");
	is_int(dr_pdnsctl_send(c, "127.0.0.1:0", secret, "version", 1000, on_reply, &g),
	       DR_EINVAL, "address '127.0.0.1:0' is DR_EINVAL");
	is_int(dr_pdnsctl_send(c, "relative/pdns.controlsocket", NULL, "version", 1000, on_reply,
			       &g),
	       DR_EINVAL, "a relative socket path is DR_EINVAL");
	is_int(dr_pdnsctl_send(c, tcp_addr, NULL, "version", 1000, on_reply, &g), DR_EINVAL,
	       "TCP without a secret is DR_EINVAL");
	is_int(dr_pdnsctl_send(c, unix_path, NULL, "version\nrediscover", 1000, on_reply, &g),
	       DR_EINVAL, "a command with a line break is DR_EINVAL");
	is_int(dr_pdnsctl_send(c, "[::1]:53000", secret, "", 1000, on_reply, &g), DR_EINVAL,
	       "an empty command is DR_EINVAL");
	is_int(dr_pdnsctl_send(c, unix_path, NULL, "version", 0, on_reply, &g), DR_EINVAL,
	       "a timeout of 0 ms is DR_EINVAL");
	run_for(0.05);
	is_int(ncalls, n, "no callback for a command refused with DR_EINVAL");
	is_int((long long)dr_pdnsctl_inflight(c), 0, "nothing in flight after bad input");

	send_one(c, missing_path, NULL, "version", 3000, &g);
	is_int(g.err, DR_ECONNECT, "missing socket path: DR_ECONNECT");
	like(g.errmsg, "No such file", "missing socket path: '%s'", g.errmsg);
	like(g.errmsg, missing_path, "missing socket path: message names the path");
	is_str(g.reply, "", "missing socket path: reply ''");
	got_release(&g);

	send_one(c, closed_addr, secret, "version", 3000, &g);
	is_int(g.err, DR_ECONNECT, "closed TCP port %s: DR_ECONNECT", closed_addr);
	like(g.errmsg, "refused", "closed TCP port: '%s'", g.errmsg);
	like(g.errmsg, closed_addr, "closed TCP port: message names the address");
	ok(g.done - g.started < 1.0, "closed TCP port: reported at once (%.3f s)",
	   g.done - g.started);
	got_release(&g);

	silent_start(&sil);
	silent_addr = dr_xasprintf("127.0.0.1:%d", sil.port);
	send_one(c, silent_addr, secret, "version", 400, &g);
	is_int(g.err, DR_ECONNECT, "peer that never answers: DR_ECONNECT");
	like(g.errmsg, "timeout", "peer that never answers: '%s'", g.errmsg);
	ok(g.done - g.started >= 0.38 && g.done - g.started < 1.5,
	   "peer that never answers: after the 400 ms deadline (%.3f s)", g.done - g.started);
	ok(sil.nfds >= 1, "peer that never answers: it accepted the connection");
	got_release(&g);

	/* a unix listener whose queue is full refuses with EAGAIN: retried until the deadline */
	{
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		struct got full[6];
		char *path = dr_xasprintf("%s/full.sock", harness_get(h, "HARNESS_DIR"));
		int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), waiting = 0, bad = 0;

		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
		if (lfd < 0 || bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) || listen(lfd, 1))
			bail("cannot listen on '%s': %s", path, strerror(errno));
		memset(full, 0, sizeof(full));
		n = ncalls;
		for (int i = 0; i < 6; i++)
			if (dr_pdnsctl_send(c, path, NULL, "version", 300, on_reply, &full[i]))
				diag("full queue: command %d did not start", i);
		ok(run_until(&ncalls, n + 6, 5), "full unix listen queue: all 6 called back");
		for (int i = 0; i < 6; i++) {
			if (full[i].err != DR_ECONNECT || !strstr(full[i].errmsg, "timeout"))
				bad++;
			if (full[i].errmsg && strstr(full[i].errmsg, "timeout connecting"))
				waiting++;
			got_release(&full[i]);
		}
		is_int(bad, 0, "full unix listen queue: each a DR_ECONNECT timeout, never EAGAIN");
		ok(waiting >= 1, "full unix listen queue: %d kept retrying the connect", waiting);
		close(lfd);
		unlink(path);
		free(path);
	}

	/* at most 8 connections per address; the rest wait in order */
	{
		struct got first[8], later = { 0 };
		int before = sil.nfds;

		memset(first, 0, sizeof(first));
		n = ncalls;
		for (int i = 0; i < 8; i++)
			if (dr_pdnsctl_send(c, silent_addr, secret, "version", 300, on_reply,
					    &first[i]))
				diag("per-address limit: command %d did not start", i);
		for (int i = 0; i < 4; i++)
			if (dr_pdnsctl_send(c, silent_addr, secret, "version", 5000, on_reply,
					    &later))
				diag("per-address limit: later command %d did not start", i);
		run_for(0.15);
		is_int(sil.nfds - before, 8, "per-address limit: 8 connections to one address");
		is_int((long long)dr_pdnsctl_inflight(c), 12, "per-address limit: 12 in flight");
		ok(run_until(&ncalls, n + 8, 5), "per-address limit: the first 8 timed out");
		run_for(0.15);
		is_int(sil.nfds - before, 12, "per-address limit: then the 4 queued connected");
		is_int(later.calls, 0, "per-address limit: and are still waiting for a reply");
		dr_pdnsctl_cancel(c, &later);
		for (int i = 0; i < 8; i++)
			got_release(&first[i]);
	}

	parallel(c, unix_path, NULL, "unix socket");
	parallel(c, tcp_addr, secret, "TCP");

	/* a command sent from inside a callback is fine: covered by cancel below */
	n = ncalls;
	if (dr_pdnsctl_send(c, silent_addr, secret, "version", 300, on_reply, &x) ||
	    dr_pdnsctl_send(c, silent_addr, secret, "version", 300, on_reply, &x) ||
	    dr_pdnsctl_send(c, unix_path, NULL, "version", 5000, on_reply, &y))
		diag("cancel: a command did not start");
	is_int((long long)dr_pdnsctl_inflight(c), 3, "cancel: three in flight");
	run_for(0.02);
	dr_pdnsctl_cancel(c, &x);
	ok(run_until(&y.calls, 1, 5), "cancel: the other command still answered");
	run_for(0.5);
	is_int(x.calls, 0, "cancel: no callback for the cancelled commands");
	is_int(ncalls, n + 1, "cancel: only the other command called back");
	is_int((long long)dr_pdnsctl_inflight(c), 0, "cancel: nothing in flight");
	got_release(&y);

	{
		struct dr_pdnsctl *c2 = dr_pdnsctl_new(loop);

		n = ncalls;
		for (int i = 0; i < 3; i++)
			if (dr_pdnsctl_send(c2, silent_addr, secret, "version", 300, on_reply,
					    &x) ||
			    dr_pdnsctl_send(c2, unix_path, NULL, "version", 300, on_reply, &x) ||
			    dr_pdnsctl_send(c2, missing_path, NULL, "version", 300, on_reply, &x))
				diag("free: a command did not start");
		run_for(0.005);
		n = ncalls;
		dr_pdnsctl_free(c2);
		dr_pdnsctl_free(NULL);
		run_for(0.5);
		is_int(ncalls, n, "free with commands in flight: no callback afterwards");
		got_release(&x);
	}

	/* dr_pdnsctl_free from inside a callback, with commands in flight */
	{
		struct dr_pdnsctl *c3 = dr_pdnsctl_new(loop);

		memset(&x, 0, sizeof(x));
		memset(&y, 0, sizeof(y));
		y.free_c = c3;
		if (dr_pdnsctl_send(c3, unix_path, NULL, "version", 5000, on_reply, &y) ||
		    dr_pdnsctl_send(c3, silent_addr, secret, "version", 300, on_reply, &x) ||
		    dr_pdnsctl_send(c3, silent_addr, secret, "version", 300, on_reply, &x))
			diag("free in callback: a command did not start");
		ok(run_until(&y.calls, 1, 5), "free in callback: the first command answered");
		run_for(0.5);
		is_int(x.calls, 0, "free in callback: no callback for the others");
		got_release(&x);
		got_release(&y);
	}

	ok(!strstr(dr_sbuf_str(&all_errmsgs), secret), "no errmsg carries the control secret");

	silent_stop(&sil);
	dr_pdnsctl_free(c);
	ev_loop_destroy(loop);
	explicit_bzero(secret, strlen(secret));
	free(secret);
	free(unix_path);
	free(missing_path);
	free(closed_addr);
	free(silent_addr);
	dr_sbuf_release(&all_errmsgs);
	failed = done_testing();
	harness_stop(h, failed);
	return failed;
}
