/* src/zonexport.c - print a zone as a zone file that imports back to the
 * same rows: the enabled rrsets dr_zone_rrsets reads (SOA first; no empty
 * non-terminals), owners relative to $ORIGIN. See include/drover/zonexport.h. */
#include <stdlib.h>
#include <string.h>

#include "drover/zone.h"
#include "drover/zonexport.h"
#include "banned.h"

/* "www.example.com." under "example.com." -> "www"; the apex -> "@"; a
 * name outside (cannot happen for a zone's own rows) stays absolute. */
static void print_owner(FILE *out, const char *fqdn, const char *origin)
{
	size_t n = strlen(fqdn), o = strlen(origin);

	if (!strcmp(fqdn, origin))
		fputc('@', out);
	else if (n > o && fqdn[n - o - 1] == '.' && !strcmp(fqdn + n - o, origin))
		fprintf(out, "%.*s", (int)(n - o - 1), fqdn);
	else
		fputs(fqdn, out);
}

int dr_zone_export(PGconn *conn, const char *zone, FILE *out, struct dr_error *err)
{
	struct dr_zone_info info = { 0 };
	struct dr_rrset *sets = NULL;
	size_t n = 0;
	int rc;

	rc = dr_zone_rrsets(conn, zone, &info, &sets, &n, err);
	if (rc)
		return rc;
	fprintf(out, "; zone %s (%s), serial %lld\n$ORIGIN %s\n", info.name, info.kind,
		info.serial, info.name);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < sets[i].nrecords; j++) {
			print_owner(out, sets[i].name, info.name);
			fprintf(out, "\t%lld\tIN\t%s\t%s\n", sets[i].ttl, sets[i].type,
				sets[i].records[j]);
		}
	}
	dr_rrsets_free(sets, n);
	free(info.name);
	free(info.kind);
	free(info.account);
	return 0;
}
