/* include/drover/pdnsapi.h - blocking calls to one PowerDNS worker's HTTP
 * API for the CLI (the daemon uses the curl multi interface instead). The
 * API key travels only in the X-API-Key header and is never copied into an
 * error message. */
#ifndef DROVER_PDNSAPI_H
#define DROVER_PDNSAPI_H

#include <jansson.h>

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

/* METHOD {api_url}{path} ("/api/v1/servers/localhost/..."), with body_in as
 * its JSON body when not NULL. *status is the HTTP status (0: no answer).
 * A 2xx answer succeeds; its JSON goes to *out (NULL for an empty body)
 * when out is not NULL, the caller's to json_decref. Otherwise
 * DR_ECONNECT (unreachable, timeout) or DR_EREFUSED (401/403; another
 * status, with the error text pdns gave; JSON that does not parse). */
int dr_pdnsapi_request(const char *api_url, const struct dr_secret *key, const char *method,
		       const char *path, json_t *body_in, long timeout_ms, long *status,
		       json_t **out, struct dr_error *err) DR_MUSTCHECK;

#endif
