/* t/lib/tap.h - a small TAP producer for drover's C tests: a plan, ok/is
 * assertions that name their input, diagnostics as "# " lines, skip_all and
 * bail. Output goes to stdout for automake's TAP driver or prove. */
#ifndef DROVER_TAP_H
#define DROVER_TAP_H

#include <stdbool.h>

#define TAP_PRINTF(f, a) __attribute__((format(printf, f, a)))

void plan(int n);               /* "1..n" up front */
void plan_skip_all(const char *why) __attribute__((noreturn));
bool ok(bool cond, const char *fmt, ...) TAP_PRINTF(2, 3);
bool is_int(long long got, long long want, const char *fmt, ...) TAP_PRINTF(3, 4);
bool is_str(const char *got, const char *want, const char *fmt, ...) TAP_PRINTF(3, 4);
bool like(const char *got, const char *substr, const char *fmt, ...) TAP_PRINTF(3, 4);
void diag(const char *fmt, ...) TAP_PRINTF(1, 2);
void bail(const char *fmt, ...) TAP_PRINTF(1, 2) __attribute__((noreturn));
int done_testing(void);         /* prints the plan if none was given; exit status */

#endif
