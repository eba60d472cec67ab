/* include/drover/secret.h - API keys, control-channel secrets and passwords.
 * A secret is read from a file (never from argv), held in a struct
 * dr_secret, printed only as "set", and wiped with explicit_bzero when
 * released. */
#ifndef DROVER_SECRET_H
#define DROVER_SECRET_H

#include <stddef.h>

#include "drover/err.h"

struct dr_secret {
	char *value; /* NUL-terminated; NULL when unset */
	size_t len;
};

/* Read a secret from the first line of a file (trailing newline and
 * surrounding blanks dropped). Empty, unreadable, over 4 KiB or holding
 * control characters is DR_EINVAL naming `field` and the path. */
int dr_secret_read_file(struct dr_secret *s, const char *path, const char *field,
			struct dr_error *err) DR_MUSTCHECK;

/* Take a copy of a NUL-terminated value. */
void dr_secret_set(struct dr_secret *s, const char *value);

/* Wipe and free; leaves s unset. Safe on an unset secret. */
void dr_secret_release(struct dr_secret *s);

/* "set" or "unset": the only way a secret is shown. */
const char *dr_secret_show(const struct dr_secret *s);

#endif
