/* src/dnsq.c - SOA (and rrset) queries to workers over DNS on a libev loop.
 * See include/drover/dnsq.h.
 * Owns every struct query: queued ones in a FIFO, in-flight ones with their
 * socket, ev_io, deadline timer and "kick" timer. Wire format is built and
 * parsed with libknot. Runs on the loop given to dr_dnsq_new().
 * A query: a new non-blocking UDP socket connect()ed to the worker, a random
 * ID, RD off, no retry. Datagrams with another ID, or that are not answers
 * to our question, are ignored (late or forged). A matching answer with TC
 * set is asked again over TCP (2-byte length prefix); over TCP a reply that
 * does not match is an error. ICMP port unreachable (ECONNREFUSED on the
 * connected socket) ends the query at once as DR_ECONNECT.
 * How it stays safe:
 * - dr_dnsq_soa() never calls back: it queues, then starts what fits; a
 *   start that fails at once is recorded and reported by the kick timer (0 s).
 * - A finished query is unlinked and its watchers stopped before its callback
 *   runs, and freed after the callback returns; then the queue advances. The
 *   callback may ask or cancel. dr_dnsq_free() from a callback cancels all at
 *   once and frees the rest when the callback has returned.
 * - The deadline counts from when the query leaves the queue. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <libknot/libknot.h>

#include "drover/addr.h"
#include "drover/dnsq.h"
#include "drover/util.h"
#include "banned.h"

#define UDP_MAX 65535
#define EDNS_PAYLOAD 1232 /* the DNS flag day 2020 size: larger answers come over TCP */

enum qstate { Q_QUEUED, Q_UDP, Q_TCP_CONNECT, Q_TCP_WRITE, Q_TCP_READ };

struct query {
	struct query *prev, *next; /* q->inflight, or the queue */
	struct dr_dnsq *q;
	enum qstate state;
	int fd;
	ev_io io;
	ev_timer deadline;
	ev_timer kick; /* reports a failure recorded in fail_err/fail_msg */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char *where; /* "'127.0.0.1:5300'" */
	char *zone;  /* as asked, for messages */
	uint8_t qname[KNOT_DNAME_MAXLEN];
	uint16_t qtype; /* SOA, or the type dr_dnsq_rrset asked */
	bool dnssec;    /* EDNS0 with the DO bit; the answer carries the reply */
	uint8_t wire[2 + KNOT_WIRE_MIN_PKTSIZE]; /* TCP length prefix, then the query */
	size_t qlen;
	uint16_t id;
	size_t out_off;      /* TCP: bytes of wire sent */
	uint8_t lenbuf[2];   /* TCP: answer length prefix */
	size_t len_got;
	uint8_t *tcp_ans;    /* TCP: answer, tcp_len bytes */
	size_t tcp_len, tcp_got;
	int fail_err;
	char *fail_msg;
	long timeout_ms;
	ev_tstamp started;
	dr_dnsq_cb cb;
	void *ud;
};

struct qlist {
	struct query *head, *tail;
	size_t n;
};

struct dr_dnsq {
	struct ev_loop *loop;
	size_t max_inflight;
	struct qlist inflight, queue;
	int depth;    /* callbacks on the stack */
	bool free_me; /* dr_dnsq_free() was called from a callback */
};

static void ql_append(struct qlist *l, struct query *r)
{
	r->next = NULL;
	r->prev = l->tail;
	if (l->tail)
		l->tail->next = r;
	else
		l->head = r;
	l->tail = r;
	l->n++;
}

static void ql_remove(struct qlist *l, struct query *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		l->head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		l->tail = r->prev;
	r->prev = r->next = NULL;
	l->n--;
}

static void close_fd(struct query *r)
{
	ev_io_stop(r->q->loop, &r->io);
	if (r->fd >= 0) {
		close(r->fd);
		r->fd = -1;
	}
}

static void query_stop(struct query *r)
{
	close_fd(r);
	ev_timer_stop(r->q->loop, &r->deadline);
	ev_timer_stop(r->q->loop, &r->kick);
}

static void query_free(struct query *r)
{
	free(r->where);
	free(r->zone);
	free(r->fail_msg);
	free(r->tcp_ans);
	free(r);
}

/* Unlink, stop and free every query with this ud (all when all is set). */
static void drop(struct dr_dnsq *q, bool all, const void *ud)
{
	struct qlist *lists[] = { &q->inflight, &q->queue };

	for (size_t i = 0; i < 2; i++) {
		struct query *r, *next;

		for (r = lists[i]->head; r; r = next) {
			next = r->next;
			if (!all && r->ud != ud)
				continue;
			ql_remove(lists[i], r);
			query_stop(r);
			query_free(r);
		}
	}
}

static void destroy(struct dr_dnsq *q)
{
	drop(q, true, NULL);
	free(q);
}

static void watch(struct query *r, int events)
{
	ev_io_stop(r->q->loop, &r->io);
	ev_io_set(&r->io, r->fd, events);
	ev_io_start(r->q->loop, &r->io);
}

static void pump(struct dr_dnsq *q);

/* Hand the outcome to the caller, free r afterwards, then advance the queue. */
static void finish(struct query *r, struct dr_soa_answer *ans)
{
	struct dr_dnsq *q = r->q;

	ql_remove(&q->inflight, r);
	query_stop(r);
	ans->elapsed_s = ev_time() - r->started;
	if (!ans->errmsg)
		ans->errmsg = "";
	q->depth++;
	r->cb(r->ud, ans);
	q->depth--;
	query_free(r);
	if (q->depth == 0 && q->free_me)
		destroy(q);
	else if (!q->free_me)
		pump(q);
}

static void fail(struct query *r, int err, const char *msg)
{
	struct dr_soa_answer ans = { .err = err, .errmsg = msg };

	finish(r, &ans);
}

static void failf(struct query *r, int err, const char *fmt, ...) DR_PRINTF(3, 4);
static void failf(struct query *r, int err, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fail(r, err, buf);
}

/* Record a failure found while starting, to be reported from the loop. */
static void defer_fail(struct query *r, int e, const char *what)
{
	close_fd(r);
	r->fail_err = DR_ECONNECT;
	r->fail_msg = dr_xasprintf("%s %s: %s", what, r->where, strerror(e));
	ev_timer_stop(r->q->loop, &r->deadline);
	ev_timer_set(&r->kick, 0., 0.);
	ev_timer_start(r->q->loop, &r->kick);
}

static uint16_t random_id(void)
{
	static uint16_t fallback;
	uint16_t id;

	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != (ssize_t)sizeof(id))
		id = (uint16_t)((uint32_t)(ev_time() * 1e6) ^ (uint32_t)(++fallback * 40503u));
	return id;
}

/* Build the query (random ID, RD off) into r->wire + 2, with its TCP length prefix. */
static int build_query(struct query *r)
{
	knot_pkt_t *pkt = knot_pkt_new(NULL, KNOT_WIRE_MIN_PKTSIZE, NULL);
	int rc;

	if (!pkt)
		dr_oom();
	r->id = random_id();
	knot_wire_set_id(pkt->wire, r->id);
	rc = knot_pkt_put_question(pkt, r->qname, KNOT_CLASS_IN, r->qtype);
	if (rc == KNOT_EOK && r->dnssec) {
		knot_rrset_t opt;

		rc = knot_edns_init(&opt, EDNS_PAYLOAD, 0, 0, &pkt->mm);
		if (rc == KNOT_EOK) {
			knot_edns_set_do(&opt);
			rc = knot_pkt_begin(pkt, KNOT_ADDITIONAL);
			if (rc == KNOT_EOK)
				rc = knot_pkt_put(pkt, 0, &opt, KNOT_PF_FREE);
			else
				knot_rrset_clear(&opt, &pkt->mm);
		}
	}
	if (rc == KNOT_EOK) {
		r->qlen = pkt->size;
		memcpy(r->wire + 2, pkt->wire, pkt->size);
		knot_wire_write_u16(r->wire, (uint16_t)pkt->size);
	}
	knot_pkt_free(pkt);
	return rc == KNOT_EOK ? 0 : DR_EINVAL;
}

static void start_udp(struct query *r)
{
	struct dr_dnsq *q = r->q;

	r->state = Q_UDP;
	/* ev_now() is the loop's cached time and may lag: add the lag, so the
	 * deadline is never shorter than asked */
	r->started = ev_time();
	ev_timer_set(&r->deadline, (double)r->timeout_ms / 1000.0 + r->started - ev_now(q->loop),
		     0.);
	ev_timer_start(q->loop, &r->deadline);
	r->fd = socket(r->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->fd < 0) {
		defer_fail(r, errno, "cannot open a socket to");
		return;
	}
	if (connect(r->fd, (struct sockaddr *)&r->addr, r->addrlen) < 0) {
		defer_fail(r, errno, "cannot connect to");
		return;
	}
	if (send(r->fd, r->wire + 2, r->qlen, 0) != (ssize_t)r->qlen) {
		defer_fail(r, errno, "cannot send to");
		return;
	}
	watch(r, EV_READ);
}

static void start_tcp(struct query *r)
{
	close_fd(r);
	r->out_off = 0;
	r->fd = socket(r->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->fd < 0) {
		failf(r, DR_ECONNECT, "cannot open a TCP socket to %s: %s", r->where,
		      strerror(errno));
		return;
	}
	if (connect(r->fd, (struct sockaddr *)&r->addr, r->addrlen) == 0) {
		r->state = Q_TCP_WRITE;
	} else if (errno == EINPROGRESS) {
		r->state = Q_TCP_CONNECT;
	} else {
		failf(r, DR_ECONNECT, "truncated answer, then cannot connect over TCP to %s: %s",
		      r->where, strerror(errno));
		return;
	}
	watch(r, EV_WRITE);
}

static void pump(struct dr_dnsq *q)
{
	struct query *r;

	while (q->inflight.n < q->max_inflight && (r = q->queue.head)) {
		ql_remove(&q->queue, r);
		ql_append(&q->inflight, r);
		start_udp(r);
	}
}

/* Is wire[0..len) a reply to our question? Header and question only. */
static bool is_our_reply(const struct query *r, const uint8_t *wire, size_t len)
{
	int qsize;

	if (len < KNOT_WIRE_HEADER_SIZE || knot_wire_get_id(wire) != r->id ||
	    !knot_wire_get_qr(wire) || knot_wire_get_qdcount(wire) != 1)
		return false;
	qsize = knot_dname_wire_check(wire + KNOT_WIRE_HEADER_SIZE, wire + len, NULL);
	if (qsize <= 0 || (size_t)qsize + 4 > len - KNOT_WIRE_HEADER_SIZE)
		return false;
	return knot_dname_is_case_equal(wire + KNOT_WIRE_HEADER_SIZE, r->qname) &&
	       knot_wire_read_u16(wire + KNOT_WIRE_HEADER_SIZE + qsize) == r->qtype &&
	       knot_wire_read_u16(wire + KNOT_WIRE_HEADER_SIZE + qsize + 2) == KNOT_CLASS_IN;
}

static int cmp_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The answer's records of the asked name and type, in presentation form. */
static void collect_rdata(const struct query *r, const knot_pktsection_t *sec,
			  struct dr_soa_answer *ans, char ***out)
{
	char buf[8192];
	size_t n = 0;

	*out = dr_xcalloc((size_t)sec->count + 1, sizeof(**out));
	for (uint16_t i = 0; i < sec->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(sec, i);

		if (rr->type != r->qtype || !knot_dname_is_case_equal(rr->owner, r->qname))
			continue;
		for (uint16_t k = 0; k < rr->rrs.count; k++)
			if (knot_rrset_txt_dump_data(rr, k, buf, sizeof(buf),
						     &KNOT_DUMP_STYLE_DEFAULT) >= 0) {
				*out = dr_xrealloc(*out, (n + 2) * sizeof(**out));
				(*out)[n++] = dr_xstrdup(buf);
				(*out)[n] = NULL; /* the list ends with NULL */
			}
	}
	if (n > 1)
		qsort(*out, n, sizeof(**out), cmp_text);
	ans->rdata = (const char *const *)*out;
	ans->nrdata = n;
}

/* Parse a matching answer and report it. */
static void take_answer(struct query *r, uint8_t *wire, size_t len)
{
	struct dr_soa_answer ans = { 0 };
	char **rdata = NULL;
	const knot_pktsection_t *sec;
	knot_pkt_t *pkt;
	int rc;

	pkt = knot_pkt_new(wire, (uint16_t)len, NULL);
	if (!pkt)
		dr_oom();
	rc = knot_pkt_parse(pkt, 0);
	if (rc != KNOT_EOK && rc != KNOT_ETRAIL) {
		knot_pkt_free(pkt);
		failf(r, DR_EINVAL, "malformed answer from %s for '%s' SOA: %s", r->where, r->zone,
		      knot_strerror(rc));
		return;
	}
	ans.rcode = knot_wire_get_rcode(wire);
	ans.aa = knot_wire_get_aa(wire) != 0;
	if (r->dnssec) {
		ans.wire = wire;
		ans.wirelen = len;
	}
	sec = knot_pkt_section(pkt, KNOT_ANSWER);
	if (r->qtype != KNOT_RRTYPE_SOA)
		collect_rdata(r, sec, &ans, &rdata);
	for (uint16_t i = 0; i < sec->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(sec, i);

		if (rr->type == KNOT_RRTYPE_SOA && rr->rrs.count > 0 &&
		    knot_dname_is_case_equal(rr->owner, r->qname)) {
			ans.has_soa = true;
			ans.serial = knot_soa_serial(rr->rrs.rdata);
			break;
		}
	}
	knot_pkt_free(pkt);
	finish(r, &ans);
	for (size_t i = 0; rdata && rdata[i]; i++)
		free(rdata[i]);
	free(rdata);
}

static void on_udp(struct query *r)
{
	uint8_t buf[UDP_MAX];
	ssize_t n;

	for (;;) {
		n = recv(r->fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			failf(r, DR_ECONNECT, "no answer from %s for '%s' SOA: %s", r->where,
			      r->zone, strerror(errno));
			return;
		}
		if (!is_our_reply(r, buf, (size_t)n))
			continue; /* not ours: keep waiting */
		if (knot_wire_get_tc(buf)) {
			start_tcp(r);
			return;
		}
		take_answer(r, buf, (size_t)n);
		return;
	}
}

/* Read the 2-byte length, then the answer; report it once complete. */
static void on_tcp_read(struct query *r)
{
	ssize_t n;

	for (;;) {
		if (r->len_got < 2)
			n = recv(r->fd, r->lenbuf + r->len_got, 2 - r->len_got, 0);
		else
			n = recv(r->fd, r->tcp_ans + r->tcp_got, r->tcp_len - r->tcp_got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			failf(r, DR_ECONNECT, "no answer over TCP from %s for '%s' SOA: %s",
			      r->where, r->zone, strerror(errno));
			return;
		}
		if (n == 0) {
			failf(r, DR_ECONNECT, "%s closed TCP before the whole answer for '%s' SOA",
			      r->where, r->zone);
			return;
		}
		if (r->len_got < 2) {
			r->len_got += (size_t)n;
			if (r->len_got < 2)
				continue;
			r->tcp_len = knot_wire_read_u16(r->lenbuf);
			if (r->tcp_len < KNOT_WIRE_HEADER_SIZE) {
				failf(r, DR_EINVAL, "malformed answer over TCP from %s: %zu bytes",
				      r->where, r->tcp_len);
				return;
			}
			r->tcp_ans = dr_xmalloc(r->tcp_len);
			continue;
		}
		r->tcp_got += (size_t)n;
		if (r->tcp_got < r->tcp_len)
			continue;
		if (!is_our_reply(r, r->tcp_ans, r->tcp_len)) {
			failf(r, DR_EINVAL, "answer over TCP from %s does not match the query for "
			      "'%s' SOA", r->where, r->zone);
			return;
		}
		take_answer(r, r->tcp_ans, r->tcp_len);
		return;
	}
}

static void on_tcp(struct query *r)
{
	ssize_t n;
	int e = 0;
	socklen_t elen = sizeof(e);

	switch (r->state) {
	case Q_TCP_CONNECT:
		if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0)
			e = errno;
		if (e) {
			failf(r, DR_ECONNECT,
			      "truncated answer, then cannot connect over TCP to %s: %s", r->where,
			      strerror(e));
			return;
		}
		r->state = Q_TCP_WRITE;
		/* connected: send now */
		/* fall through */
	case Q_TCP_WRITE:
		while (r->out_off < r->qlen + 2) {
			n = send(r->fd, r->wire + r->out_off, r->qlen + 2 - r->out_off,
				 MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					return;
				failf(r, DR_ECONNECT, "cannot send over TCP to %s: %s", r->where,
				      strerror(errno));
				return;
			}
			r->out_off += (size_t)n;
		}
		r->state = Q_TCP_READ;
		watch(r, EV_READ);
		return;
	case Q_TCP_READ:
		on_tcp_read(r);
		return;
	case Q_QUEUED:
	case Q_UDP:
		break;
	}
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct query *r = w->data;

	(void)loop;
	(void)revents;
	if (r->state == Q_UDP)
		on_udp(r);
	else
		on_tcp(r);
}

static void on_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct query *r = w->data;

	(void)loop;
	(void)revents;
	failf(r, DR_ECONNECT, "no answer from %s for '%s' SOA within %ld ms%s", r->where,
	      r->zone, r->timeout_ms, r->state == Q_UDP ? "" : " (over TCP after truncation)");
}

static void on_kick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct query *r = w->data;

	(void)loop;
	(void)revents;
	fail(r, r->fail_err, r->fail_msg);
}

struct dr_dnsq *dr_dnsq_new(struct ev_loop *loop, size_t max_inflight)
{
	struct dr_dnsq *q = dr_xcalloc(1, sizeof(*q));

	q->loop = loop;
	q->max_inflight = max_inflight ? max_inflight : 1;
	return q;
}

void dr_dnsq_free(struct dr_dnsq *q)
{
	if (!q || q->free_me)
		return;
	if (q->depth > 0) {
		drop(q, true, NULL);
		q->free_me = true;
		return;
	}
	destroy(q);
}

static int ask(struct dr_dnsq *q, const char *address, const char *zone, uint16_t qtype,
	       bool dnssec, long timeout_ms, dr_dnsq_cb cb, void *ud)
{
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	struct query *r;

	if (!address || !zone || !*zone || !cb || timeout_ms <= 0 ||
	    dr_addr_parse(address, &ss, &sslen))
		return DR_EINVAL;
	r = dr_xcalloc(1, sizeof(*r));
	if (!knot_dname_from_str(r->qname, zone, sizeof(r->qname))) {
		free(r);
		return DR_EINVAL;
	}
	knot_dname_to_lower(r->qname);
	r->qtype = qtype;
	r->dnssec = dnssec;
	if (build_query(r)) {
		free(r);
		return DR_EINVAL;
	}
	r->q = q;
	r->fd = -1;
	r->state = Q_QUEUED;
	r->addr = ss;
	r->addrlen = sslen;
	r->where = dr_xasprintf("'%s'", address);
	r->zone = dr_xstrdup(zone);
	r->timeout_ms = timeout_ms;
	r->cb = cb;
	r->ud = ud;
	ev_io_init(&r->io, on_io, 0, EV_READ);
	r->io.data = r;
	ev_timer_init(&r->deadline, on_deadline, 0., 0.);
	r->deadline.data = r;
	ev_timer_init(&r->kick, on_kick, 0., 0.);
	r->kick.data = r;
	ql_append(&q->queue, r);
	pump(q);
	return 0;
}

int dr_dnsq_soa(struct dr_dnsq *q, const char *address, const char *zone, long timeout_ms,
		dr_dnsq_cb cb, void *ud)
{
	return ask(q, address, zone, KNOT_RRTYPE_SOA, false, timeout_ms, cb, ud);
}

/* A query for a type given by name ("MX"), with or without the DO bit. */
static int ask_type(struct dr_dnsq *q, const char *address, const char *name, const char *type,
		    bool dnssec, long timeout_ms, dr_dnsq_cb cb, void *ud)
{
	uint16_t qtype;

	if (!type || knot_rrtype_from_string(type, &qtype) != 0 || qtype == 0)
		return DR_EINVAL;
	return ask(q, address, name, qtype, dnssec, timeout_ms, cb, ud);
}

int dr_dnsq_rrset(struct dr_dnsq *q, const char *address, const char *name, const char *type,
		  long timeout_ms, dr_dnsq_cb cb, void *ud)
{
	return ask_type(q, address, name, type, false, timeout_ms, cb, ud);
}

int dr_dnsq_dnssec(struct dr_dnsq *q, const char *address, const char *name, const char *type,
		   long timeout_ms, dr_dnsq_cb cb, void *ud)
{
	return ask_type(q, address, name, type, true, timeout_ms, cb, ud);
}

void dr_dnsq_cancel(struct dr_dnsq *q, void *ud)
{
	if (!q)
		return;
	drop(q, false, ud);
	if (!q->free_me)
		pump(q);
}

size_t dr_dnsq_pending(const struct dr_dnsq *q)
{
	return q ? q->inflight.n + q->queue.n : 0;
}
