/* include/drover/util.h - small helpers every module uses: allocation that
 * aborts on out-of-memory, string duplication and formatting, and a growable
 * string buffer. No I/O beyond the abort message. */
#ifndef DROVER_UTIL_H
#define DROVER_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "drover/err.h"

void *dr_xmalloc(size_t n);             /* never NULL; aborts when out of memory */
void *dr_xcalloc(size_t n, size_t size); /* zeroed; never NULL */
void *dr_xrealloc(void *p, size_t n);
char *dr_xstrdup(const char *s);         /* caller frees */
char *dr_xstrndup(const char *s, size_t n);
char *dr_xasprintf(const char *fmt, ...) DR_PRINTF(1, 2); /* caller frees */
DR_NORETURN void dr_oom(void);

/* Growable NUL-terminated buffer. dr_sbuf_init() allocates nothing;
 * dr_sbuf_release() frees; dr_sbuf_detach() hands the string to the caller. */
struct dr_sbuf {
	char *buf;
	size_t len, cap;
};
void dr_sbuf_init(struct dr_sbuf *sb);
void dr_sbuf_add(struct dr_sbuf *sb, const char *s, size_t n);
void dr_sbuf_adds(struct dr_sbuf *sb, const char *s);
void dr_sbuf_addf(struct dr_sbuf *sb, const char *fmt, ...) DR_PRINTF(2, 3);
const char *dr_sbuf_str(const struct dr_sbuf *sb); /* "" when empty */
char *dr_sbuf_detach(struct dr_sbuf *sb);
void dr_sbuf_release(struct dr_sbuf *sb);

/* A PostgreSQL array literal, for one parameter instead of a statement per
 * row: dr_pgarray_add appends an element (NULL: SQL NULL), quoted and
 * escaped; dr_pgarray_end closes it ("{}" when empty) and returns it. */
void dr_pgarray_add(struct dr_sbuf *sb, const char *v);
const char *dr_pgarray_end(struct dr_sbuf *sb);

/* Read a whole file (at most max bytes) into a new NUL-terminated string. */
int dr_read_file(const char *path, size_t max, char **out, size_t *len, struct dr_error *err)
	DR_MUSTCHECK;

/* Parse a decimal integer in [min, max]; whole string must be a number. */
bool dr_parse_ll(const char *s, long long min, long long max, long long *out);

#endif
