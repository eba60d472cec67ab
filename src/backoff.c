/* src/backoff.c - capped exponential backoff with jitter. See
 * include/drover/backoff.h. */
#include "drover/backoff.h"
#include "banned.h"

void dr_backoff_init(struct dr_backoff *b, double base_s, double cap_s)
{
	b->base_s = base_s;
	b->cap_s = cap_s;
	b->cur_s = 0;
	b->fails = 0;
}

double dr_backoff_fail(struct dr_backoff *b, double rnd)
{
	if (rnd < 0 || rnd >= 1)
		rnd = 0;
	b->fails++;
	b->cur_s = b->cur_s <= 0 ? b->base_s : b->cur_s * 2;
	if (b->cur_s > b->cap_s)
		b->cur_s = b->cap_s;
	return b->cur_s * (0.5 + rnd / 2);
}

void dr_backoff_reset(struct dr_backoff *b)
{
	b->cur_s = 0;
	b->fails = 0;
}
