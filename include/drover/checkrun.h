/* include/drover/checkrun.h - the daemon's periodic drift check, on its
 * loop: every check-interval seconds, while may_run says so (the daemon
 * leads), it reads the enabled servers and the zones with their serials
 * over the daemon's async database connection, runs the checker
 * (include/drover/check.h) and stores the report in drover.check_result
 * for `drover status`, logging one line. One check at a time; no repair.
 * Borrows the loop and the connection; owns the check in flight. */
#ifndef DROVER_CHECKRUN_H
#define DROVER_CHECKRUN_H

#include <stdbool.h>
#include <ev.h>

struct dr_pgconn;
struct dr_checkrun;

typedef bool (*dr_checkrun_may_run_cb)(void *ud);

/* holder names this daemon in the stored result (copied). */
struct dr_checkrun *dr_checkrun_new(struct ev_loop *loop, struct dr_pgconn *pg,
				    const char *holder, dr_checkrun_may_run_cb may_run, void *ud);

/* Seconds between checks; 0 stops them. The first check comes one interval
 * after this call. */
void dr_checkrun_set_interval(struct dr_checkrun *cr, double seconds);

/* Stop the timer and free, cancelling a check in flight. Call after the
 * database connection is freed (a statement in flight has no way to be
 * cancelled; a freed connection calls nothing back). NULL-safe. */
void dr_checkrun_free(struct dr_checkrun *cr);

#endif
