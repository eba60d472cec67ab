/* src/cli_zonesign.c - `drover zone secure|unsecure|keys|ds`: DNSSEC keys
 * made by PowerDNS through one worker's API (src/zonesign.c does the work),
 * and --wait, which proves that every worker serves the zone's DNSKEY set,
 * signed, and a denial that verifies, after the change log says every
 * worker has the change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli.h"
#include "drover/db.h"
#include "drover/util.h"
#include "drover/zonesign.h"
#include "banned.h"

/* pdns caches keys for dnssec-key-cache-ttl (30 s), and a DNSKEY answer
 * made from the old keys stays in its packet cache for cache-ttl (20 s): a
 * worker that drover purges over its API only (no control channel) serves
 * a new key after about 50 s at the latest, so a bare --wait allows for
 * it. */
#define SIGN_WAIT_DEFAULT_S 60

enum { OPT_NSEC3 = 1, OPT_NARROW, OPT_ALGORITHM, OPT_JSON };

struct sign_args {
	struct dr_zonesign_opts opts;
	bool json;
	double wait; /* < 0: no --wait */
};

static const struct dr_opt secure_opts[] = {
	{ "algorithm", true, OPT_ALGORITHM, "ALG",
	  "ecdsa256 (default), ecdsa384, ed25519, ed448, rsasha256, rsasha512" },
	{ "nsec3", true, OPT_NSEC3, "'ALG FLAGS ITER SALT'",
	  "NSEC3 instead of NSEC, e.g. '1 0 0 -' (FLAGS 1: opt-out)" },
	{ "narrow", false, OPT_NARROW, NULL, "NSEC3 narrow mode (hashes made when asked)" },
	{ "wait", DR_OPT_OPTIONAL, CLI_OPT_WAIT, "SECONDS",
	  "then wait until every worker serves the keys, signed (default 60 s)" },
	{ NULL, false, 0, NULL, NULL },
};

static const struct dr_opt unsecure_opts[] = {
	{ "wait", DR_OPT_OPTIONAL, CLI_OPT_WAIT, "SECONDS",
	  "then wait until no worker serves a key (default 60 s)" },
	{ NULL, false, 0, NULL, NULL },
};

static const struct dr_opt keys_opts[] = {
	{ "json", false, OPT_JSON, NULL, "print JSON" },
	{ NULL, false, 0, NULL, NULL },
};

static const struct dr_opt ds_opts[] = {
	{ NULL, false, 0, NULL, NULL },
};

static int on_opt(void *ctx, int id, const char *value, struct dr_error *err)
{
	struct sign_args *a = ctx;

	switch (id) {
	case CLI_OPT_WAIT:
		if (!value) {
			a->wait = SIGN_WAIT_DEFAULT_S;
			return 0;
		}
		return cli_wait_opt(value, &a->wait, err);
	case OPT_ALGORITHM: a->opts.algorithm = value; break;
	case OPT_NSEC3: a->opts.nsec3param = value; break;
	case OPT_NARROW: a->opts.narrow = true; break;
	case OPT_JSON: a->json = true; break;
	}
	return 0;
}

/* --wait: the change log first (every worker purged), then DNS: every
 * worker serves the published keys. */
static int sign_wait(struct cli *cli, PGconn *conn, const char *zone, double seconds)
{
	struct dr_zonesign_proof *proofs = NULL;
	struct dr_zonekey *keys = NULL;
	size_t nkeys = 0, n = 0, ok = 0;
	int rc;

	if (seconds < 0)
		return DR_EXIT_OK;
	rc = cli_wait(cli, conn, seconds);
	if (rc != DR_EXIT_OK)
		return rc;
	if (dr_zonesign_keys(conn, zone, &keys, &nkeys, &cli->err) ||
	    dr_zonesign_prove(conn, zone, keys, nkeys, seconds, &proofs, &n, &cli->err)) {
		dr_zonekeys_free(keys, nkeys);
		return cli_fail(cli);
	}
	for (size_t i = 0; i < n; i++) {
		ok += proofs[i].ok;
		printf("%s: %s\n", proofs[i].server, proofs[i].detail);
	}
	free(proofs);
	dr_zonekeys_free(keys, nkeys);
	if (ok == n)
		return DR_EXIT_OK;
	return ok ? DR_EXIT_PROBLEM : DR_EXIT_NONE_APPLIED;
}

int cli_zone_secure(struct cli *cli, int argc, char **argv)
{
	struct sign_args a = { .wait = -1 };
	long long changed = 0;
	PGconn *conn;
	bool help;
	int npos, rc;

	rc = cli_parse(cli, argc, argv, secure_opts, on_opt, &a,
		       "zone secure NAME [--algorithm ALG] [--nsec3 'ALG FLAGS ITER SALT' "
		       "[--narrow]] [--wait[=SECONDS]]",
		       &npos, &help);
	if (rc || help)
		return rc;
	conn = cli_start(cli, npos, 1, false, "NAME", argv, &rc);
	if (!conn)
		return rc;
	if (dr_zonesign_secure(conn, argv[0], &a.opts, &changed, &cli->err)) {
		rc = cli_fail(cli);
	} else {
		printf("zone '%s' signed (%s, %s%s): %lld rows rectified\n", argv[0],
		       a.opts.algorithm ? a.opts.algorithm : "ecdsa256",
		       a.opts.nsec3param ? "NSEC3 " : "NSEC",
		       a.opts.nsec3param ? a.opts.nsec3param : "", changed);
		if (a.opts.narrow)
			printf("NSEC3 narrow mode\n");
		rc = sign_wait(cli, conn, argv[0], a.wait);
	}
	dr_db_close(conn);
	return rc;
}

int cli_zone_unsecure(struct cli *cli, int argc, char **argv)
{
	struct sign_args a = { .wait = -1 };
	long long changed = 0;
	PGconn *conn;
	bool help;
	int npos, rc;

	rc = cli_parse(cli, argc, argv, unsecure_opts, on_opt, &a,
		       "zone unsecure NAME [--wait[=SECONDS]]", &npos, &help);
	if (rc || help)
		return rc;
	conn = cli_start(cli, npos, 1, false, "NAME", argv, &rc);
	if (!conn)
		return rc;
	if (dr_zonesign_unsecure(conn, argv[0], &changed, &cli->err)) {
		rc = cli_fail(cli);
	} else {
		printf("zone '%s' unsigned: keys removed, %lld rows rectified\n", argv[0], changed);
		rc = sign_wait(cli, conn, argv[0], a.wait);
	}
	dr_db_close(conn);
	return rc;
}

static json_t *key_json(const struct dr_zonekey *k)
{
	json_t *ds = json_array();

	for (size_t d = 0; d < k->nds; d++)
		json_array_append_new(ds, json_string(k->ds[d]));
	return json_pack("{s:I, s:s, s:s, s:i, s:i, s:b, s:b, s:s, s:o}", "id",
			 (json_int_t)k->id, "keytype", k->keytype, "algorithm", k->algorithm,
			 "bits", k->bits, "keytag", (int)k->keytag, "active", k->active,
			 "published", k->published, "dnskey", k->dnskey, "ds", ds);
}

static int zone_keys_or_ds(struct cli *cli, int argc, char **argv, bool ds_only)
{
	struct sign_args a = { .wait = -1 };
	struct dr_zonekey *keys = NULL;
	size_t n = 0;
	PGconn *conn;
	bool help;
	int npos, rc;

	rc = cli_parse(cli, argc, argv, ds_only ? ds_opts : keys_opts, on_opt, &a,
		       ds_only ? "zone ds NAME" : "zone keys NAME [--json]", &npos, &help);
	if (rc || help)
		return rc;
	conn = cli_start(cli, npos, 1, false, "NAME", argv, &rc);
	if (!conn)
		return rc;
	if (dr_zonesign_keys(conn, argv[0], &keys, &n, &cli->err)) {
		rc = cli_fail(cli);
		goto out;
	}
	rc = DR_EXIT_OK;
	if (ds_only) {
		size_t printed = 0;
		const char *z = argv[0];
		size_t zl = strlen(z);

		for (size_t i = 0; i < n; i++)
			for (size_t d = 0; keys[i].active && d < keys[i].nds; d++, printed++)
				printf("%s%s IN DS %s\n", z, zl && z[zl - 1] == '.' ? "" : ".",
				       keys[i].ds[d]);
		if (!printed) {
			dr_error_set(&cli->err, DR_ENOTFOUND, "zone",
				     "zone '%s' has no active key-signing key: no DS to give", z);
			rc = cli_fail(cli);
		}
	} else if (a.json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, key_json(&keys[i]));
		cli_print_json(arr);
	} else {
		printf("%-6s %-4s %-18s %5s %6s %-6s %s\n", "ID", "TYPE", "ALGORITHM", "BITS",
		       "KEYTAG", "STATE", "DNSKEY");
		for (size_t i = 0; i < n; i++)
			printf("%-6lld %-4s %-18s %5d %6u %-6s %s\n", keys[i].id, keys[i].keytype,
			       keys[i].algorithm, keys[i].bits, keys[i].keytag,
			       keys[i].active ? "active" : keys[i].published ? "published" :
										"off",
			       keys[i].dnskey);
	}
out:
	dr_zonekeys_free(keys, n);
	dr_db_close(conn);
	return rc;
}

int cli_zone_keys(struct cli *cli, int argc, char **argv)
{
	return zone_keys_or_ds(cli, argc, argv, false);
}

int cli_zone_ds(struct cli *cli, int argc, char **argv)
{
	return zone_keys_or_ds(cli, argc, argv, true);
}
