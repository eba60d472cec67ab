/* src/pdnsctl.c - PowerDNS's control channel on the daemon's libev loop.
 * See include/drover/pdnsctl.h.
 * Owns one struct creq per command: its socket, an ev_io, a deadline timer
 * and a "kick" timer, the bytes to send (secret included, wiped on free) and
 * the reply read so far. Runs on the loop given to dr_pdnsctl_new().
 * Protocol (pdns 4.7): connect, send "COMMAND\n" (unix socket) or
 * "SECRET\nCOMMAND\n" (TCP), read until the worker closes.
 * At most PER_ADDR_MAX connections per address at once, the rest queued in
 * order: pdns answers one connection at a time from a listen queue of 10, and
 * a TCP connect beyond it is dropped and retried by the kernel a second
 * later (measured: 50 at once took 1.9 s over TCP against 0.04 s queued here).
 * The deadline counts from dr_pdnsctl_send(), queueing included.
 * How it stays safe:
 * - dr_pdnsctl_send() never calls back: a connect() that fails at once is
 *   recorded and reported by the kick timer (0 s) from the loop.
 * - A finished command is unlinked and its watchers stopped before its
 *   callback runs; it is freed after the callback returns, so the callback
 *   may send or cancel. dr_pdnsctl_free() from inside a callback cancels
 *   everything at once and frees the rest when the callback has returned.
 * - Addresses are numeric: no name lookup (it would block the loop).
 * - A unix socket whose listen queue is full refuses a non-blocking connect
 *   with EAGAIN (it cannot be waited for with poll), so that connect is
 *   retried on the kick timer, 1 ms doubling to 50 ms, within the deadline. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "drover/addr.h"
#include "drover/pdnsctl.h"
#include "drover/util.h"
#include "banned.h"

#define REPLY_MAX (8u * 1024 * 1024)
#define RETRY_MAX_S 0.05
#define PER_ADDR_MAX 8
#define WRONG_SECRET "Wrong password"

enum cstate { ST_QUEUED, ST_CONNECT, ST_WRITE, ST_READ };

struct creq {
	struct creq *prev, *next; /* c->head .. c->tail, in the order sent */
	struct dr_pdnsctl *c;
	int fd;
	enum cstate state;
	ev_io io;
	ev_timer deadline;
	ev_timer kick;            /* deferred failure, or unix connect retry */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char *address;            /* as given: the key of the per-address limit */
	char *where;              /* "'/path'" or "'127.0.0.1:53000'", for messages */
	char *out;                /* [SECRET "\n"] COMMAND "\n"; wiped on free */
	size_t out_len, out_off;
	struct dr_sbuf in;
	int fail_err;             /* set: the kick timer reports fail_msg */
	char *fail_msg;
	double retry_s;
	long timeout_ms;
	dr_pdnsctl_cb cb;
	void *ud;
};

struct dr_pdnsctl {
	struct ev_loop *loop;
	struct creq *head, *tail;
	size_t n;
	int depth;    /* callbacks on the stack */
	bool free_me; /* dr_pdnsctl_free() was called from a callback */
};

static void link_req(struct dr_pdnsctl *c, struct creq *r)
{
	r->next = NULL;
	r->prev = c->tail;
	if (c->tail)
		c->tail->next = r;
	else
		c->head = r;
	c->tail = r;
	c->n++;
}

static void unlink_req(struct dr_pdnsctl *c, struct creq *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		c->head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		c->tail = r->prev;
	r->prev = r->next = NULL;
	c->n--;
}

/* Stop the watchers and close the socket: nothing of r is left on the loop. */
static void req_stop(struct creq *r)
{
	struct ev_loop *loop = r->c->loop;

	ev_io_stop(loop, &r->io);
	ev_timer_stop(loop, &r->deadline);
	ev_timer_stop(loop, &r->kick);
	if (r->fd >= 0) {
		close(r->fd);
		r->fd = -1;
	}
}

static void req_free(struct creq *r)
{
	if (r->out) {
		explicit_bzero(r->out, r->out_len);
		free(r->out);
	}
	free(r->address);
	free(r->where);
	free(r->fail_msg);
	dr_sbuf_release(&r->in);
	free(r);
}

static void drop_all(struct dr_pdnsctl *c)
{
	struct creq *r;

	while ((r = c->head)) {
		unlink_req(c, r);
		req_stop(r);
		req_free(r);
	}
}

static void watch(struct creq *r, int events)
{
	ev_io_stop(r->c->loop, &r->io);
	ev_io_set(&r->io, r->fd, events);
	ev_io_start(r->c->loop, &r->io);
}

/* Start connecting. Returns 0 (connected or in progress: the io watcher is
 * armed), 1 for a full unix listen queue (retry later) or an errno. */
static int try_connect(struct creq *r)
{
	r->state = ST_CONNECT;
	r->fd = socket(r->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->fd < 0)
		return errno;
	if (connect(r->fd, (struct sockaddr *)&r->addr, r->addrlen) == 0) {
		r->state = ST_WRITE;
	} else if (errno != EINPROGRESS) {
		int e = errno;

		close(r->fd);
		r->fd = -1;
		return (e == EAGAIN && r->addr.ss_family == AF_UNIX) ? 1 : e;
	}
	watch(r, EV_WRITE);
	return 0;
}

/* Leave the queue: connect, or arrange for a retry or a deferred failure. */
static void start(struct creq *r)
{
	int rc = try_connect(r);

	if (rc == 1) {
		ev_timer_set(&r->kick, r->retry_s, 0.);
		ev_timer_start(r->c->loop, &r->kick);
	} else if (rc) {
		/* reported from the loop, never from inside the caller's call */
		r->fail_err = DR_ECONNECT;
		r->fail_msg = dr_xasprintf("cannot connect to %s: %s", r->where, strerror(rc));
		ev_timer_set(&r->kick, 0., 0.);
		ev_timer_start(r->c->loop, &r->kick);
	}
}

static size_t active_for(const struct dr_pdnsctl *c, const char *address)
{
	size_t n = 0;

	for (const struct creq *r = c->head; r; r = r->next)
		if (r->state != ST_QUEUED && !strcmp(r->address, address))
			n++;
	return n;
}

/* Start the oldest queued commands to address while there is room. */
static void promote(struct dr_pdnsctl *c, const char *address)
{
	size_t active = active_for(c, address);

	for (struct creq *r = c->head; r && active < PER_ADDR_MAX; r = r->next) {
		if (r->state == ST_QUEUED && !strcmp(r->address, address)) {
			start(r);
			active++;
		}
	}
}

/* Hand the outcome to the caller and free r afterwards. */
static void finish(struct creq *r, int err, const char *errmsg)
{
	struct dr_pdnsctl *c = r->c;
	const char *reply = "";

	unlink_req(c, r);
	req_stop(r);
	promote(c, r->address);
	if (!err)
		reply = dr_sbuf_str(&r->in); /* trailing newline dropped in done_reading */
	c->depth++;
	r->cb(r->ud, err, reply, err ? errmsg : "");
	c->depth--;
	req_free(r);
	if (c->depth == 0 && c->free_me)
		free(c);
}

static void fail_errno(struct creq *r, const char *what, int e)
{
	char *msg = dr_xasprintf("%s %s: %s", what, r->where, strerror(e));

	finish(r, DR_ECONNECT, msg);
	free(msg);
}

/* The worker closed: its reply is complete. pdns 4.7 answers a wrong TCP
 * secret with exactly "Wrong password" and runs nothing: that is a refusal,
 * not an answer (a caller ignoring the text would take it for success). */
static void done_reading(struct creq *r)
{
	char *msg;

	while (r->in.len && (r->in.buf[r->in.len - 1] == '\n' || r->in.buf[r->in.len - 1] == '\r'))
		r->in.buf[--r->in.len] = '\0';
	if (r->addr.ss_family != AF_UNIX && !strcmp(dr_sbuf_str(&r->in), WRONG_SECRET)) {
		msg = dr_xasprintf("%s refused the control secret (it answered '%s')", r->where,
				   WRONG_SECRET);
		finish(r, DR_EREFUSED, msg);
		free(msg);
		return;
	}
	finish(r, 0, "");
}

static void on_kick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct creq *r = w->data;
	int rc;

	(void)loop;
	(void)revents;
	if (r->fail_err) {
		finish(r, r->fail_err, r->fail_msg);
		return;
	}
	rc = try_connect(r);
	if (rc == 1) {
		r->retry_s = r->retry_s * 2 > RETRY_MAX_S ? RETRY_MAX_S : r->retry_s * 2;
		ev_timer_set(&r->kick, r->retry_s, 0.);
		ev_timer_start(r->c->loop, &r->kick);
	} else if (rc) {
		fail_errno(r, "cannot connect to", rc);
	}
}

static void on_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
	static const char *const doing[] = {
		[ST_QUEUED] = "queued for",
		[ST_CONNECT] = "connecting to",
		[ST_WRITE] = "sending to",
		[ST_READ] = "waiting for the reply of",
	};
	struct creq *r = w->data;
	char *msg;

	(void)loop;
	(void)revents;
	msg = dr_xasprintf("timeout %s %s after %ld ms", doing[r->state], r->where,
			   r->timeout_ms);
	finish(r, DR_ECONNECT, msg);
	free(msg);
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct creq *r = w->data;
	char buf[65536];
	socklen_t len;
	ssize_t n;
	int e = 0;

	(void)loop;
	(void)revents;
	switch (r->state) {
	case ST_QUEUED:
		return;
	case ST_CONNECT:
		len = sizeof(e);
		if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
			e = errno;
		if (e) {
			fail_errno(r, "cannot connect to", e);
			return;
		}
		r->state = ST_WRITE;
		/* connected, and the socket is writable: send now */
		/* fall through */
	case ST_WRITE:
		while (r->out_off < r->out_len) {
			n = send(r->fd, r->out + r->out_off, r->out_len - r->out_off, MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					return;
				if (errno == EINTR)
					continue;
				fail_errno(r, "cannot send to", errno);
				return;
			}
			r->out_off += (size_t)n;
		}
		r->state = ST_READ;
		watch(r, EV_READ);
		return;
	case ST_READ:
		for (;;) {
			n = read(r->fd, buf, sizeof(buf));
			if (n > 0 && (size_t)n > REPLY_MAX - r->in.len) {
				char *msg = dr_xasprintf("reply from %s too large (over %u bytes)",
							 r->where, REPLY_MAX);

				finish(r, DR_ECONNECT, msg);
				free(msg);
				return;
			}
			if (n > 0) {
				dr_sbuf_add(&r->in, buf, (size_t)n);
				continue;
			}
			if (n == 0) {
				done_reading(r);
				return;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				fail_errno(r, "reading the reply of", errno);
			return;
		}
	}
}

/* Parse "/path" (the unix socket), else a numeric "IP:PORT". */
static int parse_address(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	if (s[0] == '/') {
		struct sockaddr_un *sun = (struct sockaddr_un *)ss;
		size_t n = strlen(s);

		memset(ss, 0, sizeof(*ss));
		if (n >= sizeof(sun->sun_path))
			return DR_EINVAL;
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, s, n + 1);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
		return 0;
	}
	return dr_addr_parse(s, ss, len);
}

struct dr_pdnsctl *dr_pdnsctl_new(struct ev_loop *loop)
{
	struct dr_pdnsctl *c = dr_xcalloc(1, sizeof(*c));

	c->loop = loop;
	return c;
}

void dr_pdnsctl_free(struct dr_pdnsctl *c)
{
	if (!c || c->free_me)
		return;
	drop_all(c);
	if (c->depth > 0)
		c->free_me = true; /* inside a callback: freed when it returns */
	else
		free(c);
}

int dr_pdnsctl_send(struct dr_pdnsctl *c, const char *address, const char *secret,
		    const char *command, long timeout_ms, dr_pdnsctl_cb cb, void *ud)
{
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	struct creq *r;

	if (!address || !command || !*command || !cb || timeout_ms <= 0 ||
	    strpbrk(command, "\r\n") || parse_address(address, &ss, &sslen))
		return DR_EINVAL;
	if (ss.ss_family != AF_UNIX && (!secret || strpbrk(secret, "\r\n")))
		return DR_EINVAL;

	r = dr_xcalloc(1, sizeof(*r));
	r->c = c;
	r->fd = -1;
	r->state = ST_QUEUED;
	r->cb = cb;
	r->ud = ud;
	r->addr = ss;
	r->addrlen = sslen;
	r->address = dr_xstrdup(address);
	r->where = dr_xasprintf("'%s'", address);
	r->retry_s = 0.001;
	r->timeout_ms = timeout_ms;
	dr_sbuf_init(&r->in);
	if (ss.ss_family == AF_UNIX)
		r->out = dr_xasprintf("%s\n", command);
	else
		r->out = dr_xasprintf("%s\n%s\n", secret, command);
	r->out_len = strlen(r->out);
	ev_io_init(&r->io, on_io, 0, EV_WRITE);
	r->io.data = r;
	/* ev_now() is the loop's cached time and may lag: add the lag, so the
	 * deadline is never shorter than asked */
	ev_timer_init(&r->deadline, on_deadline,
		      (double)timeout_ms / 1000.0 + ev_time() - ev_now(c->loop), 0.);
	r->deadline.data = r;
	ev_timer_init(&r->kick, on_kick, 0., 0.);
	r->kick.data = r;
	link_req(c, r);
	ev_timer_start(c->loop, &r->deadline);
	if (active_for(c, address) < PER_ADDR_MAX)
		start(r);
	return 0;
}

void dr_pdnsctl_cancel(struct dr_pdnsctl *c, void *ud)
{
	struct creq *r, *next;
	bool freed_slot = false;

	if (!c)
		return;
	for (r = c->head; r; r = next) {
		next = r->next;
		if (r->ud != ud)
			continue;
		if (r->state != ST_QUEUED)
			freed_slot = true;
		unlink_req(c, r);
		req_stop(r);
		req_free(r);
	}
	/* commands queued behind the cancelled ones may start now */
	for (r = c->head; freed_slot && r; r = r->next)
		if (r->state == ST_QUEUED && active_for(c, r->address) < PER_ADDR_MAX)
			start(r);
}

size_t dr_pdnsctl_inflight(const struct dr_pdnsctl *c)
{
	return c ? c->n : 0;
}
