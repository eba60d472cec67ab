/* include/drover/fanout.h - delivery of the change log to every enabled
 * PowerDNS server, on the daemon's loop. Per server: a cursor into the log,
 * batches read after it and coalesced per zone, and for each zone a purge
 * (control channel twice, or the API flush; the API flush for a zone new to
 * the worker or deleted from it), a NOTIFY for primary zones when the
 * server sends them, and an SOA query over DNS proving the worker serves
 * the committed serial. The cursor moves only then. Failures back off per
 * server with jitter; a failing server never holds up the others. Borrows
 * the loop, the database connection and the I/O modules; owns the server
 * states. */
#ifndef DROVER_FANOUT_H
#define DROVER_FANOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <ev.h>

struct dr_pgconn;
struct dr_http;
struct dr_pdnsctl;
struct dr_dnsq;
struct dr_fanout;

struct dr_fanout_io {
	struct ev_loop *loop;
	struct dr_pgconn *pg;
	struct dr_http *http;
	struct dr_pdnsctl *ctl;
	struct dr_dnsq *dns;
};

/* One enabled server as the daemon loaded it (strings are copied). */
struct dr_fanout_server {
	long long id;
	const char *name, *api_url, *dns_address, *control_address; /* control may be NULL */
	const char *api_key, *control_secret;                     /* secret may be NULL */
	bool notify;
	bool has_cursor;
	const char *cursor_txid;
	long long cursor_id;
};

struct dr_fanout *dr_fanout_new(const struct dr_fanout_io *io);
void dr_fanout_free(struct dr_fanout *fo); /* NULL-safe */

/* Make the set of servers exactly these: new ones start, gone or changed
 * ones stop (their in-flight work cancelled), unchanged ones go on. */
void dr_fanout_set_servers(struct dr_fanout *fo, const struct dr_fanout_server *list, size_t n);

/* New entries may be in the log: every idle server reads. */
void dr_fanout_wake(struct dr_fanout *fo);

/* Leadership or the connection was lost: cancel everything in flight and
 * forget the servers (the next set_servers reloads their cursors). */
void dr_fanout_stop(struct dr_fanout *fo);

/* Shutting down: start no new batch; dr_fanout_busy tells when the work
 * in flight has finished. */
void dr_fanout_drain(struct dr_fanout *fo);
bool dr_fanout_busy(const struct dr_fanout *fo);

#endif
