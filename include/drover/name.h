/* include/drover/name.h - domain names as drover takes them from people and
 * stores them for PowerDNS: relative to a zone, "@", or absolute with a
 * trailing dot; UTF-8 labels turned into IDNA A-labels (libidn2); lowercase;
 * stored without the trailing dot (the root is "."). Pure functions: no I/O.
 * Every char * result is the caller's to free. */
#ifndef DROVER_NAME_H
#define DROVER_NAME_H

#include <stdbool.h>

#include "drover/err.h"

/* A zone's name: always absolute, trailing dot optional ("Example.COM." ->
 * "example.com"). DR_EINVAL naming the input and the reason. */
int dr_name_zone(const char *input, char **out, struct dr_error *err) DR_MUSTCHECK;

/* An owner name inside zone (zone in storage form): "@" is the apex, a name
 * with a trailing dot is absolute, any other is relative to the zone. The
 * result must be the zone or below it, or DR_EINVAL says it is outside. */
int dr_name_owner(const char *zone, const char *input, char **out, struct dr_error *err)
	DR_MUSTCHECK;

/* True if name (storage form) is zone or below it. */
bool dr_name_in_zone(const char *name, const char *zone);

/* Storage form to presentation form: "www.example.com" -> "www.example.com.". */
char *dr_name_fqdn(const char *name);

#endif
