/* src/secret.c - secrets read from files, shown only as "set", wiped on
 * release. See include/drover/secret.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drover/secret.h"
#include "drover/util.h"
#include "banned.h"

#define SECRET_MAX 4096

int dr_secret_read_file(struct dr_secret *s, const char *path, const char *field,
			struct dr_error *err)
{
	char *text = NULL;
	size_t len = 0, start, end;
	int rc;

	s->value = NULL;
	s->len = 0;
	rc = dr_read_file(path, SECRET_MAX, &text, &len, err);
	if (rc) {
		dr_error_prefix(err, "%s", field);
		if (err)
			snprintf(err->field, sizeof(err->field), "%s", field);
		return rc == DR_EIO ? DR_EINVAL : rc;
	}
	/* first line only, blanks trimmed */
	end = strcspn(text, "\r\n");
	start = 0;
	while (start < end && isblank((unsigned char)text[start]))
		start++;
	while (end > start && isblank((unsigned char)text[end - 1]))
		end--;
	for (size_t i = start; i < end; i++) {
		if (iscntrl((unsigned char)text[i])) {
			explicit_bzero(text, len);
			free(text);
			return dr_error_set(err, DR_EINVAL, field,
					    "%s: '%s' holds a control character", field, path);
		}
	}
	if (end == start) {
		explicit_bzero(text, len);
		free(text);
		return dr_error_set(err, DR_EINVAL, field, "%s: '%s' is empty", field, path);
	}
	s->value = dr_xstrndup(text + start, end - start);
	s->len = end - start;
	explicit_bzero(text, len);
	free(text);
	return 0;
}

void dr_secret_set(struct dr_secret *s, const char *value)
{
	s->len = strlen(value);
	s->value = dr_xstrndup(value, s->len);
}

void dr_secret_release(struct dr_secret *s)
{
	if (s->value) {
		explicit_bzero(s->value, s->len);
		free(s->value);
	}
	s->value = NULL;
	s->len = 0;
}

const char *dr_secret_show(const struct dr_secret *s)
{
	return s->value ? "set" : "unset";
}
