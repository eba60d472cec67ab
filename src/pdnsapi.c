/* src/pdnsapi.c - blocking requests to one PowerDNS worker's HTTP API for
 * CLI commands (`server add` probes the server, `zone secure` makes keys). libcurl's easy interface;
 * the API key goes only into the X-API-Key header, built in a buffer that
 * is wiped after use. See include/drover/pdnsapi.h. */
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <jansson.h>

#include "drover/pdnsapi.h"
#include "drover/util.h"
#include "banned.h"

#define BODY_MAX (1024 * 1024)

struct body {
	struct dr_sbuf sb;
	bool too_big;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct body *b = ud;
	size_t n = size * nmemb;

	if (b->sb.len + n > BODY_MAX) {
		b->too_big = true;
		return 0;
	}
	dr_sbuf_add(&b->sb, ptr, n);
	return n;
}

void dr_pdns_info_release(struct dr_pdns_info *info)
{
	free(info->daemon_type);
	free(info->version);
	info->daemon_type = info->version = NULL;
}

/* The error text pdns puts in a refused request's body ({"error": "..."}),
 * or "" (borrowed from root). */
static const char *api_error_text(json_t *root)
{
	json_t *e = root ? json_object_get(root, "error") : NULL;

	return json_is_string(e) ? json_string_value(e) : "";
}

int dr_pdnsapi_request(const char *api_url, const struct dr_secret *key, const char *method,
		       const char *path, json_t *body_in, long timeout_ms, long *status,
		       json_t **out, struct dr_error *err)
{
	struct curl_slist *headers = NULL;
	struct body body = { .too_big = false };
	char errbuf[CURL_ERROR_SIZE] = "";
	char *url, *header, *payload = NULL;
	json_error_t jerr;
	CURLcode cc;
	CURL *c;
	int rc = 0;

	*status = 0;
	if (out)
		*out = NULL;
	c = curl_easy_init();
	if (!c)
		dr_oom();
	dr_sbuf_init(&body.sb);
	url = dr_xasprintf("%s%s", api_url, path);
	header = dr_xasprintf("X-API-Key: %s", key->value ? key->value : "");
	headers = curl_slist_append(headers, header);
	headers = curl_slist_append(headers, "Accept: application/json");
	if (body_in) {
		payload = json_dumps(body_in, JSON_COMPACT);
		if (!payload)
			dr_oom();
		headers = curl_slist_append(headers, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
	}
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (cc != CURLE_OK && !(cc == CURLE_WRITE_ERROR && body.too_big)) {
		rc = dr_error_set(err, DR_ECONNECT, "api", "cannot reach '%s': %s", api_url,
				  *errbuf ? errbuf : curl_easy_strerror(cc));
	} else if (body.too_big) {
		rc = dr_error_set(err, DR_EREFUSED, "api",
				  "'%s' is not a PowerDNS API: answer larger than %d bytes", api_url,
				  BODY_MAX);
	} else if (*status == 401 || *status == 403) {
		rc = dr_error_set(err, DR_EREFUSED, "api-key",
				  "'%s' rejected the API key (HTTP %ld): check --api-key-file", api_url,
				  *status);
	} else {
		json_t *root = body.sb.len ? json_loads(dr_sbuf_str(&body.sb), 0, &jerr) : NULL;

		if (*status < 200 || *status > 299) {
			const char *why = api_error_text(root);

			rc = dr_error_set(err, DR_EREFUSED, "api", "'%s' answered %s %s with HTTP %ld%s%.200s",
					  api_url, method, path, *status, *why ? ": " : "", why);
			json_decref(root);
		} else if (out && !root && body.sb.len) {
			rc = dr_error_set(err, DR_EREFUSED, "api",
					  "'%s' is not a PowerDNS API: invalid JSON (%s)", api_url,
					  jerr.text);
		} else if (out) {
			*out = root;
		} else {
			json_decref(root);
		}
	}
	curl_slist_free_all(headers);
	explicit_bzero(header, strlen(header));
	free(header);
	free(payload);
	free(url);
	dr_sbuf_release(&body.sb);
	curl_easy_cleanup(c);
	return rc;
}

int dr_pdnsapi_probe(const char *api_url, const struct dr_secret *key, long timeout_ms,
		     struct dr_pdns_info *info, struct dr_error *err)
{
	json_t *root = NULL;
	json_t *type, *version;
	long status;
	int rc;

	info->daemon_type = info->version = NULL;
	rc = dr_pdnsapi_request(api_url, key, "GET", "/api/v1/servers/localhost", NULL, timeout_ms,
				&status, &root, err);
	if (rc && err->code == DR_EREFUSED && status != 401 && status != 403 && status != 200)
		return dr_error_set(err, DR_EREFUSED, "api",
				    "'%s' is not a PowerDNS API: GET /api/v1/servers/localhost answered "
				    "HTTP %ld",
				    api_url, status);
	if (rc)
		return rc;
	type = json_object_get(root, "daemon_type");
	version = json_object_get(root, "version");
	if (!json_is_string(type) || !json_is_string(version)) {
		rc = dr_error_set(err, DR_EREFUSED, "api",
				  "'%s' is not a PowerDNS API: no daemon_type or version in the "
				  "server object",
				  api_url);
	} else if (strcmp(json_string_value(type), "authoritative")) {
		rc = dr_error_set(err, DR_EREFUSED, "api",
				  "'%s' is a PowerDNS '%.40s', not an authoritative server", api_url,
				  json_string_value(type));
	} else {
		info->daemon_type = dr_xstrdup(json_string_value(type));
		info->version = dr_xstrdup(json_string_value(version));
	}
	json_decref(root);
	return rc;
}
