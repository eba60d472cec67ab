/* src/server.c - the worker registry in drover.servers and
 * drover.server_secrets: validation of names and addresses, add, list,
 * remove, enable and disable. See include/drover/server.h. Every statement
 * is parameterised; secrets go to the database as parameters only. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drover/addr.h"
#include "drover/db.h"
#include "drover/server.h"
#include "drover/util.h"
#include "banned.h"

int dr_server_check_name(const char *name, struct dr_error *err)
{
	size_t n = strlen(name);

	if (n == 0 || n > 63 || !isalnum((unsigned char)name[0]))
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("._-", name[i]))
			goto bad;
	return 0;
bad:
	return dr_error_set(err, DR_EINVAL, "name",
			    "bad server name '%s': use 1-63 letters, digits, '.', '_' or '-', "
			    "starting with a letter or digit",
			    name);
}

static bool valid_port(const char *s, size_t len)
{
	long v = 0;

	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

static bool valid_host(const char *s, size_t len)
{
	if (len == 0)
		return false;
	if (s[0] == '[')
		return len > 2 && s[len - 1] == ']';
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr(".-_", s[i]))
			return false;
	return true;
}

/* Split "host:port" or "[v6]:port" at its last colon. */
static bool split_hostport(const char *s, size_t len, bool port_required)
{
	const char *colon = NULL;

	for (size_t i = 0; i < len; i++)
		if (s[i] == ':')
			colon = s + i;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (!close)
			return false;
		if (close + 1 == s + len)
			return !port_required && valid_host(s, len);
		if (close[1] != ':')
			return false;
		colon = close + 1;
	}
	if (!colon)
		return !port_required && valid_host(s, len);
	return valid_host(s, (size_t)(colon - s)) &&
	       valid_port(colon + 1, (size_t)(s + len - colon - 1));
}

int dr_server_check_hostport(const char *s, const char *field, struct dr_error *err)
{
	struct sockaddr_storage ss;
	socklen_t len;

	/* numeric: the daemon never resolves names on its loop */
	if (!split_hostport(s, strlen(s), true) || dr_addr_parse(s, &ss, &len))
		return dr_error_set(err, DR_EINVAL, field,
				    "%s: expected IP:PORT or [IPv6]:PORT (port 1-65535), got '%s'",
				    field, s);
	return 0;
}

int dr_server_parse_api_url(const char *url, char **out, struct dr_error *err)
{
	const char *rest;
	size_t len;

	*out = NULL;
	if (!strncmp(url, "http://", 7))
		rest = url + 7;
	else if (!strncmp(url, "https://", 8))
		rest = url + 8;
	else
		goto bad;
	len = strlen(rest);
	while (len > 0 && rest[len - 1] == '/')
		len--;
	if (memchr(rest, '/', len) || memchr(rest, '@', len) || !split_hostport(rest, len, false))
		goto bad;
	*out = dr_xstrndup(url, (size_t)(rest - url) + len);
	return 0;
bad:
	return dr_error_set(err, DR_EINVAL, "api",
			    "--api: expected http://HOST:PORT or https://HOST:PORT, got '%s'", url);
}

int dr_server_add(PGconn *conn, struct dr_server *srv, int notify, struct dr_error *err)
{
	const char *p[9];
	PGresult *res = NULL;
	int rc;

	rc = dr_db_begin(conn, err);
	if (rc)
		return rc;
	/* serialise "who notifies by default" between concurrent adds */
	rc = dr_db_exec(conn, "LOCK TABLE drover.servers IN SHARE ROW EXCLUSIVE MODE", 0, NULL,
			NULL, err);
	if (rc)
		goto fail;
	p[0] = srv->name;
	p[1] = srv->api_url;
	p[2] = srv->dns_address;
	p[3] = srv->control_address;
	p[4] = notify < 0 ? NULL : notify ? "t" : "f";
	p[5] = srv->pdns_version;
	rc = dr_db_exec(conn,
			"INSERT INTO drover.servers (name, api_url, dns_address, control_address,"
			" notify, pdns_version, probed_at)"
			" VALUES ($1, $2, $3, $4,"
			" coalesce($5::boolean, NOT EXISTS (SELECT 1 FROM drover.servers"
			"   WHERE notify AND enabled)),"
			" $6::text, CASE WHEN $6::text IS NULL THEN NULL ELSE now() END)"
			" ON CONFLICT (name) DO NOTHING RETURNING id, notify",
			6, p, &res, err);
	if (rc)
		goto fail;
	if (PQntuples(res) == 0) {
		PQclear(res);
		rc = dr_error_set(err, DR_EEXIST, "name", "server '%s' already exists",
				  srv->name);
		goto fail;
	}
	srv->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	srv->notify = !strcmp(PQgetvalue(res, 0, 1), "t");
	p[0] = PQgetvalue(res, 0, 0);
	p[1] = srv->api_key.value;
	p[2] = srv->control_secret.value;
	rc = dr_db_exec(conn,
			"INSERT INTO drover.server_secrets (server_id, api_key, control_secret)"
			" VALUES ($1, $2, $3)",
			3, p, NULL, err);
	PQclear(res);
	if (rc)
		goto fail;
	return dr_db_commit(conn, err);
fail:
	dr_db_rollback(conn);
	return rc;
}

static char *dup_or_null(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : dr_xstrdup(PQgetvalue(res, row, col));
}

int dr_server_list(PGconn *conn, struct dr_server **out, size_t *n, struct dr_error *err)
{
	PGresult *res;
	struct dr_server *list;
	int rc, rows;

	*out = NULL;
	*n = 0;
	rc = dr_db_exec(conn,
			"SELECT s.id, s.name, s.api_url, s.dns_address, s.control_address,"
			" s.notify, s.enabled, s.pdns_version,"
			" k.api_key IS NOT NULL, k.control_secret IS NOT NULL"
			" FROM drover.servers s"
			" LEFT JOIN drover.server_secrets k ON k.server_id = s.id"
			" ORDER BY s.name",
			0, NULL, &res, err);
	if (rc)
		return rc;
	rows = PQntuples(res);
	list = dr_xcalloc((size_t)rows + 1, sizeof(*list));
	for (int r = 0; r < rows; r++) {
		struct dr_server *s = &list[r];

		s->id = strtoll(PQgetvalue(res, r, 0), NULL, 10);
		s->name = dup_or_null(res, r, 1);
		s->api_url = dup_or_null(res, r, 2);
		s->dns_address = dup_or_null(res, r, 3);
		s->control_address = dup_or_null(res, r, 4);
		s->notify = !strcmp(PQgetvalue(res, r, 5), "t");
		s->enabled = !strcmp(PQgetvalue(res, r, 6), "t");
		s->pdns_version = dup_or_null(res, r, 7);
		s->has_api_key = !strcmp(PQgetvalue(res, r, 8), "t");
		s->has_control_secret = !strcmp(PQgetvalue(res, r, 9), "t");
	}
	PQclear(res);
	*out = list;
	*n = (size_t)rows;
	return 0;
}

int dr_server_load_secrets(PGconn *conn, struct dr_server *srv, struct dr_error *err)
{
	char id[32];
	const char *p[1] = { id };
	PGresult *res;
	int rc;

	snprintf(id, sizeof(id), "%lld", srv->id);
	rc = dr_db_exec(conn,
			"SELECT api_key, control_secret FROM drover.server_secrets"
			" WHERE server_id = $1",
			1, p, &res, err);
	if (rc)
		return rc;
	if (PQntuples(res) == 1) {
		dr_secret_release(&srv->api_key);
		dr_secret_release(&srv->control_secret);
		if (!PQgetisnull(res, 0, 0))
			dr_secret_set(&srv->api_key, PQgetvalue(res, 0, 0));
		if (!PQgetisnull(res, 0, 1))
			dr_secret_set(&srv->control_secret, PQgetvalue(res, 0, 1));
	}
	/* wipe libpq's copy before it is freed */
	for (int c = 0; c < PQnfields(res) && PQntuples(res) == 1; c++) {
		char *v = PQgetvalue(res, 0, c);

		explicit_bzero(v, strlen(v));
	}
	PQclear(res);
	return 0;
}

static int exec_on_name(PGconn *conn, const char *sql, const char *name, struct dr_error *err)
{
	const char *p[1] = { name };
	PGresult *res;
	int rc;

	rc = dr_db_exec(conn, sql, 1, p, &res, err);
	if (rc)
		return rc;
	rc = strcmp(PQcmdTuples(res), "0") ? 0 :
		dr_error_set(err, DR_ENOTFOUND, "name", "no server named '%s'", name);
	PQclear(res);
	return rc;
}

int dr_server_remove(PGconn *conn, const char *name, struct dr_error *err)
{
	return exec_on_name(conn, "DELETE FROM drover.servers WHERE name = $1", name, err);
}

int dr_server_set_enabled(PGconn *conn, const char *name, bool enabled, struct dr_error *err)
{
	/* a disabled server loses its cursor: pruning no longer waits for it,
	 * and when it is enabled again the daemon purges it whole and starts
	 * it at the head of the log */
	return exec_on_name(conn,
			    enabled ? "UPDATE drover.servers SET enabled = true WHERE name = $1"
				    : "WITH s AS (UPDATE drover.servers SET enabled = false"
				      "  WHERE name = $1 RETURNING id),"
				      " c AS (DELETE FROM drover.cursors WHERE server_id IN"
				      "  (SELECT id FROM s))"
				      " SELECT id FROM s",
			    name, err);
}

void dr_server_release(struct dr_server *srv)
{
	free(srv->name);
	free(srv->api_url);
	free(srv->dns_address);
	free(srv->control_address);
	free(srv->pdns_version);
	dr_secret_release(&srv->api_key);
	dr_secret_release(&srv->control_secret);
	memset(srv, 0, sizeof(*srv));
}

void dr_server_list_free(struct dr_server *list, size_t n)
{
	if (!list)
		return;
	for (size_t i = 0; i < n; i++)
		dr_server_release(&list[i]);
	free(list);
}
