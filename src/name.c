/* src/name.c - domain names from people to PowerDNS's storage form: IDNA
 * A-labels for UTF-8 labels (libidn2), lowercase, label and length limits,
 * relative names completed with the zone. See include/drover/name.h. */
#include <ctype.h>
#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drover/name.h"
#include "drover/util.h"
#include "banned.h"

#define NAME_MAX_TEXT 253 /* presentation length without the final dot */
#define LABEL_MAX 63

static bool has_non_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return true;
	return false;
}

/* Append one label (n bytes at s) to sb, converted and checked. */
static int add_label(struct dr_sbuf *sb, const char *s, size_t n, bool first, const char *input,
		     struct dr_error *err)
{
	char *label = dr_xstrndup(s, n), *ascii = NULL;
	const char *use = label;
	int rc = 0;

	if (n == 0) {
		rc = dr_error_set(err, DR_EINVAL, "name", "bad name '%s': empty label", input);
		goto out;
	}
	if (has_non_ascii(label, n)) {
		int irc = idn2_to_ascii_8z(label, &ascii, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);

		if (irc != IDN2_OK) {
			rc = dr_error_set(err, DR_EINVAL, "name",
					  "bad name '%s': label '%s' is not a valid IDN (%s)", input,
					  label, idn2_strerror(irc));
			goto out;
		}
		use = ascii;
	}
	if (strlen(use) > LABEL_MAX) {
		rc = dr_error_set(err, DR_EINVAL, "name",
				  "bad name '%s': label '%.20s...' is longer than 63 bytes", input,
				  use);
		goto out;
	}
	if (!strcmp(use, "*")) {
		if (!first)
			rc = dr_error_set(err, DR_EINVAL, "name",
					  "bad name '%s': '*' may only be the first label", input);
		goto append;
	}
	for (const char *c = use; *c; c++) {
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '/') {
			rc = dr_error_set(err, DR_EINVAL, "name",
					  "bad name '%s': character '%c' is not allowed (use "
					  "letters, digits, '-', '_', '/')",
					  input, *c);
			goto out;
		}
	}
append:
	if (!rc) {
		if (sb->len)
			dr_sbuf_add(sb, ".", 1);
		for (const char *c = use; *c; c++) {
			char lc = (char)tolower((unsigned char)*c);

			dr_sbuf_add(sb, &lc, 1);
		}
	}
out:
	free(ascii);
	free(label);
	return rc;
}

/* Convert "a.b.c" (no trailing dot) label by label into sb. */
static int convert(struct dr_sbuf *sb, const char *text, size_t n, const char *input,
		   struct dr_error *err)
{
	size_t start = 0;
	int rc;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && text[i] != '.')
			continue;
		rc = add_label(sb, text + start, i - start, start == 0, input, err);
		if (rc)
			return rc;
		start = i + 1;
	}
	return 0;
}

static int check_length(const struct dr_sbuf *sb, const char *input, struct dr_error *err)
{
	if (sb->len > NAME_MAX_TEXT)
		return dr_error_set(err, DR_EINVAL, "name",
				    "bad name '%.60s...': longer than 253 characters", input);
	return 0;
}

int dr_name_zone(const char *input, char **out, struct dr_error *err)
{
	struct dr_sbuf sb;
	size_t n = strlen(input);
	int rc;

	*out = NULL;
	if (n && input[n - 1] == '.')
		n--;
	if (n == 0)
		return dr_error_set(err, DR_EINVAL, "zone",
				    "bad zone name '%s': the root zone is not supported", input);
	dr_sbuf_init(&sb);
	rc = convert(&sb, input, n, input, err);
	if (!rc)
		rc = check_length(&sb, input, err);
	if (!rc && strchr(dr_sbuf_str(&sb), '*'))
		rc = dr_error_set(err, DR_EINVAL, "zone", "bad zone name '%s': '*' not allowed",
				  input);
	if (rc) {
		if (err)
			snprintf(err->field, sizeof(err->field), "zone");
		dr_sbuf_release(&sb);
		return rc;
	}
	*out = dr_sbuf_detach(&sb);
	return 0;
}

bool dr_name_in_zone(const char *name, const char *zone)
{
	size_t n = strlen(name), z = strlen(zone);

	if (!strcmp(zone, "."))
		return true;
	if (n == z)
		return !strcmp(name, zone);
	return n > z && name[n - z - 1] == '.' && !strcmp(name + n - z, zone);
}

int dr_name_owner(const char *zone, const char *input, char **out, struct dr_error *err)
{
	struct dr_sbuf sb;
	size_t n = strlen(input);
	bool absolute;
	int rc;

	*out = NULL;
	if (!strcmp(input, "@")) {
		*out = dr_xstrdup(zone);
		return 0;
	}
	absolute = n && input[n - 1] == '.';
	if (absolute)
		n--;
	if (n == 0)
		return dr_error_set(err, DR_EINVAL, "name", "bad name '%s': empty", input);
	dr_sbuf_init(&sb);
	rc = convert(&sb, input, n, input, err);
	if (!rc && !absolute) {
		dr_sbuf_add(&sb, ".", 1);
		dr_sbuf_adds(&sb, zone);
	}
	if (!rc)
		rc = check_length(&sb, input, err);
	if (!rc && !dr_name_in_zone(dr_sbuf_str(&sb), zone))
		rc = dr_error_set(err, DR_EINVAL, "name", "name '%s' is outside zone '%s.'", input,
				  zone);
	if (rc) {
		dr_sbuf_release(&sb);
		return rc;
	}
	*out = dr_sbuf_detach(&sb);
	return 0;
}

char *dr_name_fqdn(const char *name)
{
	if (!strcmp(name, "."))
		return dr_xstrdup(".");
	return dr_xasprintf("%s.", name);
}
