/* src/util.c - allocation that aborts on out-of-memory, string helpers, a
 * growable string buffer, whole-file reads and bounded integer parsing.
 * See include/drover/util.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drover/util.h"
#include "banned.h"

void dr_oom(void)
{
	fputs("drover: out of memory\n", stderr);
	abort();
}

void *dr_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		dr_oom();
	return p;
}

void *dr_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		dr_oom();
	return p;
}

void *dr_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		dr_oom();
	return q;
}

char *dr_xstrdup(const char *s)
{
	return dr_xstrndup(s, strlen(s));
}

char *dr_xstrndup(const char *s, size_t n)
{
	char *p = dr_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *dr_xasprintf(const char *fmt, ...)
{
	struct dr_sbuf sb;
	va_list ap;
	int n;

	dr_sbuf_init(&sb);
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		dr_oom();
	sb.cap = (size_t)n + 1;
	sb.buf = dr_xmalloc(sb.cap);
	va_start(ap, fmt);
	vsnprintf(sb.buf, sb.cap, fmt, ap);
	va_end(ap);
	return sb.buf;
}

void dr_sbuf_init(struct dr_sbuf *sb)
{
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

static void sbuf_grow(struct dr_sbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;

	if (need <= sb->cap)
		return;
	if (sb->cap < 64)
		sb->cap = 64;
	while (sb->cap < need)
		sb->cap *= 2;
	sb->buf = dr_xrealloc(sb->buf, sb->cap);
}

void dr_sbuf_add(struct dr_sbuf *sb, const char *s, size_t n)
{
	sbuf_grow(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void dr_sbuf_adds(struct dr_sbuf *sb, const char *s)
{
	dr_sbuf_add(sb, s, strlen(s));
}

void dr_sbuf_addf(struct dr_sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sbuf_grow(sb, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

const char *dr_sbuf_str(const struct dr_sbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

char *dr_sbuf_detach(struct dr_sbuf *sb)
{
	char *s = sb->buf ? sb->buf : dr_xstrdup("");

	dr_sbuf_init(sb);
	return s;
}

void dr_sbuf_release(struct dr_sbuf *sb)
{
	free(sb->buf);
	dr_sbuf_init(sb);
}

void dr_pgarray_add(struct dr_sbuf *sb, const char *v)
{
	dr_sbuf_add(sb, sb->len ? "," : "{", 1);
	if (!v) {
		dr_sbuf_adds(sb, "NULL");
		return;
	}
	dr_sbuf_add(sb, "\"", 1);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			dr_sbuf_add(sb, "\\", 1);
		dr_sbuf_add(sb, v, 1);
	}
	dr_sbuf_add(sb, "\"", 1);
}

const char *dr_pgarray_end(struct dr_sbuf *sb)
{
	dr_sbuf_adds(sb, sb->len ? "}" : "{}");
	return dr_sbuf_str(sb);
}

int dr_read_file(const char *path, size_t max, char **out, size_t *len, struct dr_error *err)
{
	struct dr_sbuf sb;
	char chunk[8192];
	size_t n;
	FILE *f;

	*out = NULL;
	f = fopen(path, "r");
	if (!f)
		return dr_error_set(err, DR_EIO, NULL, "cannot read '%s': %s", path,
				    strerror(errno));
	dr_sbuf_init(&sb);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (sb.len + n > max) {
			fclose(f);
			dr_sbuf_release(&sb);
			return dr_error_set(err, DR_EINVAL, NULL,
					    "'%s' is larger than %zu bytes", path, max);
		}
		dr_sbuf_add(&sb, chunk, n);
	}
	if (ferror(f)) {
		int e = errno;

		fclose(f);
		dr_sbuf_release(&sb);
		return dr_error_set(err, DR_EIO, NULL, "cannot read '%s': %s", path,
				    strerror(e));
	}
	fclose(f);
	if (len)
		*len = sb.len;
	*out = dr_sbuf_detach(&sb);
	return 0;
}

bool dr_parse_ll(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}
