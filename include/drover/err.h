/* include/drover/err.h - error codes, user-facing error reports, exit codes.
 * A fallible function returns 0 or a negative DR_E* code; when a person must
 * see why, it also fills a caller-owned struct dr_error (fixed buffers, no
 * allocation). dr_exit_code() maps a code to the one exit-code table that
 * every command documents. */
#ifndef DROVER_ERR_H
#define DROVER_ERR_H

#include <stddef.h>

#define DR_MUSTCHECK __attribute__((warn_unused_result))
#define DR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define DR_NORETURN __attribute__((noreturn))

enum dr_errcode {
	DR_OK = 0,
	DR_EINVAL = -1,    /* bad input: a name, value or file content */
	DR_EUSAGE = -2,    /* bad command line */
	DR_ECONFIG = -3,   /* bad or unreadable config file */
	DR_ENOTFOUND = -4, /* a named object does not exist */
	DR_EEXIST = -5,    /* a named object already exists */
	DR_ESCHEMA = -6,   /* database schema missing, outdated or too new */
	DR_EDB = -7,       /* the database refused or failed a statement */
	DR_ECONNECT = -8,  /* could not reach the database or a server */
	DR_EREFUSED = -9,  /* a server answered but refused (wrong key, wrong kind) */
	DR_EIO = -10,      /* a local file or system call failed */
	DR_EPROBLEM = -11, /* the command ran and found a problem */
};

/* Process exit codes, the same table for every command. */
enum dr_exit {
	DR_EXIT_OK = 0,      /* success */
	DR_EXIT_PROBLEM = 1, /* the command ran and found a problem */
	DR_EXIT_INPUT = 2,   /* bad usage, config or input */
	DR_EXIT_CONNECT = 3, /* could not connect or check */
	DR_EXIT_NONE_APPLIED = 4, /* --wait: no server applied the change in time */
};

struct dr_error {
	int code;
	char field[64];
	char msg[768];
};

/* Record an error and return its code, so callers can write
 * `return dr_error_set(err, DR_EINVAL, "ttl", "must be ..., got '%s'", s);`.
 * err may be NULL (the code is still returned). field may be NULL. */
int dr_error_set(struct dr_error *err, int code, const char *field, const char *fmt, ...)
	DR_PRINTF(4, 5);

/* Prefix err->msg with "PREFIX: " (for adding context on the way up). */
void dr_error_prefix(struct dr_error *err, const char *fmt, ...) DR_PRINTF(2, 3);

/* Reset to "no error". */
void dr_error_clear(struct dr_error *err);

/* Short text for a code ("bad input", "could not connect", ...). */
const char *dr_strerror(int code);

/* Exit code for an error code (DR_OK gives DR_EXIT_OK). */
int dr_exit_code(int code);

#endif
