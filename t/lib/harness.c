/* t/lib/harness.c - start and stop a test program's servers from C through t/lib/harness.sh.
 * Owns each struct harness (its folder path, the prebuilt argv of its stop command and the
 * key/value table read from $HARNESS_DIR/env) and a small registry of the clusters still
 * running, which the atexit and signal handlers stop. harness_stop() frees everything a
 * struct harness holds; harness_get() results are borrowed from it. The signal handler only
 * uses async-signal-safe calls (fork, execve, waitpid, sigaction, raise) on data prepared
 * beforehand. Depends on no other project file. */
#define _POSIX_C_SOURCE 200809L

#include "harness.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define HARNESS_MAX_LIVE 8

struct harness {
	char *dir;          /* absolute $HARNESS_DIR */
	char *stop_argv[6]; /* bash SCRIPT stop DIR STATUS NULL; STATUS "1" unless passed */
	char *name;
	char **keys, **vals; /* from the env file; n entries */
	size_t n;
};

static struct harness *live[HARNESS_MAX_LIVE];
static char arg_bash[] = "bash", arg_start[] = "start", arg_stop[] = "stop";
static char arg_failed[] = "1", arg_passed[] = "0";
static char bash_path[PATH_MAX];
static int handlers_installed;
static volatile sig_atomic_t stopping_all;

static const int caught_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGABRT };
#define NCAUGHT (sizeof(caught_signals) / sizeof(caught_signals[0]))
static struct sigaction old_actions[NCAUGHT];

static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# harness: ", stdout);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p) {
		fputs("Bail out! harness: out of memory\n", stdout);
		fflush(stdout);
		abort();
	}
	return p;
}

static char *xstrdup(const char *s)
{
	size_t len = strlen(s) + 1;

	return memcpy(xcalloc(1, len), s, len);
}

static char *xjoin(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *s = xcalloc(1, la + lb + lc + 1);

	memcpy(s, a, la);
	memcpy(s + la, b, lb);
	memcpy(s + la + lb, c, lc);
	return s;
}

/* Find bash in PATH once, outside any signal handler (execvp is not async-signal-safe). */
static void find_bash(void)
{
	const char *path = getenv("PATH");
	const char *p, *end;

	if (bash_path[0])
		return;
	snprintf(bash_path, sizeof(bash_path), "/bin/bash");
	for (p = path ? path : ""; *p; p = *end ? end + 1 : end) {
		char cand[PATH_MAX];
		size_t len;

		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		len = (size_t)(end - p);
		if (len == 0 || len + sizeof("/bash") > sizeof(cand))
			continue;
		memcpy(cand, p, len);
		memcpy(cand + len, "/bash", sizeof("/bash"));
		if (access(cand, X_OK) == 0) {
			memcpy(bash_path, cand, strlen(cand) + 1);
			return;
		}
	}
}

/* Run argv (argv[0] ignored: bash_path is run) and wait; its exit status, or -1. Only
 * async-signal-safe calls, so the signal handler may use it. */
static int run_bash(char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execve(bash_path, argv, environ);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void stop_all_live(void)
{
	size_t i;

	for (i = 0; i < HARNESS_MAX_LIVE; i++) {
		struct harness *h = live[i];

		if (h) {
			live[i] = NULL;
			run_bash(h->stop_argv); /* stop_argv[4] is "1": keep the folder */
		}
	}
}

static void on_exit_stop(void)
{
	size_t i;

	if (stopping_all)
		return;
	for (i = 0; i < HARNESS_MAX_LIVE; i++) {
		if (live[i])
			diag("'%s' was not stopped by the test; stopping it, keeping the folder",
			     live[i]->dir);
	}
	fflush(NULL);
	stop_all_live();
}

static void on_signal(int sig)
{
	size_t i;

	if (!stopping_all) {
		stopping_all = 1;
		stop_all_live();
	}
	for (i = 0; i < NCAUGHT; i++) {
		if (caught_signals[i] == sig)
			sigaction(sig, &old_actions[i], NULL);
	}
	raise(sig); /* delivered with the old action once this handler returns */
}

static void install_handlers(void)
{
	struct sigaction sa;
	size_t i;

	if (handlers_installed)
		return;
	handlers_installed = 1;
	atexit(on_exit_stop);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NCAUGHT; i++)
		sigaddset(&sa.sa_mask, caught_signals[i]);
	for (i = 0; i < NCAUGHT; i++) {
		if (sigaction(caught_signals[i], NULL, &old_actions[i]) != 0)
			continue;
		if (old_actions[i].sa_handler == SIG_IGN)
			continue; /* ignored by whoever started us (say nohup): keep it so */
		sigaction(caught_signals[i], &sa, NULL);
	}
}

static int register_live(struct harness *h)
{
	size_t i;

	for (i = 0; i < HARNESS_MAX_LIVE; i++) {
		if (!live[i]) {
			live[i] = h;
			return 0;
		}
	}
	return -1;
}

static void unregister_live(const struct harness *h)
{
	size_t i;

	for (i = 0; i < HARNESS_MAX_LIVE; i++) {
		if (live[i] == h)
			live[i] = NULL;
	}
}

static void harness_free(struct harness *h)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		free(h->keys[i]);
		free(h->vals[i]);
	}
	free(h->keys);
	free(h->vals);
	free(h->stop_argv[1]);
	free(h->name);
	free(h->dir);
	free(h);
}

/* Read DIR/env: KEY=VALUE lines; a value wrapped in single quotes loses them. 0 or -1. */
static int read_env(struct harness *h)
{
	char *path = xjoin(h->dir, "/env", "");
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, alloc = 0;
	ssize_t len;

	if (!f) {
		diag("cannot read '%s': %s", path, strerror(errno));
		free(path);
		return -1;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		char *eq, *val;
		size_t vlen;

		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		eq = strchr(line, '=');
		if (!eq || eq == line)
			continue;
		*eq = '\0';
		val = eq + 1;
		vlen = strlen(val);
		if (vlen >= 2 && val[0] == '\'' && val[vlen - 1] == '\'') {
			val[vlen - 1] = '\0';
			val++;
		}
		if (h->n == alloc) {
			size_t na = alloc ? alloc * 2 : 32;
			char **nk = xcalloc(na, sizeof(*nk)), **nv = xcalloc(na, sizeof(*nv));

			if (h->n) {
				memcpy(nk, h->keys, h->n * sizeof(*nk));
				memcpy(nv, h->vals, h->n * sizeof(*nv));
			}
			free(h->keys);
			free(h->vals);
			h->keys = nk;
			h->vals = nv;
			alloc = na;
		}
		h->keys[h->n] = xstrdup(line);
		h->vals[h->n] = xstrdup(val);
		h->n++;
	}
	free(line);
	fclose(f);
	free(path);
	return 0;
}

struct harness *harness_start(const char *name, int num, int nworkers)
{
	const char *srcdir = getenv("DROVER_SRCDIR");
	const char *builddir = getenv("DROVER_BUILDDIR");
	const char *root = getenv("HARNESS_ROOT");
	char cwd[PATH_MAX], pidbuf[32], numbuf[16], nwbuf[16];
	char *script, *base, *argv[7];
	struct harness *h;
	const char *absdir;

	if (!srcdir || !*srcdir)
		srcdir = ".";
	if (!builddir || !*builddir)
		builddir = ".";
	find_bash();
	install_handlers();

	/* The folder, as the script computes it: ${HARNESS_ROOT:-$DROVER_BUILDDIR/t/tmp}/NAME. */
	h = xcalloc(1, sizeof(*h));
	if (root && *root) {
		base = xstrdup(root);
	} else {
		base = xjoin(builddir, "/t/tmp", "");
	}
	if (base[0] != '/' && getcwd(cwd, sizeof(cwd))) {
		char *abs = xjoin(cwd, "/", base);

		free(base);
		base = abs;
	}
	h->dir = xjoin(base, "/", name);
	free(base);
	script = xjoin(srcdir, "/t/lib/harness.sh", "");
	h->name = xstrdup(name);
	h->stop_argv[0] = arg_bash;
	h->stop_argv[1] = script;
	h->stop_argv[2] = arg_stop;
	h->stop_argv[3] = h->dir;
	h->stop_argv[4] = arg_failed;
	h->stop_argv[5] = NULL;

	/* The script's watchdog and port lock follow this process. */
	snprintf(pidbuf, sizeof(pidbuf), "%ld", (long)getpid());
	setenv("HARNESS_OWNER_PID", pidbuf, 1);
	snprintf(numbuf, sizeof(numbuf), "%d", num);
	snprintf(nwbuf, sizeof(nwbuf), "%d", nworkers);
	argv[0] = arg_bash;
	argv[1] = script;
	argv[2] = arg_start;
	argv[3] = h->name;
	argv[4] = numbuf;
	argv[5] = nwbuf;
	argv[6] = NULL;

	if (register_live(h) != 0) {
		fprintf(stdout, "Bail out! harness: more than %d clusters at once\n",
			HARNESS_MAX_LIVE);
		fflush(stdout);
		harness_free(h);
		return NULL;
	}
	fflush(NULL); /* our TAP lines before the script's */
	if (run_bash(argv) != 0) {
		/* The script printed "Bail out!" and already tore down what it started. */
		unregister_live(h);
		harness_free(h);
		return NULL;
	}
	if (read_env(h) != 0) {
		fputs("Bail out! harness: no env file after start\n", stdout);
		fflush(stdout);
		harness_stop(h, 1);
		return NULL;
	}
	absdir = harness_get(h, "HARNESS_DIR");
	if (absdir && strcmp(absdir, h->dir) != 0)
		diag("folder is '%s', expected '%s'", absdir, h->dir);
	if (harness_get(h, "PGPASSFILE"))
		setenv("PGPASSFILE", harness_get(h, "PGPASSFILE"), 1);
	return h;
}

const char *harness_get(const struct harness *h, const char *key)
{
	size_t i;

	if (!h || !key)
		return NULL;
	for (i = 0; i < h->n; i++) {
		if (strcmp(h->keys[i], key) == 0)
			return h->vals[i];
	}
	return NULL;
}

void harness_stop(struct harness *h, int failed)
{
	if (!h)
		return;
	h->stop_argv[4] = failed ? arg_failed : arg_passed;
	fflush(NULL);
	run_bash(h->stop_argv);
	unregister_live(h);
	harness_free(h);
}
