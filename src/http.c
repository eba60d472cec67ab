/* src/http.c - HTTP requests on the daemon's libev loop through libcurl's
 * multi interface. See include/drover/http.h.
 * Owns the multi handle, every easy handle (struct req) and one struct sock
 * per socket curl asks us to watch. Runs on the loop given to dr_http_new().
 * How it stays safe:
 * - curl is only driven from the loop: the ev_timer set by curl's timer
 *   function (a 0 ms timeout fires on the next loop iteration) and the ev_io
 *   of each socket. dr_http_request() only adds the handle, so the caller's
 *   callback can never run inside it.
 * - A finished request is unlinked before its callback runs and freed after
 *   the callback returns, so the callback may start or cancel requests.
 * - A socket curl drops while we are inside curl (socket_action, remove_handle)
 *   is stopped at once and parked on a list; it is freed when the outermost
 *   entry point returns (h->depth back to 0), never inside its own ev_io
 *   callback. dr_http_free() called from a callback is deferred the same way.
 * - The X-API-Key header is built in memory, and it and curl's copy in the
 *   header list are wiped with explicit_bzero when the request is freed. */
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "drover/http.h"
#include "drover/util.h"
#include "banned.h"

#define BODY_MAX (4u * 1024 * 1024)
#define HOST_CONN_MAX 8
#define KEY_PREFIX "X-API-Key: "
#define KEY_PREFIX_LEN (sizeof(KEY_PREFIX) - 1)

struct sock {
	struct sock *prev, *next; /* h->socks, or h->dead_socks once curl dropped it */
	struct dr_http *h;
	ev_io io;
	curl_socket_t fd;
};

struct req {
	struct req *prev, *next; /* h->reqs */
	struct dr_http *h;
	CURL *easy;
	struct curl_slist *headers;
	char *key_header; /* "X-API-Key: ..." or NULL; wiped on free */
	char *where;      /* "METHOD scheme://host:port/path" for messages (no query, no user) */
	dr_http_cb cb;
	void *ud;
	struct dr_sbuf body;
	bool too_big;
	ev_tstamp started;
	char errbuf[CURL_ERROR_SIZE];
};

struct dr_http {
	struct ev_loop *loop;
	CURLM *multi;
	ev_timer timer;
	struct req *reqs;
	size_t nreqs;
	struct sock *socks, *dead_socks;
	size_t body_max; /* BODY_MAX unless dr_http_set_body_max */
	int depth;      /* entry points on the stack; objects are freed only at 0 */
	bool free_me;   /* dr_http_free() was called while depth > 0 */
};

static void list_add_sock(struct sock **head, struct sock *s)
{
	s->prev = NULL;
	s->next = *head;
	if (*head)
		(*head)->prev = s;
	*head = s;
}

static void list_del_sock(struct sock **head, struct sock *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		*head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
}

static void req_link(struct dr_http *h, struct req *r)
{
	r->prev = NULL;
	r->next = h->reqs;
	if (h->reqs)
		h->reqs->prev = r;
	h->reqs = r;
	h->nreqs++;
}

static void req_unlink(struct dr_http *h, struct req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		h->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
	h->nreqs--;
}

/* Wipe the key wherever we put it (our buffer and the header list's copy). */
static void req_free(struct req *r)
{
	if (r->easy)
		curl_easy_cleanup(r->easy);
	for (struct curl_slist *l = r->headers; l; l = l->next)
		if (!strncmp(l->data, KEY_PREFIX, KEY_PREFIX_LEN))
			explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(r->headers);
	if (r->key_header) {
		explicit_bzero(r->key_header, strlen(r->key_header));
		free(r->key_header);
	}
	free(r->where);
	dr_sbuf_release(&r->body);
	free(r);
}

/* Free the sockets curl dropped, once nothing on the stack can use them. */
static void reap(struct dr_http *h)
{
	struct sock *s;

	while ((s = h->dead_socks)) {
		list_del_sock(&h->dead_socks, s);
		free(s);
	}
}

static void http_destroy(struct dr_http *h)
{
	struct req *r;
	struct sock *s;

	while ((r = h->reqs)) {
		req_unlink(h, r);
		curl_multi_remove_handle(h->multi, r->easy);
		req_free(r);
	}
	/* curl may close cached connections during cleanup: stop listening first */
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, NULL);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, NULL);
	curl_multi_cleanup(h->multi);
	while ((s = h->socks)) {
		ev_io_stop(h->loop, &s->io);
		list_del_sock(&h->socks, s);
		free(s);
	}
	reap(h);
	ev_timer_stop(h->loop, &h->timer);
	free(h);
}

/* Leave an entry point: free what was parked, and h itself if asked. */
static void leave(struct dr_http *h)
{
	if (--h->depth > 0)
		return;
	reap(h);
	if (h->free_me)
		http_destroy(h);
}

static void finish(struct dr_http *h, CURL *easy, CURLcode cc)
{
	struct dr_http_result res = { 0 };
	struct req *r;
	char *priv = NULL, *msg = NULL;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
	r = (struct req *)priv;
	req_unlink(h, r);
	curl_multi_remove_handle(h->multi, easy);
	res.elapsed_s = ev_time() - r->started;
	if (r->too_big) {
		res.err = DR_ECONNECT;
		msg = dr_xasprintf("%s: answer too large (over %zu bytes)", r->where,
				   h->body_max);
	} else if (cc != CURLE_OK) {
		res.err = DR_ECONNECT;
		msg = dr_xasprintf("%s: %s", r->where,
				   *r->errbuf ? r->errbuf : curl_easy_strerror(cc));
	} else {
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &res.status);
	}
	/* the key is only in the header; make sure no message can carry it */
	if (msg && r->key_header && r->key_header[KEY_PREFIX_LEN] &&
	    strstr(msg, r->key_header + KEY_PREFIX_LEN)) {
		free(msg);
		msg = dr_xasprintf("%s: request failed", r->where);
	}
	res.errmsg = msg ? msg : "";
	res.body = dr_sbuf_str(&r->body);
	res.body_len = res.err ? 0 : r->body.len;
	if (res.err)
		res.body = "";
	r->cb(r->ud, &res);
	free(msg);
	req_free(r);
}

/* Deliver every finished transfer; the callbacks may add or cancel requests. */
static void drain(struct dr_http *h)
{
	CURLMsg *m;
	int left;

	while (!h->free_me && (m = curl_multi_info_read(h->multi, &left))) {
		if (m->msg == CURLMSG_DONE) {
			CURL *easy = m->easy_handle;
			CURLcode cc = m->data.result;

			finish(h, easy, cc);
		}
	}
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct dr_http *h = w->data;
	int running;

	(void)loop;
	(void)revents;
	h->depth++;
	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	drain(h);
	leave(h);
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct sock *s = w->data;
	struct dr_http *h = s->h;
	curl_socket_t fd = s->fd;
	int action = 0, running;

	(void)loop;
	if (revents & EV_READ)
		action |= CURL_CSELECT_IN;
	if (revents & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	if (revents & EV_ERROR)
		action |= CURL_CSELECT_ERR;
	h->depth++;
	/* s may be parked from here on: use only the copies */
	curl_multi_socket_action(h->multi, fd, action, &running);
	drain(h);
	leave(h);
}

/* CURLMOPT_SOCKETFUNCTION: watch fd for what curl wants. */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct dr_http *h = userp;
	struct sock *s = socketp;
	int events = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s) {
			ev_io_stop(h->loop, &s->io);
			curl_multi_assign(h->multi, fd, NULL);
			list_del_sock(&h->socks, s);
			list_add_sock(&h->dead_socks, s);
			if (h->depth == 0)
				reap(h);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	if (!s) {
		s = dr_xcalloc(1, sizeof(*s));
		s->h = h;
		s->fd = fd;
		ev_io_init(&s->io, on_io, fd, events);
		s->io.data = s;
		list_add_sock(&h->socks, s);
		curl_multi_assign(h->multi, fd, s);
	} else {
		ev_io_stop(h->loop, &s->io);
		ev_io_set(&s->io, fd, events);
	}
	ev_io_start(h->loop, &s->io);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: only (re)arm the timer; curl is driven from on_timer. */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct dr_http *h = userp;

	(void)multi;
	ev_timer_stop(h->loop, &h->timer);
	if (timeout_ms >= 0) {
		ev_timer_set(&h->timer, (double)timeout_ms / 1000.0, 0.);
		ev_timer_start(h->loop, &h->timer);
	}
	return 0;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct req *r = ud;
	size_t n = size * nmemb;

	if (n > r->h->body_max - r->body.len) {
		r->too_big = true;
		return 0; /* CURLE_WRITE_ERROR */
	}
	dr_sbuf_add(&r->body, ptr, n);
	return n;
}

struct dr_http *dr_http_new(struct ev_loop *loop)
{
	struct dr_http *h = dr_xcalloc(1, sizeof(*h));

	h->body_max = BODY_MAX;
	h->loop = loop;
	h->multi = curl_multi_init();
	if (!h->multi)
		dr_oom();
	ev_timer_init(&h->timer, on_timer, 0., 0.);
	h->timer.data = h;
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	/* pdns listens with a queue of 10: more connects at once are dropped and
	 * retried by the kernel a second later. curl queues the rest. */
	curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)HOST_CONN_MAX);
	return h;
}

static void cancel_all(struct dr_http *h)
{
	struct req *r;

	h->depth++;
	while ((r = h->reqs)) {
		req_unlink(h, r);
		curl_multi_remove_handle(h->multi, r->easy);
		req_free(r);
	}
	leave(h);
}

void dr_http_free(struct dr_http *h)
{
	if (!h || h->free_me)
		return;
	if (h->depth > 0) {
		/* inside a callback: cancel now (no more callbacks), free on the way out */
		cancel_all(h);
		h->free_me = true;
		return;
	}
	http_destroy(h);
}

static bool method_ok(const char *m)
{
	static const char *const known[] = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE" };

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(m, known[i]))
			return true;
	return false;
}

/* "METHOD scheme://host:port/path", or NULL when url is not http(s). */
static char *describe_url(const char *method, const char *url)
{
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *out = NULL;
	CURLU *u = curl_url();

	if (!u)
		dr_oom();
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    (!strcmp(scheme, "http") || !strcmp(scheme, "https")) &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK)
		out = dr_xasprintf("%s '%s://%s:%s%s'", method, scheme, host, port, path);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return out;
}

int dr_http_request(struct dr_http *h, const char *method, const char *url, const char *api_key,
		    const char *body, long timeout_ms, dr_http_cb cb, void *ud)
{
	struct req *r;
	char *where;

	if (!method || !url || !cb || timeout_ms <= 0 || !method_ok(method) ||
	    strpbrk(url, " \r\n\t"))
		return DR_EINVAL;
	if (api_key && strpbrk(api_key, "\r\n"))
		return DR_EINVAL; /* would split the header */
	where = describe_url(method, url);
	if (!where)
		return DR_EINVAL;

	r = dr_xcalloc(1, sizeof(*r));
	r->h = h;
	r->cb = cb;
	r->ud = ud;
	r->where = where;
	dr_sbuf_init(&r->body);
	r->easy = curl_easy_init();
	if (!r->easy)
		dr_oom();
	if (api_key) {
		r->key_header = dr_xasprintf(KEY_PREFIX "%s", api_key);
		r->headers = curl_slist_append(r->headers, r->key_header);
	}
	r->headers = curl_slist_append(r->headers, "Accept: application/json");
	r->headers = curl_slist_append(r->headers, "Expect:");
	if (body)
		r->headers = curl_slist_append(r->headers, "Content-Type: application/json");
	if (!r->headers)
		dr_oom();

	curl_easy_setopt(r->easy, CURLOPT_URL, url);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, (char *)r);
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	if (!strcmp(method, "HEAD")) {
		curl_easy_setopt(r->easy, CURLOPT_NOBODY, 1L);
	} else if (body || !strcmp(method, "POST") || !strcmp(method, "PUT") ||
		   !strcmp(method, "PATCH")) {
		/* a body, possibly empty, so that Content-Length is always sent */
		curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE, body ? (long)strlen(body) : 0L);
		curl_easy_setopt(r->easy, CURLOPT_COPYPOSTFIELDS, body ? body : "");
		if (strcmp(method, "POST"))
			curl_easy_setopt(r->easy, CURLOPT_CUSTOMREQUEST, method);
	} else if (strcmp(method, "GET")) {
		curl_easy_setopt(r->easy, CURLOPT_CUSTOMREQUEST, method);
	}

	r->started = ev_time();
	req_link(h, r);
	/* Only registers the handle: curl asks for a 0 ms timeout, and the transfer
	 * (and so any callback) starts from the loop in on_timer. */
	if (curl_multi_add_handle(h->multi, r->easy) != CURLM_OK) {
		req_unlink(h, r);
		req_free(r);
		return DR_EINVAL;
	}
	return 0;
}

void dr_http_cancel(struct dr_http *h, void *ud)
{
	struct req *r, *next;

	if (!h)
		return;
	h->depth++;
	for (r = h->reqs; r; r = next) {
		next = r->next;
		if (r->ud != ud)
			continue;
		req_unlink(h, r);
		curl_multi_remove_handle(h->multi, r->easy);
		req_free(r);
		/* removing may have closed sockets and so changed nothing else in
		 * h->reqs: next stays valid (only r was unlinked) */
	}
	leave(h);
}

size_t dr_http_inflight(const struct dr_http *h, const void *ud)
{
	size_t n = 0;

	if (!h)
		return 0;
	if (!ud)
		return h->nreqs;
	for (const struct req *r = h->reqs; r; r = r->next)
		if (r->ud == ud)
			n++;
	return n;
}

void dr_http_set_body_max(struct dr_http *h, size_t bytes)
{
	h->body_max = bytes;
}
