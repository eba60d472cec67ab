/* src/cli_zoneio.c - `drover zone import` and `drover zone export`: zone
 * files in and out (src/zonefile.c reads and checks, src/zoneload.c writes,
 * src/zonexport.c prints). Import reads and checks every file before it
 * writes anything; then it writes in batches of zones, one transaction per
 * batch. Failures name file:line and the reason; with --keep-going the good
 * zones are written and every failure is listed at the end. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "drover/db.h"
#include "drover/name.h"
#include "drover/util.h"
#include "drover/zonefile.h"
#include "drover/zoneload.h"
#include "drover/zonexport.h"
#include "banned.h"

#define BATCH_ZONES 500
#define BATCH_RECORDS 200000

enum { OPT_REPLACE = 1, OPT_KEEP_GOING, OPT_DIR, OPT_INCLUDE_DIR };

struct import_args {
	bool replace, keep_going;
	const char *dir, *include_dir;
	double wait;
};

static const struct dr_opt import_opts[] = {
	{ "replace", false, OPT_REPLACE, NULL,
	  "make the zone exactly the file (default: merge, replacing the file's rrsets)" },
	{ "dir", true, OPT_DIR, "DIR", "import every file in DIR, one zone per file named as it" },
	{ "keep-going", false, OPT_KEEP_GOING, NULL,
	  "import the good zones when some fail; list every failure at the end" },
	{ "include-dir", true, OPT_INCLUDE_DIR, "DIR", "allow $INCLUDE of files inside DIR" },
	CLI_WAIT_OPT,
	{ NULL, false, 0, NULL, NULL },
};

static int on_import_opt(void *ctx, int id, const char *value, struct dr_error *err)
{
	struct import_args *a = ctx;

	switch (id) {
	case CLI_OPT_WAIT: return cli_wait_opt(value, &a->wait, err);
	case OPT_REPLACE: a->replace = true; break;
	case OPT_KEEP_GOING: a->keep_going = true; break;
	case OPT_DIR: a->dir = value; break;
	case OPT_INCLUDE_DIR: a->include_dir = value; break;
	}
	return 0;
}

/* One zone to import: its name, its file, and what became of it. */
struct job {
	char *zone, *path;
	struct dr_zonefile *zf;
	char *fatal; /* an error outside the file (bad zone name, database) */
	bool done;
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of dir, sorted; hidden files skipped. A file is named
 * after its zone, optionally with ".zone" appended. */
static int list_dir(const char *dir, struct job **jobs, size_t *n, struct dr_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t count = 0;

	if (!d)
		return dr_error_set(err, DR_EINVAL, "dir", "--dir '%s': cannot open the directory",
				    dir);
	while ((e = readdir(d))) {
		struct stat st;
		char *path;

		if (e->d_name[0] == '.')
			continue;
		path = dr_xasprintf("%s/%s", dir, e->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			names = dr_xrealloc(names, (count + 1) * sizeof(*names));
			names[count++] = dr_xstrdup(e->d_name);
		}
		free(path);
	}
	closedir(d);
	if (count)
		qsort(names, count, sizeof(*names), name_cmp);
	*jobs = dr_xcalloc(count + 1, sizeof(**jobs));
	for (size_t i = 0; i < count; i++) {
		size_t len = strlen(names[i]);

		if (len > 5 && !strcmp(names[i] + len - 5, ".zone"))
			names[i][len - 5] = '\0';
		(*jobs)[i].path = dr_xasprintf("%s/%s%s", dir, names[i],
					       strlen(names[i]) == len ? "" : ".zone");
		(*jobs)[i].zone = names[i];
	}
	free(names);
	*n = count;
	return 0;
}

static bool job_failed(const struct job *j)
{
	return j->fatal || !j->zf || j->zf->nerrors_all;
}

static void job_report(const struct cli *cli, const struct job *j)
{
	if (j->fatal)
		fprintf(stderr, "%s: error: %s\n", cli->prog, j->fatal);
	if (!j->zf)
		return;
	for (size_t i = 0; i < j->zf->nerrors; i++)
		fprintf(stderr, "%s: error: %s\n", cli->prog, j->zf->errors[i]);
	if (j->zf->nerrors_all > j->zf->nerrors)
		fprintf(stderr, "%s: error: %s: ... and %zu more errors\n", cli->prog, j->path,
			j->zf->nerrors_all - j->zf->nerrors);
}

/* Read and check every file; true when all are good. */
static bool load_all(struct job *jobs, size_t n, struct dr_zoneset *set,
		     const struct import_args *a)
{
	struct dr_zonefile_opts opts = { a->include_dir, 3600, dr_zoneset_has, set };
	struct dr_zoneset *seen = dr_zoneset_new();
	bool good = true;

	/* zones of this import count as zones of their own for the others;
	 * a zone named by two files is an error in the second */
	for (size_t i = 0; i < n; i++) {
		char *z = NULL;

		if (dr_name_zone(jobs[i].zone, &z, NULL))
			continue;
		if (dr_zoneset_type(seen, z))
			jobs[i].fatal = dr_xasprintf("%s: zone '%s.' comes from another file too",
						     jobs[i].path, z);
		dr_zoneset_add(seen, z, "");
		if (!dr_zoneset_type(set, z))
			dr_zoneset_add(set, z, "");
		free(z);
	}
	dr_zoneset_free(seen);
	for (size_t i = 0; i < n; i++) {
		struct dr_error err = { 0 };

		if (jobs[i].fatal) {
			good = false;
			continue;
		}
		jobs[i].zf = dr_zonefile_load(jobs[i].zone, jobs[i].path, &opts, &err);
		if (!jobs[i].zf)
			jobs[i].fatal = dr_xasprintf("%s: %s", jobs[i].path, err.msg);
		else if (!jobs[i].zf->nerrors_all)
			dr_zoneload_check(jobs[i].zf, set, a->replace);
		good = good && !job_failed(&jobs[i]);
	}
	return good;
}

static void print_done(const struct cli *cli, const struct dr_zoneload_item *it, bool replace,
		       bool quiet)
{
	const struct dr_zonefile *zf = it->zf;

	if (!it->created && zf->has_soa && it->old_serial >= 0 && zf->soa_serial <= it->old_serial)
		fprintf(stderr,
			"%s: note: zone '%s.': serial %lld in the file is not above the zone's "
			"%lld; the zone gets a higher one\n",
			cli->prog, zf->zone, zf->soa_serial, it->old_serial);
	if (!quiet)
		printf("zone '%s.' imported: %zu record%s (%s)\n", zf->zone, it->written,
		       it->written == 1 ? "" : "s",
		       it->created ? "created" : replace ? "replaced" : "merged");
}

/* Write jobs[idx[0..n)] in one transaction. */
static int write_some(struct cli *cli, PGconn *conn, struct job *jobs, const size_t *idx,
		      size_t n, const struct import_args *a, bool quiet, size_t *records)
{
	struct dr_zoneload_item *items = dr_xcalloc(n + 1, sizeof(*items));
	int rc;

	for (size_t i = 0; i < n; i++)
		items[i].zf = jobs[idx[i]].zf;
	rc = dr_zoneload_write(conn, items, n, a->replace, &cli->err);
	for (size_t i = 0; !rc && i < n; i++) {
		jobs[idx[i]].done = true;
		*records += items[i].written;
		print_done(cli, &items[i], a->replace, quiet);
	}
	free(items);
	return rc;
}

/* A failed batch: with --keep-going each zone again on its own, so one
 * zone's problem does not keep the others out. */
static int retry_alone(struct cli *cli, PGconn *conn, struct job *jobs, const size_t *idx,
		       size_t n, const struct import_args *a, bool quiet, size_t *records)
{
	int worst = 0;

	for (size_t i = 0; i < n; i++) {
		int rc;

		if (jobs[idx[i]].zf->nerrors_all) /* the batch found this zone's error */
			continue;
		rc = write_some(cli, conn, jobs, &idx[i], 1, a, quiet, records);

		if (rc && !jobs[idx[i]].zf->nerrors_all)
			jobs[idx[i]].fatal = dr_xasprintf("%s: %s", jobs[idx[i]].path, cli->err.msg);
		if (rc == DR_ECONNECT)
			return rc;
		if (rc && !worst)
			worst = rc;
	}
	return worst;
}

static int write_all(struct cli *cli, PGconn *conn, struct job *jobs, size_t n,
		     const struct import_args *a, size_t *records)
{
	size_t *idx = dr_xcalloc(n + 1, sizeof(*idx)), m = 0, nrec = 0;
	bool quiet = a->dir != NULL;
	int worst = 0;

	for (size_t i = 0; i <= n; i++) {
		int rc;

		if (i < n && !job_failed(&jobs[i])) {
			idx[m++] = i;
			nrec += dr_zonefile_count(jobs[i].zf);
		}
		if (!m || (i < n && m < BATCH_ZONES && nrec < BATCH_RECORDS))
			continue;
		rc = write_some(cli, conn, jobs, idx, m, a, quiet, records);
		if (rc && a->keep_going && rc != DR_ECONNECT)
			rc = retry_alone(cli, conn, jobs, idx, m, a, quiet, records);
		else if (rc && m == 1 && !jobs[idx[0]].zf->nerrors_all)
			jobs[idx[0]].fatal = dr_xasprintf("%s: %s", jobs[idx[0]].path, cli->err.msg);
		else if (rc && !jobs[idx[0]].zf->nerrors_all)
			jobs[idx[0]].fatal = dr_xasprintf("zones %s to %s: %s", jobs[idx[0]].path,
							  jobs[idx[m - 1]].path, cli->err.msg);
		m = nrec = 0;
		if (rc && !worst)
			worst = rc;
		if (rc && (!a->keep_going || rc == DR_ECONNECT))
			break;
	}
	free(idx);
	return worst;
}

static void jobs_free(struct job *jobs, size_t n)
{
	for (size_t i = 0; jobs && i < n; i++) {
		free(jobs[i].zone);
		free(jobs[i].path);
		free(jobs[i].fatal);
		dr_zonefile_free(jobs[i].zf);
	}
	free(jobs);
}

/* Exit code for the failures: a database failure wins over bad input. */
static int failures(struct cli *cli, struct job *jobs, size_t n, int write_rc)
{
	size_t failed = 0, done = 0;

	for (size_t i = 0; i < n; i++) {
		if (job_failed(&jobs[i])) {
			job_report(cli, &jobs[i]);
			failed++;
		}
		done += jobs[i].done;
	}
	if (!failed && !write_rc)
		return DR_EXIT_OK;
	if (n > 1)
		fprintf(stderr, "%s: error: %zu of %zu zones failed, %zu imported, %zu not written\n",
			cli->prog, failed, n, done, n - done);
	if (write_rc == DR_ECONNECT || write_rc == DR_EDB)
		return DR_EXIT_CONNECT;
	return DR_EXIT_INPUT;
}

static int zone_import(struct cli *cli, int argc, char **argv)
{
	struct import_args a = { .wait = -1 };
	struct dr_zoneset *set = NULL;
	struct job *jobs = NULL;
	size_t n = 0, records = 0;
	struct timespec t0, t1;
	PGconn *conn;
	bool help;
	int npos, rc, wrc = 0;

	rc = cli_parse(cli, argc, argv, import_opts, on_import_opt, &a,
		       "zone import NAME FILE|- [--replace] [--include-dir DIR] [--wait[=SECONDS]]\n"
		       "       drover zone import --dir DIR [--replace] [--keep-going] "
		       "[--include-dir DIR] [--wait[=SECONDS]]",
		       &npos, &help);
	if (rc || help)
		return rc;
	conn = cli_start(cli, npos, a.dir ? 0 : 2, false, a.dir ? "" : "NAME FILE", argv, &rc);
	if (!conn)
		return rc;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (a.dir) {
		if (list_dir(a.dir, &jobs, &n, &cli->err)) {
			rc = cli_fail(cli);
			goto out;
		}
	} else {
		n = 1;
		jobs = dr_xcalloc(2, sizeof(*jobs));
		jobs[0].zone = dr_xstrdup(argv[0]);
		jobs[0].path = dr_xstrdup(argv[1]);
	}
	set = dr_zoneset_load(conn, &cli->err);
	if (!set) {
		rc = cli_fail(cli);
		goto out;
	}
	if (load_all(jobs, n, set, &a) || a.keep_going)
		wrc = write_all(cli, conn, jobs, n, &a, &records);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	rc = failures(cli, jobs, n, wrc);
	if (a.dir) {
		size_t done = 0;

		for (size_t i = 0; i < n; i++)
			done += jobs[i].done;
		printf("%zu zone%s imported, %zu records, in %.2f s\n", done, done == 1 ? "" : "s",
		       records,
		       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
	if (!rc)
		rc = cli_wait(cli, conn, a.wait);
out:
	dr_zoneset_free(set);
	jobs_free(jobs, n);
	dr_db_close(conn);
	return rc;
}

static int zone_export(struct cli *cli, int argc, char **argv)
{
	PGconn *conn;
	bool help;
	int npos, rc;

	rc = cli_parse(cli, argc, argv, NULL, NULL, NULL, "zone export NAME", &npos, &help);
	if (rc || help)
		return rc;
	conn = cli_start(cli, npos, 1, false, "NAME", argv, &rc);
	if (!conn)
		return rc;
	rc = dr_zone_export(conn, argv[0], stdout, &cli->err) ? cli_fail(cli) : DR_EXIT_OK;
	if (!rc && fflush(stdout) != 0) {
		fprintf(stderr, "%s: error: cannot write the zone file\n", cli->prog);
		rc = DR_EXIT_PROBLEM;
	}
	dr_db_close(conn);
	return rc;
}

int cli_zone_import(struct cli *cli, int argc, char **argv)
{
	return zone_import(cli, argc, argv);
}

int cli_zone_export(struct cli *cli, int argc, char **argv)
{
	return zone_export(cli, argc, argv);
}
