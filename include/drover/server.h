/* include/drover/server.h - the registry of PowerDNS workers, stored in
 * drover.servers (addresses, flags, probed version) and
 * drover.server_secrets (API key, control secret; readable only by the
 * drover owner role). Blocking libpq; the CLI and the daemon's start-up use
 * it. Secrets are loaded only by callers that need them. */
#ifndef DROVER_SERVER_H
#define DROVER_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>

#include "drover/err.h"
#include "drover/secret.h"

struct dr_server {
	long long id;
	char *name;
	char *api_url;         /* "http://127.0.0.1:8081", no trailing slash */
	char *dns_address;     /* "127.0.0.1:53" */
	char *control_address; /* "127.0.0.1:53000", a unix socket path, or NULL */
	bool notify;           /* this server sends NOTIFYs for primary zones */
	bool enabled;
	char *pdns_version;    /* from the last probe, or NULL */
	bool has_api_key, has_control_secret;
	struct dr_secret api_key;        /* only filled by dr_server_load_secrets */
	struct dr_secret control_secret; /* likewise */
};

/* Validate a server name: 1-63 of [A-Za-z0-9._-], starting alphanumeric. */
int dr_server_check_name(const char *name, struct dr_error *err) DR_MUSTCHECK;

/* Normalise and validate "http[s]://HOST[:PORT]" (trailing slash dropped).
 * Caller frees *out. */
int dr_server_parse_api_url(const char *url, char **out, struct dr_error *err) DR_MUSTCHECK;

/* Validate "IP:PORT" ("[v6]:PORT" too), numeric; port 1-65535. */
int dr_server_check_hostport(const char *s, const char *field, struct dr_error *err) DR_MUSTCHECK;

/* Insert a server and its secrets in one transaction. notify < 0 means
 * "only if no enabled server notifies yet". DR_EEXIST if the name is taken. */
int dr_server_add(PGconn *conn, struct dr_server *srv, int notify, struct dr_error *err)
	DR_MUSTCHECK;

/* All servers ordered by name (secrets not loaded). Caller frees with
 * dr_server_list_free. */
int dr_server_list(PGconn *conn, struct dr_server **out, size_t *n, struct dr_error *err)
	DR_MUSTCHECK;
void dr_server_list_free(struct dr_server *list, size_t n);

/* Fill api_key and control_secret of srv from the secrets table. */
int dr_server_load_secrets(PGconn *conn, struct dr_server *srv, struct dr_error *err)
	DR_MUSTCHECK;

int dr_server_remove(PGconn *conn, const char *name, struct dr_error *err) DR_MUSTCHECK;
int dr_server_set_enabled(PGconn *conn, const char *name, bool enabled, struct dr_error *err)
	DR_MUSTCHECK;

/* Free the strings and secrets of one server (not the struct itself). */
void dr_server_release(struct dr_server *srv);

#endif
