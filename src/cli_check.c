/* src/cli_check.c - `drover check [--server NAME ...] [--zone NAME ...]
 * [--json] [--repair] [--sample N]`: read the zones and serials of the
 * primary database in one query (and, with --sample, N rrsets per zone in
 * one more), and the registered servers, then run the drift checker
 * (src/check.c) on a loop of its own and print its report; signed zones
 * whose rows are not rectified are found in the database (src/checksigned.c)
 * and, with --repair, rectified. Exit 0 clean,
 * 1 drift (an unreachable server included), 2 bad usage, 3 when the
 * database cannot be read or there is no server to check. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ev.h>

#include "cli.h"
#include "drover/check.h"
#include "drover/checksigned.h"
#include "drover/db.h"
#include "drover/name.h"
#include "drover/rr.h"
#include "drover/server.h"
#include "drover/util.h"
#include "drover/wait.h"
#include "banned.h"

#define MAX_NAMES 256
#define PRINT_MAX_LINES 50

#define SAMPLE_MAX 1000
#define REPAIR_WAIT_S 10 /* for the workers to serve a zone repair rectified */

enum { OPT_SERVER = 1, OPT_ZONE, OPT_JSON, OPT_REPAIR, OPT_SAMPLE };

struct check_args {
	const char *servers[MAX_NAMES], *zones[MAX_NAMES];
	char *stored[MAX_NAMES]; /* the zones in storage form */
	size_t nservers, nzones;
	bool json, repair;
	long long sample;
	struct dr_signed_finding *dnssec; /* signed zones not rectified */
	size_t ndnssec, nsigned;
};

static const struct dr_opt check_opts[] = {
	{ "server", true, OPT_SERVER, "NAME", "check this server only (repeatable)" },
	{ "zone", true, OPT_ZONE, "NAME", "check this zone only (repeatable)" },
	{ "json", false, OPT_JSON, NULL, "print JSON" },
	{ "repair", false, OPT_REPAIR, NULL,
	  "purge stale zones from that worker's caches and check them again; rectify signed "
	  "zones whose rows are not" },
	{ "sample", true, OPT_SAMPLE, "N",
	  "also compare N rrsets per zone with the database over DNS (default 0)" },
	{ NULL, false, 0, NULL, NULL },
};

static int on_opt(void *ctx, int id, const char *value, struct dr_error *err)
{
	struct check_args *a = ctx;

	switch (id) {
	case OPT_SERVER:
	case OPT_ZONE: {
		const char **list = id == OPT_SERVER ? a->servers : a->zones;
		size_t *n = id == OPT_SERVER ? &a->nservers : &a->nzones;

		if (*n == MAX_NAMES)
			return dr_error_set(err, DR_EUSAGE, NULL, "at most %d --%s options", MAX_NAMES,
					    id == OPT_SERVER ? "server" : "zone");
		list[(*n)++] = value;
		return 0;
	}
	case OPT_JSON:
		a->json = true;
		return 0;
	case OPT_REPAIR:
		a->repair = true;
		return 0;
	case OPT_SAMPLE:
		if (!dr_parse_ll(value, 0, SAMPLE_MAX, &a->sample))
			return dr_error_set(err, DR_EUSAGE, "sample",
					    "--sample: expected 0..%d, got '%s'", SAMPLE_MAX, value);
		return 0;
	}
	return 0;
}

static bool named(const struct check_args *a, const char *server)
{
	for (size_t i = 0; i < a->nservers; i++)
		if (!strcmp(a->servers[i], server))
			return true;
	return false;
}

/* The zone filter, in storage form. */
static int add_zone_filter(struct cli *cli, struct check_args *a, struct dr_check *chk)
{
	for (size_t i = 0; i < a->nzones; i++) {
		char *zone;

		if (dr_name_zone(a->zones[i], &zone, &cli->err)) {
			dr_error_prefix(&cli->err, "--zone");
			return cli_fail(cli);
		}
		dr_check_only_zone(chk, zone);
		a->stored[i] = zone;
	}
	return 0;
}

/* The registered servers: every enabled one, or exactly those named. */
static int add_servers(struct cli *cli, PGconn *conn, const struct check_args *a,
		       struct dr_check *chk)
{
	struct dr_server *list = NULL;
	size_t n = 0, added = 0;
	int rc = 0;

	if (dr_server_list(conn, &list, &n, &cli->err))
		return cli_fail(cli);
	for (size_t i = 0; i < a->nservers; i++) {
		bool found = false;

		for (size_t k = 0; k < n && !found; k++)
			found = !strcmp(list[k].name, a->servers[i]);
		if (!found) {
			rc = cli_usage_error(cli, "no server named '%s'", a->servers[i]);
			goto out;
		}
	}
	for (size_t k = 0; k < n; k++) {
		struct dr_server *s = &list[k];

		if (a->nservers ? !named(a, s->name) : !s->enabled)
			continue;
		if (dr_server_load_secrets(conn, s, &cli->err)) {
			rc = cli_fail(cli);
			goto out;
		}
		dr_check_add_server(chk, s->name, s->api_url, s->dns_address, s->control_address,
				    s->api_key.value, s->control_secret.value);
		added++;
	}
	if (!added) {
		fprintf(stderr, "%s: error: no enabled server to check\n", cli->prog);
		rc = DR_EXIT_CONNECT;
	}
out:
	dr_server_list_free(list, n);
	return rc;
}

/* The truth: every zone and its SOA serial, in one query. */
static int add_zones(struct cli *cli, PGconn *conn, struct dr_check *chk)
{
	PGresult *res;

	if (dr_db_exec(conn, DR_CHECK_ZONES_SQL, 0, NULL, &res, &cli->err))
		return cli_fail(cli);
	for (int r = 0; r < PQntuples(res); r++)
		dr_check_add_zone_row(chk, PQgetvalue(res, r, 0),
				      PQgetisnull(res, r, 1) ? NULL : PQgetvalue(res, r, 1));
	PQclear(res);
	return 0;
}

/* N rrsets per zone (by owner and type), apex SOA and delegations left out:
 * what the zone itself answers with authority. */
static const char SAMPLE_SQL[] =
	"WITH rs AS (SELECT domain_id, name, type,"
	"  row_number() OVER (PARTITION BY domain_id ORDER BY name, type) AS n"
	"  FROM (SELECT DISTINCT domain_id, name, type FROM records"
	"   WHERE type IS NOT NULL AND type <> 'SOA' AND auth AND NOT disabled) x)"
	" SELECT d.name, r.name, r.type, r.prio, r.content"
	" FROM rs JOIN records r ON r.domain_id = rs.domain_id AND r.name = rs.name"
	"  AND r.type = rs.type AND NOT r.disabled"
	" JOIN domains d ON d.id = rs.domain_id"
	" WHERE rs.n <= $1"
	" ORDER BY d.name, r.name, r.type";

static int add_samples(struct cli *cli, PGconn *conn, long long n, struct dr_check *chk)
{
	char limit[24];
	const char *p[1] = { limit };
	PGresult *res;

	if (n <= 0)
		return 0;
	snprintf(limit, sizeof(limit), "%lld", n);
	if (dr_db_exec(conn, SAMPLE_SQL, 1, p, &res, &cli->err))
		return cli_fail(cli);
	for (int r = 0; r < PQntuples(res); r++) {
		char *text = dr_rr_present(PQgetvalue(res, r, 2), atoi(PQgetvalue(res, r, 3)),
					   PQgetvalue(res, r, 4));

		dr_check_add_sample(chk, PQgetvalue(res, r, 0), PQgetvalue(res, r, 1),
				    PQgetvalue(res, r, 2), text);
		free(text);
	}
	PQclear(res);
	return 0;
}

static void done_cb(void *ud, struct dr_check *chk)
{
	(void)chk;
	ev_break(ud, EVBREAK_ALL);
}

static void add_signed(void *ud, const char *zone)
{
	dr_check_add_signed(ud, zone);
}

/* Signed zones: each is checked over DNS too; those whose rows are not as
 * rectify leaves them are findings (and, with --repair, rectified, and
 * then followed until every worker has the change, so that the DNS check
 * sees the mended zone). Read before the connection closes. */
static int check_signed(struct cli *cli, PGconn *conn, struct check_args *a,
			struct dr_check *chk)
{
	struct dr_wait_server *waited = NULL;
	size_t nwaited = 0;
	bool repaired = false;

	if (dr_checksigned_run(conn, (const char *const *)a->stored, a->nzones, a->repair,
			       add_signed, chk, &a->dnssec, &a->ndnssec, &a->nsigned, &cli->err))
		return cli_fail(cli);
	for (size_t i = 0; i < a->ndnssec; i++) {
		dr_check_add_unrectified(chk, a->dnssec[i].zone, a->dnssec[i].differ,
					 a->dnssec[i].repaired);
		repaired = repaired || a->dnssec[i].repaired;
	}
	if (repaired && dr_wait_applied(conn, dr_db_last_txid(), REPAIR_WAIT_S, &waited,
					&nwaited, &cli->err))
		return cli_fail(cli);
	free(waited);
	return 0;
}

static int report(const struct check_args *a, struct dr_check *chk)
{
	if (a->json) {
		json_t *o = dr_check_json(chk);

		json_dumpf(o, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(o);
	} else {
		dr_check_print(chk, stdout, PRINT_MAX_LINES);
	}
	return dr_check_drift(chk) ? DR_EXIT_PROBLEM : DR_EXIT_OK;
}

int cli_check_run(struct cli *cli, int argc, char **argv)
{
	static struct check_args a;
	struct dr_check_opts opts = { 0 };
	struct dr_check *chk = NULL;
	struct ev_loop *loop = NULL;
	PGconn *conn;
	bool help;
	int npos, rc;

	memset(&a, 0, sizeof(a));
	rc = cli_parse(cli, argc, argv, check_opts, on_opt, &a,
		       "check [--server NAME ...] [--zone NAME ...] [--json] [--repair] [--sample N]",
		       &npos,
		       &help);
	if (rc || help)
		return rc;
	conn = cli_start(cli, npos, 0, false, "", argv, &rc);
	if (!conn)
		return rc;
	loop = ev_loop_new(EVFLAG_AUTO);
	opts.repair = a.repair;
	chk = dr_check_new(loop, &opts);
	rc = add_zone_filter(cli, &a, chk);
	if (!rc)
		rc = add_servers(cli, conn, &a, chk);
	if (!rc)
		rc = add_zones(cli, conn, chk);
	if (!rc)
		rc = add_samples(cli, conn, a.sample, chk);
	if (!rc)
		rc = check_signed(cli, conn, &a, chk);
	dr_db_close(conn);
	if (!rc) {
		signal(SIGPIPE, SIG_IGN); /* a worker closing a socket is an error, not a death */
		dr_check_start(chk, done_cb, loop);
		ev_run(loop, 0);
		rc = report(&a, chk);
	}
	dr_check_free(chk);
	ev_loop_destroy(loop);
	dr_signed_findings_free(a.dnssec, a.ndnssec);
	for (size_t i = 0; i < a.nzones; i++)
		free(a.stored[i]);
	return rc;
}
