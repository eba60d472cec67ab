/* t/lib/harness.h - start and stop a test program's PostgreSQL and pdns workers from C.
 * A thin wrapper over t/lib/harness.sh (run as `bash $DROVER_SRCDIR/t/lib/harness.sh`): the
 * script does the work and writes $HARNESS_DIR/env; this reads that file into a key/value
 * table. Owns one struct harness per cluster and the process-wide atexit and signal handlers
 * (SIGINT, SIGTERM, SIGHUP, SIGABRT) that stop every cluster still running, so an interrupted
 * or aborting test leaves no server behind (a SIGKILLed or crashed one is caught by the
 * script's watchdog). Blocking; no event loop. Diagnostics are "# " lines on stdout.
 * Keys of the table (all strings): HARNESS_DIR PGPORT PGHOST_SOCKDIR PGPASSFILE DROVER_DB
 * DROVER_DB_URI PDNS_DB PDNS_DB_URI HARNESS_NWORKERS, per worker Wn_DNS ("127.0.0.1:PORT")
 * Wn_DNS_PORT Wn_API ("http://127.0.0.1:PORT") Wn_API_PORT Wn_API_KEYFILE Wn_SOCKDIR Wn_DIR,
 * and (with a worker) W1_CONTROL ("127.0.0.1:PORT") W1_CONTROL_PORT W1_CONTROL_SECRETFILE;
 * with nworkers 0 only PostgreSQL runs. Also HARNESS_NAME, HARNESS_NUM. Secrets are only
 * ever in files (PGPASSFILE, the key and secret files); the table holds their paths. */
#ifndef DROVER_T_HARNESS_H
#define DROVER_T_HARNESS_H

struct harness;

/* Start cluster NAME on port block 20000 + 20 * num with nworkers (0..4) pdns workers, and
 * wait until all answer. Its folder is ${HARNESS_ROOT:-$DROVER_BUILDDIR/t/tmp}/NAME; the
 * script is $DROVER_SRCDIR/t/lib/harness.sh (both default to the current folder). Sets
 * PGPASSFILE (and HARNESS_OWNER_PID) in this process's environment, so libpq finds the
 * passwords. Returns the cluster, to be released with harness_stop(); NULL on failure, after
 * the script printed "Bail out!" (the caller exits non-zero). */
struct harness *harness_start(const char *name, int num, int nworkers);

/* The value of KEY from $HARNESS_DIR/env, borrowed from h (valid until harness_stop), or
 * NULL when there is no such key. */
const char *harness_get(const struct harness *h, const char *key);

/* Stop the servers, release the port lock and free h (NULL is a no-op). failed != 0 keeps
 * the folder and prints the server logs as "# " lines; failed == 0 removes the folder unless
 * DROVER_TEST_KEEP=1. A cluster the test never stops is stopped at exit as if failed. */
void harness_stop(struct harness *h, int failed);

#endif
