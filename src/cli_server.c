/* src/cli_server.c - `drover server add|list|remove|enable|disable`: the
 * registry of PowerDNS workers. `add` probes the worker's API before it
 * stores anything; secrets are read from files and shown only as "set". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli.h"
#include "drover/db.h"
#include "drover/pdnsapi.h"
#include "drover/server.h"
#include "drover/util.h"
#include "banned.h"

#define PROBE_TIMEOUT_MS 5000

enum {
	OPT_API = 1,
	OPT_API_KEY_FILE,
	OPT_DNS,
	OPT_CONTROL,
	OPT_CONTROL_SECRET_FILE,
	OPT_NOTIFY,
	OPT_NO_NOTIFY,
	OPT_NO_PROBE,
	OPT_JSON,
};

struct server_args {
	const char *api, *api_key_file, *dns, *control, *control_secret_file;
	int notify; /* -1: default */
	bool no_probe, json;
};

static const struct dr_opt add_opts[] = {
	{ "api", true, OPT_API, "URL", "the worker's API, http://HOST:PORT (required)" },
	{ "api-key-file", true, OPT_API_KEY_FILE, "FILE",
	  "file holding the worker's api-key (required)" },
	{ "dns", true, OPT_DNS, "HOST:PORT", "where the worker answers DNS (default API host:53)" },
	{ "control", true, OPT_CONTROL, "HOST:PORT|PATH",
	  "control channel: TCP address, or path of pdns.controlsocket" },
	{ "control-secret-file", true, OPT_CONTROL_SECRET_FILE, "FILE",
	  "file holding tcp-control-secret (required for a TCP control channel)" },
	{ "notify", false, OPT_NOTIFY, NULL,
	  "this worker sends NOTIFYs (default: only if no enabled server does)" },
	{ "no-notify", false, OPT_NO_NOTIFY, NULL, "this worker sends no NOTIFYs" },
	{ "no-probe", false, OPT_NO_PROBE, NULL, "store without asking the API first" },
	{ NULL, false, 0, NULL, NULL },
};

static const struct dr_opt list_opts[] = {
	{ "json", false, OPT_JSON, NULL, "print JSON" },
	{ NULL, false, 0, NULL, NULL },
};

static const struct dr_opt no_opts[] = { { NULL, false, 0, NULL, NULL } };

static int on_opt(void *ctx, int id, const char *value, struct dr_error *err)
{
	struct server_args *a = ctx;

	(void)err;
	switch (id) {
	case OPT_API: a->api = value; break;
	case OPT_API_KEY_FILE: a->api_key_file = value; break;
	case OPT_DNS: a->dns = value; break;
	case OPT_CONTROL: a->control = value; break;
	case OPT_CONTROL_SECRET_FILE: a->control_secret_file = value; break;
	case OPT_NOTIFY: a->notify = 1; break;
	case OPT_NO_NOTIFY: a->notify = 0; break;
	case OPT_NO_PROBE: a->no_probe = true; break;
	case OPT_JSON: a->json = true; break;
	}
	return 0;
}

/* "http://HOST:PORT" -> "HOST:53" */
static char *default_dns(const char *api_url)
{
	const char *host = strstr(api_url, "://") + 3;
	size_t len;

	if (host[0] == '[')
		len = strcspn(host, "]") + 1;
	else
		len = strcspn(host, ":/");
	return dr_xasprintf("%.*s:53", (int)len, host);
}

static int fill_server(struct cli *cli, struct server_args *a, const char *name,
		       struct dr_server *srv)
{
	struct dr_error *err = &cli->err;

	if (dr_server_check_name(name, err))
		return DR_EINVAL;
	srv->name = dr_xstrdup(name);
	if (!a->api)
		return dr_error_set(err, DR_EUSAGE, "api", "--api URL is required");
	if (!a->api_key_file)
		return dr_error_set(err, DR_EUSAGE, "api-key-file", "--api-key-file FILE is required");
	if (dr_server_parse_api_url(a->api, &srv->api_url, err))
		return DR_EINVAL;
	if (a->dns) {
		if (dr_server_check_hostport(a->dns, "--dns", err))
			return DR_EINVAL;
		srv->dns_address = dr_xstrdup(a->dns);
	} else {
		srv->dns_address = default_dns(srv->api_url);
		if (dr_server_check_hostport(srv->dns_address, "--dns", NULL))
			return dr_error_set(err, DR_EUSAGE, "dns",
					    "--dns IP:PORT is required when the API host is not an "
					    "IP address");
	}
	if (a->control_secret_file && !a->control)
		return dr_error_set(err, DR_EUSAGE, "control",
				    "--control-secret-file needs --control HOST:PORT");
	if (a->control) {
		if (a->control[0] == '/') {
			if (a->control_secret_file)
				return dr_error_set(err, DR_EUSAGE, "control",
						    "--control-secret-file is for a TCP control "
						    "channel, not the unix socket '%s'",
						    a->control);
		} else {
			if (dr_server_check_hostport(a->control, "--control", err))
				return DR_EINVAL;
			if (!a->control_secret_file)
				return dr_error_set(err, DR_EUSAGE, "control-secret-file",
						    "a TCP control channel needs "
						    "--control-secret-file FILE");
		}
		srv->control_address = dr_xstrdup(a->control);
	}
	if (dr_secret_read_file(&srv->api_key, a->api_key_file, "--api-key-file", err))
		return DR_EINVAL;
	if (a->control_secret_file &&
	    dr_secret_read_file(&srv->control_secret, a->control_secret_file,
				"--control-secret-file", err))
		return DR_EINVAL;
	return 0;
}

static int server_add(struct cli *cli, int argc, char **argv)
{
	struct server_args a = { .notify = -1 };
	struct dr_server srv = { 0 };
	struct dr_pdns_info info = { 0 };
	PGconn *conn = NULL;
	bool help;
	int npos, rc;

	rc = cli_parse(cli, argc, argv, add_opts, on_opt, &a,
		       "server add NAME --api URL --api-key-file FILE [OPTIONS]", &npos, &help);
	if (rc || help)
		return rc;
	if (npos != 1)
		return cli_usage_error(cli, "expected one NAME, got %d arguments", npos);
	rc = cli_setup(cli);
	if (rc)
		return rc;
	if (fill_server(cli, &a, argv[0], &srv)) {
		rc = cli->err.code == DR_EUSAGE ? cli_usage_error(cli, "%s", cli->err.msg)
						: cli_fail(cli);
		goto out;
	}
	if (!a.no_probe) {
		if (dr_pdnsapi_probe(srv.api_url, &srv.api_key, PROBE_TIMEOUT_MS, &info,
				     &cli->err)) {
			dr_error_prefix(&cli->err, "server '%s' not added", srv.name);
			rc = cli_fail(cli);
			goto out;
		}
		srv.pdns_version = dr_xstrdup(info.version);
	}
	conn = cli_connect(cli);
	if (!conn) {
		rc = dr_exit_code(cli->err.code);
		goto out;
	}
	if (dr_server_add(conn, &srv, a.notify, &cli->err)) {
		rc = cli_fail(cli);
		goto out;
	}
	printf("server '%s' added: PowerDNS %s, api %s, dns %s, control %s, notify %s\n",
	       srv.name, srv.pdns_version ? srv.pdns_version : "(not probed)", srv.api_url,
	       srv.dns_address, srv.control_address ? srv.control_address : "none",
	       srv.notify ? "yes" : "no");
	rc = DR_EXIT_OK;
out:
	dr_db_close(conn);
	dr_pdns_info_release(&info);
	dr_server_release(&srv);
	return rc;
}

static json_t *server_json(const struct dr_server *s)
{
	return json_pack("{s:s, s:b, s:b, s:s?, s:s, s:s, s:s?, s:s, s:s}", "name", s->name,
			 "enabled", s->enabled, "notify", s->notify, "pdns_version",
			 s->pdns_version, "api_url", s->api_url, "dns_address", s->dns_address,
			 "control_address", s->control_address, "api_key",
			 s->has_api_key ? "set" : "unset", "control_secret",
			 s->has_control_secret ? "set" : "unset");
}

static int server_list(struct cli *cli, int argc, char **argv)
{
	struct server_args a = { .notify = -1 };
	struct dr_server *list = NULL;
	PGconn *conn;
	size_t n = 0;
	bool help;
	int npos, rc;

	rc = cli_parse(cli, argc, argv, list_opts, on_opt, &a, "server list [--json]", &npos,
		       &help);
	if (rc || help)
		return rc;
	conn = cli_start(cli, npos, 0, false, "", argv, &rc);
	if (!conn)
		return rc;
	if (dr_server_list(conn, &list, &n, &cli->err)) {
		rc = cli_fail(cli);
		goto out;
	}
	if (a.json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, server_json(&list[i]));
		json_dumpf(arr, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(arr);
	} else {
		printf("%-16s %-8s %-6s %-8s %-28s %-22s %-24s %-7s %s\n", "NAME", "ENABLED",
		       "NOTIFY", "VERSION", "API", "DNS", "CONTROL", "API-KEY", "CONTROL-SECRET");
		for (size_t i = 0; i < n; i++) {
			const struct dr_server *s = &list[i];

			printf("%-16s %-8s %-6s %-8s %-28s %-22s %-24s %-7s %s\n", s->name,
			       s->enabled ? "yes" : "no", s->notify ? "yes" : "no",
			       s->pdns_version ? s->pdns_version : "-", s->api_url, s->dns_address,
			       s->control_address ? s->control_address : "-",
			       s->has_api_key ? "set" : "unset",
			       s->has_control_secret ? "set" : "unset");
		}
	}
	rc = DR_EXIT_OK;
out:
	dr_server_list_free(list, n);
	dr_db_close(conn);
	return rc;
}

/* remove, enable, disable: one NAME, one statement. */
static int server_by_name(struct cli *cli, int argc, char **argv, const char *verb)
{
	char usage[64];
	PGconn *conn;
	bool help;
	int npos, rc;

	snprintf(usage, sizeof(usage), "server %s NAME", verb);
	rc = cli_parse(cli, argc, argv, no_opts, NULL, NULL, usage, &npos, &help);
	if (rc || help)
		return rc;
	conn = cli_start(cli, npos, 1, false, "NAME", argv, &rc);
	if (!conn)
		return rc;
	if (!strcmp(verb, "remove"))
		rc = dr_server_remove(conn, argv[0], &cli->err);
	else
		rc = dr_server_set_enabled(conn, argv[0], !strcmp(verb, "enable"), &cli->err);
	if (rc) {
		rc = cli_fail(cli);
	} else {
		printf("server '%s' %s\n", argv[0],
		       !strcmp(verb, "remove") ? "removed" :
		       !strcmp(verb, "enable") ? "enabled" : "disabled");
		rc = DR_EXIT_OK;
	}
	dr_db_close(conn);
	return rc;
}

static void server_help(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s server add NAME --api URL --api-key-file FILE [--dns HOST:PORT]\n"
		"                 [--control HOST:PORT|PATH [--control-secret-file FILE]]\n"
		"                 [--notify|--no-notify] [--no-probe]\n"
		"       %s server list [--json]\n"
		"       %s server remove NAME\n"
		"       %s server enable NAME\n"
		"       %s server disable NAME\n"
		"\n'%s server SUBCOMMAND --help' describes each.\n",
		prog, prog, prog, prog, prog, prog);
}

static int server_remove(struct cli *cli, int argc, char **argv)
{
	return server_by_name(cli, argc, argv, "remove");
}

static int server_enable(struct cli *cli, int argc, char **argv)
{
	return server_by_name(cli, argc, argv, "enable");
}

static int server_disable(struct cli *cli, int argc, char **argv)
{
	return server_by_name(cli, argc, argv, "disable");
}

static const struct cli_command server_subs[] = {
	{ "add", "register a worker", server_add },
	{ "list", "list the workers", server_list },
	{ "remove", "forget a worker", server_remove },
	{ "enable", "deliver changes to a worker again", server_enable },
	{ "disable", "stop delivering changes to a worker", server_disable },
	{ NULL, NULL, NULL },
};

int cli_server_run(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, "server", server_subs, server_help, argc, argv);
}
