/* t/lib/tap.c - the TAP producer behind t/lib/tap.h. Counts assertions and
 * failures; done_testing() returns non-zero when any failed or the count
 * differs from the plan. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static int planned = -1, run, failed;

void plan(int n)
{
	planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

void plan_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	exit(0);
}

static bool report(bool cond, const char *fmt, va_list ap)
{
	char desc[1024];

	run++;
	if (!cond)
		failed++;
	vsnprintf(desc, sizeof(desc), fmt, ap);
	for (char *c = desc; *c; c++) /* one line per assertion, whatever the input */
		if (*c == '\n' || *c == '\r' || *c == '#')
			*c = *c == '#' ? '_' : ' ';
	printf("%sok %d - %s\n", cond ? "" : "not ", run, desc);
	fflush(stdout);
	return cond;
}

bool ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(cond, fmt, ap);
	va_end(ap);
	return cond;
}

bool is_int(long long got, long long want, const char *fmt, ...)
{
	va_list ap;
	bool cond = got == want;

	va_start(ap, fmt);
	report(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		diag("got %lld, want %lld", got, want);
	return cond;
}

bool is_str(const char *got, const char *want, const char *fmt, ...)
{
	va_list ap;
	bool cond = (!got && !want) || (got && want && !strcmp(got, want));

	va_start(ap, fmt);
	report(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		diag("got '%s', want '%s'", got ? got : "(null)", want ? want : "(null)");
	return cond;
}

bool like(const char *got, const char *substr, const char *fmt, ...)
{
	va_list ap;
	bool cond = got && strstr(got, substr);

	va_start(ap, fmt);
	report(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		diag("got '%s', want it to contain '%s'", got ? got : "(null)", substr);
	return cond;
}

void diag(const char *fmt, ...)
{
	char buf[4096], *line, *next;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (line = buf; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		printf("# %s\n", line);
	}
	fflush(stdout);
}

void bail(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(255);
}

int done_testing(void)
{
	if (planned < 0)
		printf("1..%d\n", run);
	else if (planned != run)
		diag("planned %d tests but ran %d", planned, run);
	fflush(stdout);
	return failed || (planned >= 0 && planned != run) ? 1 : 0;
}
