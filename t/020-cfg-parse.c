/* t/020-cfg-parse.c - the config file reader and overrides: good files,
 * unknown keys, bad values, unreadable files, and that a bad file changes
 * nothing. No servers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drover/cfg.h"
#include "lib/tap.h"

static char dir[] = "/tmp/drover-t020-XXXXXX";

static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		bail("cannot write %s", path);
	fputs(text, f);
	fclose(f);
	return path;
}

int main(void)
{
	struct dr_error err = { 0 };
	struct dr_cfg *cfg;
	const char *path;
	char missing[300];
	int rc;

	if (!mkdtemp(dir))
		bail("mkdtemp failed");
	cfg = dr_cfg_new();
	is_str(dr_cfg_str(cfg, "log-level"), "notice", "log-level defaults to notice");
	ok(dr_cfg_str(cfg, "db") == NULL, "db is unset by default");

	path = write_file("good.conf", "# comment\n\n db = host=h dbname=d \nlog-level=debug\n");
	rc = dr_cfg_load(cfg, path, true, &err);
	is_int(rc, 0, "a good file loads");
	is_str(dr_cfg_str(cfg, "db"), "host=h dbname=d", "value trimmed, '=' inside kept");
	is_str(dr_cfg_str(cfg, "log-level"), "debug", "log-level read from the file");

	path = write_file("unknown.conf", "db = x\nlog-levle = info\n");
	rc = dr_cfg_load(cfg, path, true, &err);
	is_int(rc, DR_ECONFIG, "unknown key rejected");
	like(err.msg, "unknown.conf:2: unknown key 'log-levle'", "error names file:line and key");
	is_str(dr_cfg_str(cfg, "db"), "host=h dbname=d", "a bad file changes nothing");

	path = write_file("badenum.conf", "log-target = journal\n");
	rc = dr_cfg_load(cfg, path, true, &err);
	ok(rc == DR_ECONFIG && strstr(err.msg, "badenum.conf:1") &&
		   strstr(err.msg, "'journal'") && strstr(err.msg, "stderr|syslog"),
	   "bad enum value named with the choices: %s", err.msg);

	path = write_file("noeq.conf", "db\n");
	rc = dr_cfg_load(cfg, path, true, &err);
	ok(rc == DR_ECONFIG && strstr(err.msg, "noeq.conf:1") && strstr(err.msg, "key = value"),
	   "line without '=' rejected: %s", err.msg);

	snprintf(missing, sizeof(missing), "%s/none.conf", dir);
	rc = dr_cfg_load(cfg, missing, true, &err);
	ok(rc == DR_ECONFIG && strstr(err.msg, "none.conf"),
	   "a missing file given explicitly is an error: %s", err.msg);
	rc = dr_cfg_load(cfg, missing, false, &err);
	is_int(rc, 0, "a missing default file is fine");

	if (geteuid() != 0) {
		path = write_file("unreadable.conf", "db = x\n");
		chmod(path, 0);
		rc = dr_cfg_load(cfg, path, true, &err);
		ok(rc == DR_ECONFIG && strstr(err.msg, "unreadable.conf"),
		   "an unreadable file is an error: %s", err.msg);
	} else {
		/* root reads anything: a directory is unreadable as a file */
		rc = dr_cfg_load(cfg, dir, true, &err);
		ok(rc == DR_ECONFIG && strstr(err.msg, dir),
		   "an unreadable file (a directory) is an error: %s", err.msg);
	}

	rc = dr_cfg_set(cfg, "log-level", "loud", "--log-level", &err);
	ok(rc == DR_ECONFIG && strstr(err.msg, "--log-level"), "override checked: %s", err.msg);
	rc = dr_cfg_set(cfg, "nope", "1", "--nope", &err);
	ok(rc == DR_ECONFIG && strstr(err.msg, "'nope'"), "override of an unknown key rejected");
	rc = dr_cfg_set(cfg, "db", "dbname=z", "--db", &err);
	ok(rc == 0 && !strcmp(dr_cfg_str(cfg, "db"), "dbname=z"), "override replaces the value");
	ok(dr_cfg_find("db") && (dr_cfg_find("db")->flags & DR_CFG_SECRET),
	   "db is marked secret (may hold a password)");
	{
		size_t n;
		const struct dr_cfg_key *k = dr_cfg_keys(&n);
		bool sorted = true;

		for (size_t i = 1; i < n; i++)
			if (strcmp(k[i - 1].name, k[i].name) >= 0)
				sorted = false;
		ok(sorted, "the key table is sorted by name");
	}
	dr_cfg_free(cfg);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			diag("could not remove %s", dir);
	}
	return done_testing();
}
