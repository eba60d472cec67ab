/* src/err.c - error codes, struct dr_error and the exit-code table.
 * See include/drover/err.h. No allocation: messages live in the caller's
 * fixed buffers and are truncated, never overflowed. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "drover/err.h"
#include "banned.h"

int dr_error_set(struct dr_error *err, int code, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void dr_error_prefix(struct dr_error *err, const char *fmt, ...)
{
	char prefix[256];
	size_t plen, mlen, cap;
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	cap = sizeof(err->msg) - 1;
	plen = strlen(prefix);
	if (plen + 2 > cap)
		plen = cap - 2;
	mlen = strlen(err->msg);
	if (plen + 2 + mlen > cap)
		mlen = cap - plen - 2;
	/* shift the old message right, then write "prefix: " before it */
	memmove(err->msg + plen + 2, err->msg, mlen);
	memcpy(err->msg, prefix, plen);
	memcpy(err->msg + plen, ": ", 2);
	err->msg[plen + 2 + mlen] = '\0';
}

void dr_error_clear(struct dr_error *err)
{
	if (!err)
		return;
	err->code = 0;
	err->field[0] = '\0';
	err->msg[0] = '\0';
}

const char *dr_strerror(int code)
{
	switch (code) {
	case DR_OK: return "success";
	case DR_EINVAL: return "bad input";
	case DR_EUSAGE: return "bad usage";
	case DR_ECONFIG: return "bad configuration";
	case DR_ENOTFOUND: return "not found";
	case DR_EEXIST: return "already exists";
	case DR_ESCHEMA: return "schema mismatch";
	case DR_EDB: return "database error";
	case DR_ECONNECT: return "could not connect";
	case DR_EREFUSED: return "refused by server";
	case DR_EIO: return "i/o error";
	case DR_EPROBLEM: return "problem found";
	}
	return "unknown error";
}

int dr_exit_code(int code)
{
	switch (code) {
	case DR_OK:
		return DR_EXIT_OK;
	case DR_EPROBLEM:
		return DR_EXIT_PROBLEM;
	case DR_EDB:
	case DR_ECONNECT:
		return DR_EXIT_CONNECT;
	default:
		return DR_EXIT_INPUT;
	}
}
