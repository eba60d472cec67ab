/* src/cli_status.c - `drover status [--json]`: which daemon leads, and per
 * server its health, last error, and how far it lags (change-log entries
 * not yet served, and the age of the oldest); then the daemon's last drift
 * check (drover.check_result). Read from the tables the daemon keeps; exit
 * 1 when a server is not healthy or no daemon leads (a drift the last
 * check found does not change the exit code: `drover check` reports it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli.h"
#include "drover/db.h"
#include "banned.h"

#define LEADER_STALE_S 15

enum { OPT_JSON = 1 };

static const struct dr_opt status_opts[] = {
	{ "json", false, OPT_JSON, NULL, "print JSON" },
	{ NULL, false, 0, NULL, NULL },
};

static int on_opt(void *ctx, int id, const char *value, struct dr_error *err)
{
	(void)value;
	(void)err;
	if (id == OPT_JSON)
		*(bool *)ctx = true;
	return 0;
}

static const char STATUS_SQL[] =
	"SELECT s.name, s.enabled, coalesce(h.state, 'unknown'), h.last_error,"
	" to_char(h.last_error_at, 'YYYY-MM-DD\"T\"HH24:MI:SSOF'),"
	" c.txid IS NOT NULL,"
	" (SELECT count(*) FROM drover.changes ch"
	"   WHERE c.txid IS NULL OR (ch.txid, ch.id) > (c.txid, c.id)),"
	" coalesce(extract(epoch FROM now() - (SELECT min(coalesce(ch.sealed_at, now()))"
	"   FROM drover.changes ch"
	"   WHERE c.txid IS NULL OR (ch.txid, ch.id) > (c.txid, c.id)))::numeric(12,1), 0)"
	" FROM drover.servers s"
	" LEFT JOIN drover.server_health h ON h.server_id = s.id"
	" LEFT JOIN drover.cursors c ON c.server_id = s.id"
	" ORDER BY s.name";

static const char LEADER_SQL[] =
	"SELECT holder, extract(epoch FROM now() - heartbeat_at)::numeric(12,1) < $1"
	" FROM drover.leader";

/* The table is absent until `drover init` has applied 0005-check.sql. */
static const char LAST_CHECK_SQL[] =
	"SELECT to_char(finished_at, 'YYYY-MM-DD\"T\"HH24:MI:SSOF'),"
	" extract(epoch FROM now() - finished_at)::numeric(12,1), clean, summary, report::text,"
	" holder"
	" FROM drover.check_result";

static PGresult *last_check(struct cli *cli, PGconn *conn)
{
	PGresult *res = NULL;

	if (dr_db_exec(conn, "SELECT to_regclass('drover.check_result') IS NOT NULL", 0, NULL, &res,
		       &cli->err))
		return NULL;
	if (strcmp(PQgetvalue(res, 0, 0), "t")) {
		PQclear(res);
		return NULL;
	}
	PQclear(res);
	if (dr_db_exec(conn, LAST_CHECK_SQL, 0, NULL, &res, &cli->err))
		return NULL;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return NULL;
	}
	return res;
}

static json_t *last_check_json(const PGresult *chk)
{
	json_t *report;

	if (!chk)
		return json_null();
	report = json_loads(PQgetvalue(chk, 0, 4), 0, NULL);
	return json_pack("{s:s, s:f, s:s, s:b, s:s, s:o}", "finished_at", PQgetvalue(chk, 0, 0),
			 "age_seconds", strtod(PQgetvalue(chk, 0, 1), NULL), "holder",
			 PQgetvalue(chk, 0, 5), "clean", !strcmp(PQgetvalue(chk, 0, 2), "t"),
			 "summary", PQgetvalue(chk, 0, 3), "report",
			 report ? report : json_null());
}

static void print_last_check(const PGresult *chk)
{
	if (!chk) {
		printf("last check: none yet (drover run checks every check-interval seconds)\n");
		return;
	}
	printf("last check: %s (%ss ago): %s\n", PQgetvalue(chk, 0, 0), PQgetvalue(chk, 0, 1),
	       PQgetvalue(chk, 0, 3));
}

int cli_status_run(struct cli *cli, int argc, char **argv)
{
	char stale[16];
	const char *p[1] = { stale };
	PGresult *res = NULL, *lead = NULL, *chk = NULL;
	bool json = false, help, problem = false, leading;
	PGconn *conn;
	int npos, rc;

	rc = cli_parse(cli, argc, argv, status_opts, on_opt, &json, "status [--json]", &npos,
		       &help);
	if (rc || help)
		return rc;
	conn = cli_start(cli, npos, 0, false, "", argv, &rc);
	if (!conn)
		return rc;
	snprintf(stale, sizeof(stale), "%d", LEADER_STALE_S);
	if (dr_db_exec(conn, STATUS_SQL, 0, NULL, &res, &cli->err) ||
	    dr_db_exec(conn, LEADER_SQL, 1, p, &lead, &cli->err)) {
		rc = cli_fail(cli);
		goto out;
	}
	chk = last_check(cli, conn);
	leading = PQntuples(lead) == 1 && !strcmp(PQgetvalue(lead, 0, 1), "t");
	if (!leading)
		problem = true;
	for (int r = 0; r < PQntuples(res); r++)
		if (!strcmp(PQgetvalue(res, r, 1), "t") && strcmp(PQgetvalue(res, r, 2), "healthy"))
			problem = true;
	if (json) {
		json_t *servers = json_array(), *o;

		for (int r = 0; r < PQntuples(res); r++) {
			o = json_pack("{s:s, s:b, s:s, s:b, s:I, s:f}", "name", PQgetvalue(res, r, 0),
				      "enabled", !strcmp(PQgetvalue(res, r, 1), "t"), "health",
				      PQgetvalue(res, r, 2), "has_cursor",
				      !strcmp(PQgetvalue(res, r, 5), "t"), "lag_entries",
				      (json_int_t)strtoll(PQgetvalue(res, r, 6), NULL, 10),
				      "lag_seconds", strtod(PQgetvalue(res, r, 7), NULL));
			json_object_set_new(o, "last_error",
					    PQgetisnull(res, r, 3) ? json_null()
								   : json_string(PQgetvalue(res, r, 3)));
			json_object_set_new(o, "last_error_at",
					    PQgetisnull(res, r, 4) ? json_null()
								   : json_string(PQgetvalue(res, r, 4)));
			json_array_append_new(servers, o);
		}
		o = json_pack("{s:o, s:o, s:o}", "leader",
			      leading ? json_string(PQgetvalue(lead, 0, 0)) : json_null(), "servers",
			      servers, "last_check", last_check_json(chk));
		json_dumpf(o, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(o);
	} else {
		printf("leader: %s\n", leading ? PQgetvalue(lead, 0, 0) : "none (no drover run leads)");
		printf("%-16s %-8s %-9s %-11s %-11s %s\n", "SERVER", "ENABLED", "HEALTH", "LAG-ENTRIES",
		       "LAG-SECONDS", "LAST-ERROR");
		for (int r = 0; r < PQntuples(res); r++)
			printf("%-16s %-8s %-9s %-11s %-11s %s\n", PQgetvalue(res, r, 0),
			       !strcmp(PQgetvalue(res, r, 1), "t") ? "yes" : "no",
			       PQgetvalue(res, r, 2), PQgetvalue(res, r, 6), PQgetvalue(res, r, 7),
			       PQgetisnull(res, r, 3) ? "-" : PQgetvalue(res, r, 3));
		print_last_check(chk);
	}
	rc = problem ? DR_EXIT_PROBLEM : DR_EXIT_OK;
out:
	PQclear(res);
	PQclear(lead);
	PQclear(chk);
	dr_db_close(conn);
	return rc;
}
