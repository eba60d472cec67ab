/* src/opt.c - long-option parsing for subcommands. See include/drover/opt.h.
 * Reorders argv in place (positionals first); allocates nothing. */
#include <string.h>

#include "drover/opt.h"
#include "banned.h"

static const struct dr_opt *find_opt(const struct dr_opt *const *tables, const char *name,
				     size_t len)
{
	for (; *tables; tables++)
		for (const struct dr_opt *o = *tables; o->name; o++)
			if (strlen(o->name) == len && !strncmp(o->name, name, len))
				return o;
	return NULL;
}

int dr_opt_parse(int argc, char **argv, const struct dr_opt *const *tables, dr_opt_cb cb,
		 void *ctx, int *npos, bool *help, struct dr_error *err)
{
	int pos = 0, rc;
	bool only_pos = false;

	*help = false;
	for (int i = 0; i < argc; i++) {
		char *a = argv[i];
		const struct dr_opt *o;
		const char *value = NULL, *eq;
		size_t len;

		/* "-", and negative numbers ("-1" as a TTL), are positional */
		if (only_pos || a[0] != '-' || !strcmp(a, "-") || (a[1] >= '0' && a[1] <= '9')) {
			argv[pos++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_pos = true;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			*help = true;
			continue;
		}
		if (a[1] != '-')
			return dr_error_set(err, DR_EUSAGE, a, "unknown option '%s'", a);
		eq = strchr(a + 2, '=');
		len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
		o = find_opt(tables, a + 2, len);
		if (!o)
			return dr_error_set(err, DR_EUSAGE, a, "unknown option '--%.*s'", (int)len,
					    a + 2);
		if (o->has_arg == DR_OPT_OPTIONAL) {
			value = eq ? eq + 1 : NULL;
		} else if (o->has_arg) {
			if (eq)
				value = eq + 1;
			else if (i + 1 < argc)
				value = argv[++i];
			else
				return dr_error_set(err, DR_EUSAGE, o->name,
						    "option '--%s' needs a value", o->name);
		} else if (eq) {
			return dr_error_set(err, DR_EUSAGE, o->name,
					    "option '--%s' takes no value", o->name);
		}
		rc = cb(ctx, o->id, value, err);
		if (rc)
			return rc;
	}
	*npos = pos;
	return 0;
}

void dr_opt_print(FILE *out, const struct dr_opt *opts)
{
	for (const struct dr_opt *o = opts; o->name; o++) {
		char left[64];

		if (o->has_arg == DR_OPT_OPTIONAL)
			snprintf(left, sizeof(left), "--%s[=%s]", o->name,
				 o->arg_name ? o->arg_name : "VALUE");
		else
			snprintf(left, sizeof(left), "--%s%s%s", o->name, o->has_arg ? " " : "",
				 o->has_arg ? (o->arg_name ? o->arg_name : "VALUE") : "");
		fprintf(out, "  %-28s %s\n", left, o->help ? o->help : "");
	}
}
