/* include/drover/backoff.h - retry delays for one PowerDNS server (or one
 * connection): exponential, capped, jittered; reset on success. Pure
 * arithmetic (no clock, I/O or allocation), so tests drive it directly. */
#ifndef DROVER_BACKOFF_H
#define DROVER_BACKOFF_H

struct dr_backoff {
	double base_s, cap_s, cur_s;
	unsigned fails; /* consecutive failures */
};

void dr_backoff_init(struct dr_backoff *b, double base_s, double cap_s); /* nothing to free */

/* Record a failure; return the seconds to wait: the current step (base,
 * doubling up to cap) scaled by a jitter factor in [0.5, 1.0) from rnd in [0,1). */
double dr_backoff_fail(struct dr_backoff *b, double rnd);

void dr_backoff_reset(struct dr_backoff *b);

#endif
