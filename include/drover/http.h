/* include/drover/http.h - HTTP requests on the daemon's libev loop, through
 * libcurl's multi interface: one ev_io per socket (curl_multi_assign), one
 * ev_timer for curl's timeout, curl_multi_info_read drained after every
 * socket_action. Owns the multi handle and every easy handle; curl handles
 * never leave this module. The API key travels only in the X-API-Key header
 * and never reaches a log or an error message. Single-threaded. */
#ifndef DROVER_HTTP_H
#define DROVER_HTTP_H

#include <stddef.h>
#include <ev.h>

#include "drover/err.h"

struct dr_http;

struct dr_http_result {
	int err;             /* 0: an HTTP answer came (see status); DR_ECONNECT: none did
				(refused, reset, timeout; errmsg says which) */
	long status;         /* HTTP status, 0 when err */
	const char *body;    /* NUL-terminated, borrowed for the callback only */
	size_t body_len;
	const char *errmsg;  /* "" when err is 0; never holds the API key */
	double elapsed_s;
};

/* Called exactly once per request, from the loop, never from inside
 * dr_http_request. The callback may start new requests; it must not free
 * the struct dr_http. */
typedef void (*dr_http_cb)(void *ud, const struct dr_http_result *res);

struct dr_http *dr_http_new(struct ev_loop *loop);

/* Cancel every request in flight (no callbacks) and free everything. NULL-safe. */
void dr_http_free(struct dr_http *h);

/* Start METHOD url with an optional X-API-Key header and optional body
 * (JSON). The answer body is capped at 4 MiB unless dr_http_set_body_max
 * says otherwise (a larger one is err DR_ECONNECT "answer too large"). At
 * most 8 connections per host at once (pdns listens with a backlog of 10);
 * curl queues the rest. Returns 0, or
 * DR_EINVAL for a bad method or URL or a timeout_ms <= 0 (then cb is never
 * called). */
int dr_http_request(struct dr_http *h, const char *method, const char *url, const char *api_key,
		    const char *body, long timeout_ms, dr_http_cb cb, void *ud) DR_MUSTCHECK;

/* Raise (or lower) the cap on an answer body for this instance's requests
 * from then on: the zone list of a worker with 100,000 zones is about 25 MB. */
void dr_http_set_body_max(struct dr_http *h, size_t bytes);

/* Cancel, without callbacks, every request started with exactly this ud. */
void dr_http_cancel(struct dr_http *h, void *ud);

/* Requests in flight, all or for one ud (ud NULL: all). */
size_t dr_http_inflight(const struct dr_http *h, const void *ud);

#endif
