/* include/drover/pdnsctl.h - PowerDNS's control channel on the daemon's
 * libev loop: one command per connection, to a unix socket
 * (<socket-dir>/pdns.controlsocket: send "COMMAND\n") or over TCP
 * (tcp-control-*: send "SECRET\n" then "COMMAND\n"), then read the reply
 * until the worker closes. Non-blocking connect, write and read, with a
 * deadline. The secret never reaches a log or an error message. */
#ifndef DROVER_PDNSCTL_H
#define DROVER_PDNSCTL_H

#include <stddef.h>
#include <ev.h>

#include "drover/err.h"

struct dr_pdnsctl;

/* err 0: reply holds the worker's answer (NUL-terminated, trailing newline
 * dropped, borrowed for the callback only; "Unknown command: ..." is still
 * err 0: the caller judges the text). err DR_EREFUSED: the worker rejected
 * the TCP secret ("Wrong password"). err DR_ECONNECT: no answer (errmsg
 * says why: refused, timeout, reset). Called exactly once, from the loop. */
typedef void (*dr_pdnsctl_cb)(void *ud, int err, const char *reply, const char *errmsg);

struct dr_pdnsctl *dr_pdnsctl_new(struct ev_loop *loop);
void dr_pdnsctl_free(struct dr_pdnsctl *c); /* cancels in flight, no callbacks; NULL-safe */

/* address: "IP:PORT" ("[v6]:PORT", numeric: no name lookup on the loop)
 * for TCP, or an absolute path for the unix socket. secret: required for
 * TCP, ignored for the unix socket. At most 8 connections per address at
 * once (pdns listens with a backlog of 10); the rest wait in order.
 * Returns 0, or DR_EINVAL for a bad address or a timeout_ms <= 0 (cb is
 * then never called). */
int dr_pdnsctl_send(struct dr_pdnsctl *c, const char *address, const char *secret,
		    const char *command, long timeout_ms, dr_pdnsctl_cb cb, void *ud) DR_MUSTCHECK;

void dr_pdnsctl_cancel(struct dr_pdnsctl *c, void *ud); /* every request with exactly this ud */
size_t dr_pdnsctl_inflight(const struct dr_pdnsctl *c);

#endif
