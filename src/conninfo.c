/* src/conninfo.c - detect and redact passwords in libpq connection strings
 * and URIs, using libpq's own parser. See include/drover/conninfo.h. */
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>

#include "drover/conninfo.h"
#include "drover/util.h"
#include "banned.h"

bool dr_conninfo_has_password(const char *conninfo)
{
	PQconninfoOption *opts, *o;
	bool found = false;

	if (!conninfo || !*conninfo)
		return false;
	opts = PQconninfoParse(conninfo, NULL);
	if (!opts)
		return false;
	for (o = opts; o->keyword; o++)
		if (!strcmp(o->keyword, "password") && o->val && *o->val)
			found = true;
	PQconninfoFree(opts);
	return found;
}

char *dr_conninfo_redact(const char *conninfo)
{
	static const char *const shown[] = { "host", "hostaddr", "port", "dbname", "user",
					     "sslmode", "service" };
	PQconninfoOption *opts, *o;
	struct dr_sbuf sb;

	if (!conninfo || !*conninfo)
		return dr_xstrdup("(from PG* environment)");
	opts = PQconninfoParse(conninfo, NULL);
	if (!opts)
		return dr_xstrdup("(unparsable conninfo)");
	dr_sbuf_init(&sb);
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
		for (o = opts; o->keyword; o++)
			if (!strcmp(o->keyword, shown[i]) && o->val && *o->val)
				dr_sbuf_addf(&sb, "%s%s=%s", sb.len ? " " : "", o->keyword,
					     o->val);
	for (o = opts; o->keyword; o++)
		if (!strcmp(o->keyword, "password") && o->val && *o->val)
			dr_sbuf_addf(&sb, "%spassword=********", sb.len ? " " : "");
	PQconninfoFree(opts);
	if (!sb.len)
		dr_sbuf_adds(&sb, "(defaults)");
	return dr_sbuf_detach(&sb);
}
