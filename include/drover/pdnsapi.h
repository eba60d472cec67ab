/* include/drover/pdnsapi.h - blocking calls to one PowerDNS worker's HTTP
 * API for the CLI (the daemon uses the curl multi interface instead). The
 * API key travels only in the X-API-Key header and is never copied into an
 * error message. */
#ifndef DROVER_PDNSAPI_H
#define DROVER_PDNSAPI_H

#include "drover/err.h"
#include "drover/secret.h"

struct dr_pdns_info {
	char *daemon_type; /* "authoritative" */
	char *version;     /* "4.7.3" */
};

/* GET {api_url}/api/v1/servers/localhost. Succeeds only for an
 * authoritative server; otherwise DR_ECONNECT (unreachable, timeout),
 * DR_EREFUSED (401/403, other HTTP status, not PowerDNS, not authoritative)
 * with the reason in err. Caller releases info with dr_pdns_info_release. */
int dr_pdnsapi_probe(const char *api_url, const struct dr_secret *key, long timeout_ms,
		     struct dr_pdns_info *info, struct dr_error *err) DR_MUSTCHECK;
void dr_pdns_info_release(struct dr_pdns_info *info);

#endif
