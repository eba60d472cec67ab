/* include/drover/conninfo.h - PostgreSQL connection strings (libpq conninfo
 * "key=value ..." or postgresql:// URIs): detect a password, and redact one
 * before anything is logged or shown. */
#ifndef DROVER_CONNINFO_H
#define DROVER_CONNINFO_H

#include <stdbool.h>

/* True if the string carries a password (password=..., or user:pass@ in a
 * URI). A string libpq cannot parse counts as not carrying one. */
bool dr_conninfo_has_password(const char *conninfo);

/* A copy safe to log: "host=h port=p dbname=d user=u" with any password
 * replaced by "********". Unparsable input gives "(unparsable conninfo)".
 * NULL or "" gives "(from PG* environment)". Caller frees. */
char *dr_conninfo_redact(const char *conninfo);

#endif
